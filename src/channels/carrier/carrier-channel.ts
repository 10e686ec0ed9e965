/**
 * The carrier port (1376.1 port 31) as a `MeterChannel`: a Q/GDW 1376.2 session with the local module on
 * top of `CarrierClient`.
 *
 *   start ──► open line ──► identify (AFN03 F1/F4/F10) ──► set master node (AFN05 F1) ──► pause routing
 *             (AFN12 F2) ──► ready ──► archive sync (AFN10/AFN11) whenever the target archive changes
 *
 *   read / forward / broadcast ──► RequestQueue ──► AFN13 F1 (concentrator-led) / AFN05 F3
 *                                     │    while router-led reading runs: AFN12 F2 before, AFN12 F3 after
 *   runRouterLed(plan, onReading) ────┘    (AFN12 F1, AFN14 answers, AFN06 F2 readings)
 *
 *   N module-level failures in a row ──► restart: hardware-reset hook, re-open, re-identify, re-sync
 *
 * Module-level failures are the module not answering its serial line; a meter that does not answer over
 * the power line is a read failure, not a module fault.
 */
import type { Clock, TimerHandle } from "../../common/clock.ts";
import { type Logger, silentLogger } from "../../common/logger.ts";
import { DENY_CODE, PROTOCOL } from "../../protocol/gw1376-2/fn-table.ts";
import type { ByteStream } from "../../transport/byte-stream.ts";
import {
  joinData,
  judgeReadAnswer,
  MAX_CONTINUATION_FRAMES,
  readFrame,
  readNextFrame,
} from "../dlt645-read.ts";
import type {
  ChannelStats,
  MeterChannel,
  MeterReadRequest,
  MeterReadResult,
  MeterTarget,
  ReadFailure,
  ReadPriority,
} from "../meter-channel.ts";
import { RequestQueue } from "../request-queue.ts";
import { archiveFingerprint } from "./archive-target.ts";
import {
  type ArchiveNode,
  CarrierClient,
  type CarrierClientOptions,
  CarrierError,
  type ModuleInfo,
  type MonitorResult,
  type RouterAnswer,
  type RouterReading,
  type RouterRequest,
  type SyncResult,
} from "./carrier-client.ts";
import type { RegistrationPolicy } from "./registration-report.ts";

export interface CarrierChannelOptions {
  /** 1376.1 port number (default 31). */
  readonly port?: number;
  /** Opens the serial line to the module (again after a restart). */
  readonly open: () => Promise<ByteStream>;
  readonly clock: Clock;
  readonly logger?: Logger;
  /** Master node address to give the module (AFN05 F1), 12 digits. */
  readonly masterAddress: string;
  /** The archive the module should hold (the terminal's port-31 meters), read when a sync starts. */
  readonly archive: () => readonly ArchiveNode[];
  /** Stores what the module said about itself (AFN03 F1/F4/F10). */
  readonly saveModuleInfo?: (info: ModuleInfo) => void;
  /** Hardware reset of the module (a GPIO line on real boxes); without one, AFN01 F1 is tried. */
  readonly resetModule?: () => Promise<void>;
  readonly client?: CarrierClientOptions;
  readonly timing?: Partial<CarrierTiming>;
  /** Which registration reports and nodes a meter search takes (default: registration-report.ts). */
  readonly registration?: RegistrationPolicy;
  /** Requests waiting at most (default 256). */
  readonly queueCapacity?: number;
}

export interface CarrierTiming {
  /** How often the target archive is compared with the last one synced, ms. */
  readonly archivePollMs: number;
  /**
   * Delay from a detected archive change to the sync, ms: lets a master's burst of AFN04 F10 frames land
   * first. Poll + delay stays well inside the 90 s the issue allows.
   */
  readonly archiveSyncDelayMs: number;
  /** Module-level failures in a row that make the channel restart the module. */
  readonly failuresBeforeRestart: number;
  /** Time the module needs after a reset before it answers, ms. */
  readonly resetSettleMs: number;
  /** First delay before trying again after a failed restart; doubled up to the maximum. */
  readonly restartRetryMs: number;
  readonly restartRetryMaxMs: number;
  /** How often an AFN13 denied with "master node busy" is tried again, and after how long. */
  readonly busyRetries: number;
  readonly busyRetryMs: number;
}

export const DEFAULT_CARRIER_TIMING: CarrierTiming = {
  archivePollMs: 20_000,
  archiveSyncDelayMs: 30_000,
  failuresBeforeRestart: 3,
  resetSettleMs: 5_000,
  restartRetryMs: 10_000,
  restartRetryMaxMs: 600_000,
  busyRetries: 5,
  busyRetryMs: 2_000,
};

export interface CarrierCounters {
  restarts: number;
  moduleFailures: number;
  syncs: number;
  syncRestarts: number;
  syncFailures: number;
  routePauses: number;
  busyDenials: number;
  nodeNoAnswer: number;
  /** Nodes from registration reports not taken (malformed address, protocol, device type, repeat). */
  searchRejected: number;
  expired: number;
  queueDropped: number;
}

export type CarrierState = "starting" | "ready" | "restarting" | "closed";

interface Job {
  readonly priority: ReadPriority;
  readonly deadline: number | undefined;
  readonly execute: (client: CarrierClient) => Promise<void>;
  readonly fail: (reason: ReadFailure, detail: string) => void;
  expiry?: TimerHandle;
}

/** DL/T 645 edition → 1376.2 protocol type (AFN13 F1 / AFN11 F1). */
export function protocolOf(edition: MeterTarget["edition"]): number {
  return edition === "1997" ? PROTOCOL.dlt645_1997 : PROTOCOL.dlt645_2007;
}

export class CarrierChannel implements MeterChannel {
  readonly port: number;
  readonly kind = "carrier" as const;
  readonly counters: CarrierCounters = {
    restarts: 0,
    moduleFailures: 0,
    syncs: 0,
    syncRestarts: 0,
    syncFailures: 0,
    routePauses: 0,
    busyDenials: 0,
    nodeNoAnswer: 0,
    searchRejected: 0,
    expired: 0,
    queueDropped: 0,
  };
  readonly #options: CarrierChannelOptions;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #timing: CarrierTiming;
  readonly #queue: RequestQueue<Job>;
  #state: CarrierState = "starting";
  #client: CarrierClient | undefined;
  #stream: ByteStream | undefined;
  #info: ModuleInfo | undefined;
  #paused = false;
  #serving = false;
  #pump: Promise<void> | undefined;
  #readyWaiters: (() => void)[] = [];
  #failuresInRow = 0;
  #restartDelay: number;
  #restarting: Promise<void> | undefined;
  // Archive sync
  #syncedFingerprint: string | undefined;
  #syncTimer: TimerHandle | undefined;
  #syncRun:
    | { readonly abort: AbortController; readonly done: Promise<void>; fingerprint: string | undefined }
    | undefined;
  #syncAgain = false;
  #lastSync: SyncResult | undefined;
  #pollTimer: TimerHandle | undefined;
  /** Registration windows open now (ended early when the channel closes). */
  readonly #searches = new Set<AbortController>();
  // Router-led reading
  #routerLed = false;
  #routePaused = false;
  #stats = { requests: 0, answered: 0, failed: 0, bytesOut: 0, bytesIn: 0, busyMs: 0 };

  constructor(options: CarrierChannelOptions) {
    this.port = options.port ?? 31;
    this.#options = options;
    this.#clock = options.clock;
    this.#logger = (options.logger ?? silentLogger).child({ module: "carrier", port: this.port });
    this.#timing = { ...DEFAULT_CARRIER_TIMING, ...options.timing };
    this.#restartDelay = this.#timing.restartRetryMs;
    this.#queue = new RequestQueue(options.queueCapacity ?? 256);
  }

  get state(): CarrierState {
    return this.#state;
  }

  get paused(): boolean {
    return this.#paused;
  }

  /** Waiting requests. */
  get queued(): number {
    return this.#queue.size;
  }

  /** What the module said about itself at the last identification. */
  get moduleInfo(): ModuleInfo | undefined {
    return this.#info;
  }

  get lastSync(): SyncResult | undefined {
    return this.#lastSync;
  }

  /** The session with the module (for diagnostics); undefined while (re)starting. */
  get client(): CarrierClient | undefined {
    return this.#state === "ready" ? this.#client : undefined;
  }

  stats(): ChannelStats {
    return { ...this.#stats };
  }

  /**
   * Connects and identifies the module, then watches the archive. Resolves once the module is ready, or
   * after the first failed attempt (the channel keeps retrying in the background; reads wait or expire).
   */
  async start(): Promise<void> {
    if (this.#state === "closed") return;
    const ok = await this.#connect();
    if (!ok) this.#scheduleRestart("identification failed");
    // The module's archive is made to match the terminal's at once, then whenever the latter changes.
    if (this.#syncRun === undefined) this.#startSync();
    this.#pollArchive();
  }

  // -------------------------------------------------------------------------------------------------------
  // MeterChannel

  read(request: MeterReadRequest): Promise<MeterReadResult> {
    this.#stats.requests++;
    return new Promise((resolve) => {
      const settle = (result: MeterReadResult): void => {
        if (result.ok) this.#stats.answered++;
        else this.#stats.failed++;
        resolve(result);
      };
      this.#enqueue({
        priority: request.priority,
        deadline: request.deadline,
        fail: (reason, detail) => settle({ ok: false, reason, detail }),
        execute: async (client) => settle(await this.#readNow(client, request)),
      });
    });
  }

  forward(
    meter: MeterTarget | undefined,
    frame: Uint8Array,
    timeoutMs: number,
  ): Promise<Uint8Array | undefined> {
    const address = meter?.address ?? addressInFrame(frame);
    if (address === undefined || !(timeoutMs > 0) || frame.length > 255) return Promise.resolve(undefined);
    const protocol = meter === undefined ? PROTOCOL.dlt645_2007 : protocolOf(meter.edition);
    return new Promise((resolve) => {
      this.#enqueue({
        priority: "live",
        deadline: this.#clock.now() + timeoutMs,
        fail: () => resolve(undefined),
        execute: async (client) => {
          const result = await this.#monitor(client, address, frame, protocol, this.#clock.now() + timeoutMs);
          resolve(result.ok ? result.frame : undefined);
        },
      });
    });
  }

  broadcast(frame: Uint8Array): Promise<void> {
    if (frame.length === 0 || frame.length > 255) return Promise.resolve();
    return new Promise((resolve) => {
      this.#enqueue({
        priority: "scheduled",
        deadline: undefined,
        fail: () => resolve(),
        execute: async (client) => {
          try {
            await this.#moduleCall(() => client.command(0x05, 3, { protocol: PROTOCOL.dlt645_2007, frame }));
          } catch (error) {
            this.#logger.warn({ error: String(error) }, "carrier broadcast failed");
          }
          resolve();
        },
      });
    });
  }

  /** AFN05 F49: queued reading work is refused, and a router-led pass is held (AFN12 F2) until resume. */
  pause(): void {
    this.#paused = true;
    for (const job of this.#queue.takeWhere((j) => j.priority !== "live"))
      this.#settle(job, "unavailable", "port paused");
    const client = this.client;
    if (this.#routerLed && !this.#routePaused && client !== undefined) {
      this.#routePaused = true;
      void this.#quietly(client, 0x12, 2);
    }
  }

  /** AFN05 F50: reading work is accepted again; a held router-led pass carries on (AFN12 F3). */
  resume(): void {
    this.#paused = false;
    if (!this.#serving) void this.#resumeRouteIfIdle(this.client);
  }

  /** AFN05 F51 (restart reading on the port): resumes and restarts the module session. */
  async restart(): Promise<void> {
    this.#paused = false;
    await this.#restartModule("restart requested");
  }

  async close(): Promise<void> {
    if (this.#state === "closed") return;
    this.#state = "closed";
    this.#pollTimer?.cancel();
    this.#syncTimer?.cancel();
    this.#syncRun?.abort.abort();
    for (const search of this.#searches) search.abort();
    for (const job of this.#queue.takeWhere(() => true)) this.#settle(job, "unavailable", "channel closed");
    for (const wake of this.#readyWaiters.splice(0)) wake();
    await this.#pump;
    await this.#syncRun?.done;
    this.#client?.close();
    await this.#stream?.close();
  }

  // -------------------------------------------------------------------------------------------------------
  // Router-led reading and registration

  /**
   * Router-led reading (AFN14): the module walks its archive and asks what to send to each node; `plan`
   * answers, `onReading` receives every reply (AFN06 F2) as it arrives. Concentrator-led work queued in the
   * meantime pauses the route (AFN12 F2) and resumes it (F3) afterwards. Resolves when the module reports
   * the pass done or `timeoutMs` passes.
   */
  async runRouterLed(
    plan: (request: RouterRequest) => RouterAnswer,
    onReading: (reading: RouterReading) => void,
    timeoutMs: number,
  ): Promise<{ completed: boolean }> {
    const client = await this.#readyClient();
    if (client === undefined || this.#routerLed) return { completed: false };
    this.#routerLed = true;
    this.#routePaused = false;
    try {
      const safeReading = (reading: RouterReading): void => {
        try {
          this.#stats.bytesIn += reading.frame.length;
          onReading(reading);
        } catch (error) {
          this.#logger.error({ error: String(error) }, "router-led reading handler failed");
        }
      };
      const { completed } = await this.#moduleCall(() => client.runRouterLed(plan, timeoutMs, safeReading));
      return { completed };
    } catch (error) {
      this.#logger.warn({ error: String(error) }, "router-led reading failed");
      return { completed: false };
    } finally {
      this.#routerLed = false;
      this.#routePaused = false;
      // Leave the module quiet for concentrator-led work.
      await this.#quietly(client, 0x12, 2);
    }
  }

  /**
   * Meter search over the power line: one registration window of `durationMinutes` (AFN11 F5 … F6); every
   * node the module reports that passes the checks (registration-report.ts) is handed to `onFound` once, as
   * it arrives. Resolves when the window ends (or at once, not completed, if the module cannot be reached or
   * refuses the window); `signal` ends the window early.
   */
  async searchNodes(
    durationMinutes: number,
    onFound?: (node: ArchiveNode) => void,
    signal?: AbortSignal,
  ): Promise<{ found: ArchiveNode[]; completed: boolean }> {
    const client = await this.#readyClient();
    if (client === undefined || signal?.aborted === true) return { found: [], completed: false };
    // Closing the channel ends the window at once (not minutes later, when its time is up).
    const stop = new AbortController();
    const forward = (): void => stop.abort();
    signal?.addEventListener("abort", forward, { once: true });
    this.#searches.add(stop);
    const safeFound = (node: ArchiveNode): void => {
      try {
        onFound?.(node);
      } catch (error) {
        this.#logger.error({ error: String(error), node: node.address }, "search handler failed");
      }
    };
    try {
      return await this.#moduleCall(() =>
        client.register(durationMinutes, {
          onFound: safeFound,
          onRejected: () => {
            this.counters.searchRejected++;
          },
          ...(this.#options.registration === undefined ? {} : { policy: this.#options.registration }),
          signal: stop.signal,
        }),
      );
    } catch (error) {
      this.#logger.warn({ error: String(error) }, "carrier registration failed");
      return { found: [], completed: false };
    } finally {
      this.#searches.delete(stop);
      signal?.removeEventListener("abort", forward);
    }
  }

  // -------------------------------------------------------------------------------------------------------
  // Archive sync

  /** Tells the channel the target archive changed (AFN04 F10); the sync starts within the sync delay. */
  archiveChanged(): void {
    if (this.#state === "closed") return;
    if (this.#syncRun !== undefined) {
      // A sync is running against an outdated target: stop it between two requests and start over.
      this.#syncAgain = true;
      this.#syncRun.abort.abort();
      return;
    }
    // The first change fixes the start time; later ones in the window do not push it back.
    this.#syncTimer ??= this.#clock.setTimer(this.#timing.archiveSyncDelayMs, () => {
      this.#syncTimer = undefined;
      this.#startSync();
    });
  }

  /** Runs a sync now (start-up, after a restart, tests) and resolves when it ends. */
  syncNow(): Promise<void> {
    this.#syncTimer?.cancel();
    this.#syncTimer = undefined;
    if (this.#syncRun === undefined) this.#startSync();
    return this.#syncRun?.done ?? Promise.resolve();
  }

  #pollArchive(): void {
    if (this.#state === "closed") return;
    this.#pollTimer = this.#clock.setTimer(this.#timing.archivePollMs, () => {
      try {
        const fingerprint = archiveFingerprint(this.#options.archive());
        // Compared with what is being synced right now, if anything: a long sync is not a change.
        const current = this.#syncRun === undefined ? this.#syncedFingerprint : this.#syncRun.fingerprint;
        if (fingerprint !== current) this.archiveChanged();
      } catch (error) {
        this.#logger.error({ error: String(error) }, "carrier archive source failed");
      }
      this.#pollArchive();
    });
  }

  #startSync(): void {
    if (this.#state === "closed") return;
    const abort = new AbortController();
    const done = this.#runSync(abort.signal).finally(() => {
      this.#syncRun = undefined;
      if (this.#syncAgain && this.#state !== "closed") {
        this.#syncAgain = false;
        this.counters.syncRestarts++;
        this.#startSync();
      }
    });
    this.#syncRun = { abort, done, fingerprint: undefined };
  }

  async #runSync(signal: AbortSignal): Promise<void> {
    const client = await this.#readyClient();
    if (client === undefined || signal.aborted) return;
    const target = this.#options.archive();
    const fingerprint = archiveFingerprint(target);
    if (this.#syncRun !== undefined) this.#syncRun.fingerprint = fingerprint;
    this.counters.syncs++;
    try {
      const result = await this.#moduleCall(() => client.syncArchive(target, { signal }));
      this.#lastSync = result;
      if (result.verified) this.#syncedFingerprint = fingerprint;
      else this.counters.syncFailures++;
      this.#logger.info({ ...result, nodes: target.length }, "carrier archive synchronised");
    } catch (error) {
      if (error instanceof CarrierError && error.reason === "aborted") return;
      this.counters.syncFailures++;
      this.#logger.warn({ error: String(error) }, "carrier archive sync failed");
    }
  }

  // -------------------------------------------------------------------------------------------------------
  // Module session and restarts

  /** Opens the line, identifies the module and prepares it; false when the module did not cooperate. */
  async #connect(): Promise<boolean> {
    this.#client?.close();
    this.#client = undefined;
    const old = this.#stream;
    this.#stream = undefined;
    await old?.close();
    try {
      const stream = await this.#options.open();
      this.#stream = stream;
      const client = new CarrierClient(stream, this.#clock, {
        ...this.#options.client,
        logger: this.#logger,
      });
      this.#client = client;
      await client.setMasterAddress(this.#options.masterAddress);
      const info = await client.readModuleInfo();
      this.#info = info;
      this.#options.saveModuleInfo?.(info);
      // Concentrator-led by default: a module that routes by itself would deny AFN13 (master busy).
      await this.#quietly(client, 0x12, 2);
      if (this.#state === "closed") return false;
      this.#state = "ready";
      this.#failuresInRow = 0;
      this.#restartDelay = this.#timing.restartRetryMs;
      this.#logger.info({ ...info }, "carrier module ready");
      for (const wake of this.#readyWaiters.splice(0)) wake();
      this.#kick();
      return true;
    } catch (error) {
      this.#logger.warn({ error: String(error) }, "carrier module did not identify");
      return false;
    }
  }

  /** A command whose failure is logged, not thrown (pause routing at start, after router-led reading). */
  async #quietly(client: CarrierClient, afn: number, fn: number): Promise<void> {
    try {
      await client.command(afn, fn);
      if (afn === 0x12 && fn === 2) this.counters.routePauses++;
    } catch (error) {
      this.#logger.debug({ afn, fn, error: String(error) }, "carrier command not confirmed");
    }
  }

  #scheduleRestart(reason: string): void {
    if (this.#state === "closed") return;
    const delay = this.#restartDelay;
    this.#restartDelay = Math.min(this.#timing.restartRetryMaxMs, this.#restartDelay * 2);
    this.#logger.warn({ reason, retryInMs: delay }, "carrier module restart scheduled");
    this.#clock.setTimer(delay, () => {
      void this.#restartModule(reason);
    });
  }

  /** Hardware reset (or AFN01 F1), re-open, re-identify, re-sync. One restart at a time. */
  #restartModule(reason: string): Promise<void> {
    this.#restarting ??= (async () => {
      if (this.#state === "closed") return;
      this.#state = "restarting";
      this.counters.restarts++;
      this.#logger.warn({ reason }, "restarting the carrier module");
      const client = this.#client;
      try {
        if (this.#options.resetModule !== undefined) await this.#options.resetModule();
        else if (client !== undefined) await client.command(0x01, 1);
      } catch (error) {
        this.#logger.warn({ error: String(error) }, "carrier module reset failed");
      }
      await new Promise<void>((resolve) => this.#clock.setTimer(this.#timing.resetSettleMs, resolve));
      if (await this.#connect()) this.#startSyncAfterRestart();
      else this.#scheduleRestart("module still silent after a restart");
    })().finally(() => {
      this.#restarting = undefined;
    });
    return this.#restarting;
  }

  #startSyncAfterRestart(): void {
    // The module's archive may have been lost with its power: make sure it matches.
    this.#syncedFingerprint = undefined;
    if (this.#syncRun === undefined) this.#startSync();
  }

  /** Runs a module call, counting module-level failures and restarting the module after too many. */
  async #moduleCall<T>(call: () => Promise<T>): Promise<T> {
    try {
      const value = await call();
      this.#failuresInRow = 0;
      return value;
    } catch (error) {
      if (error instanceof CarrierError && (error.reason === "timeout" || error.reason === "closed")) {
        this.#noteModuleFailure(error.message);
      }
      throw error;
    }
  }

  #noteModuleFailure(detail: string): void {
    this.counters.moduleFailures++;
    this.#failuresInRow++;
    if (this.#failuresInRow >= this.#timing.failuresBeforeRestart && this.#state === "ready") {
      this.#failuresInRow = 0;
      void this.#restartModule(`${this.#timing.failuresBeforeRestart} module failures in a row: ${detail}`);
    }
  }

  /** The client once the module is ready; undefined if the channel closes first. */
  async #readyClient(): Promise<CarrierClient | undefined> {
    while (this.#state !== "ready") {
      if (this.#state === "closed") return undefined;
      await new Promise<void>((resolve) => this.#readyWaiters.push(resolve));
    }
    return this.#client;
  }

  // -------------------------------------------------------------------------------------------------------
  // Queue

  #settle(job: Job, reason: ReadFailure, detail: string): void {
    job.expiry?.cancel();
    if (reason === "expired") this.counters.expired++;
    job.fail(reason, detail);
  }

  #enqueue(job: Job): void {
    if (this.#state === "closed") {
      job.fail("unavailable", "channel closed");
      return;
    }
    if (this.#paused && job.priority !== "live") {
      job.fail("unavailable", "port paused");
      return;
    }
    if (job.deadline !== undefined && this.#clock.now() >= job.deadline) {
      this.#settle(job, "expired", "deadline already passed");
      return;
    }
    const result = this.#queue.push(job);
    if (!result.accepted) {
      this.counters.queueDropped++;
      job.fail("unavailable", "queue full");
      return;
    }
    if (result.evicted !== undefined) {
      this.counters.queueDropped++;
      this.#settle(result.evicted, "unavailable", "queue full: displaced by a more urgent request");
    }
    if (job.deadline !== undefined) {
      job.expiry = this.#clock.setTimer(job.deadline - this.#clock.now(), () => {
        if (this.#queue.remove(job)) this.#settle(job, "expired", "deadline passed while queued");
      });
    }
    this.#kick();
  }

  #kick(): void {
    if (this.#serving || this.#state !== "ready" || this.#queue.size === 0) return;
    this.#serving = true;
    this.#pump = this.#serve();
  }

  async #serve(): Promise<void> {
    for (;;) {
      const client = this.#state === "ready" ? this.#client : undefined;
      const job = client === undefined ? undefined : this.#queue.shift();
      if (client === undefined || job === undefined) {
        this.#serving = false;
        await this.#resumeRouteIfIdle(client);
        return;
      }
      job.expiry?.cancel();
      if (job.deadline !== undefined && this.#clock.now() >= job.deadline) {
        this.#settle(job, "expired", "deadline passed while queued");
        continue;
      }
      try {
        if (this.#routerLed && !this.#routePaused) {
          this.#routePaused = true;
          await this.#quietly(client, 0x12, 2);
        }
        await job.execute(client);
      } catch (error) {
        this.#logger.error({ error: String(error) }, "carrier job failed");
        job.fail("unavailable", `internal error: ${String(error)}`);
      }
    }
  }

  /** After concentrator-led work interrupted a router-led pass: let the module carry on. */
  async #resumeRouteIfIdle(client: CarrierClient | undefined): Promise<void> {
    // A paused port keeps the route held (AFN05 F49) until F50.
    if (client === undefined || !this.#routerLed || !this.#routePaused || this.#paused) return;
    this.#routePaused = false;
    await this.#quietly(client, 0x12, 3);
    // Work that arrived while the resume was on the line gets served (and pauses again).
    this.#kick();
  }

  // -------------------------------------------------------------------------------------------------------
  // Reads

  /** AFN13 F1 with "master node busy" retried; module-level failures counted. */
  async #monitor(
    client: CarrierClient,
    address: string,
    frame: Uint8Array,
    protocol: number,
    deadline: number | undefined,
  ): Promise<MonitorResult> {
    for (let busy = 0; ; busy++) {
      const left = deadline === undefined ? undefined : deadline - this.#clock.now();
      if (left !== undefined && left <= 0) return { ok: false, reason: "timeout" };
      const started = this.#clock.now();
      let result: MonitorResult;
      try {
        result = await this.#moduleCall(async () => {
          const r = await client.readMonitored(
            address,
            frame,
            protocol,
            left === undefined ? {} : { timeoutMs: left },
          );
          // A request that timed out on the line is a module-level failure: raise it for the counter.
          if (!r.ok && (r.reason === "timeout" || r.reason === "closed"))
            throw new CarrierError(r.reason, `AFN13 to ${address}: ${r.reason}`);
          return r;
        });
      } catch (error) {
        if (error instanceof CarrierError) return { ok: false, reason: error.reason };
        throw error;
      }
      this.#stats.busyMs += this.#clock.now() - started;
      if (result.ok || result.reason !== "deny" || result.denyCode !== DENY_CODE.masterBusy) return result;
      this.counters.busyDenials++;
      if (busy >= this.#timing.busyRetries) return result;
      await new Promise<void>((resolve) => this.#clock.setTimer(this.#timing.busyRetryMs, resolve));
    }
  }

  async #readNow(client: CarrierClient, request: MeterReadRequest): Promise<MeterReadResult> {
    const { meter, di } = request;
    const address = meter.address;
    const protocol = protocolOf(meter.edition);
    const parts: Uint8Array[] = [];
    let frame = readFrame(meter, di, request.params, {});
    for (let seq = 1; seq <= MAX_CONTINUATION_FRAMES + 1; seq++) {
      const result = await this.#monitor(client, address, frame, protocol, request.deadline);
      if (!result.ok) return this.#failure(result);
      const answer = judgeReadAnswer(result.frame, address, meter.edition, di);
      if (answer.kind === "denied") return { ok: false, reason: "denied", detail: answer.detail };
      if (answer.kind === "bad") return { ok: false, reason: "bad-answer", detail: answer.detail };
      this.#stats.bytesOut += frame.length;
      this.#stats.bytesIn += result.frame.length;
      parts.push(answer.data);
      if (!answer.more) return { ok: true, data: joinData(parts), at: this.#clock.now() };
      frame = readNextFrame(meter, di, seq, {});
    }
    return {
      ok: false,
      reason: "bad-answer",
      detail: `more than ${MAX_CONTINUATION_FRAMES} continuation frames`,
    };
  }

  #failure(result: Extract<MonitorResult, { ok: false }>): MeterReadResult {
    switch (result.reason) {
      case "empty":
        this.counters.nodeNoAnswer++;
        return { ok: false, reason: "timeout", detail: "the node did not answer over the power line" };
      case "deny": {
        const code = result.denyCode;
        if (
          code === DENY_CODE.slaveNoAnswer ||
          code === DENY_CODE.meterNoAnswer ||
          code === DENY_CODE.slaveNotInNetwork
        ) {
          this.counters.nodeNoAnswer++;
          return { ok: false, reason: "timeout", detail: `module: node did not answer (deny ${code})` };
        }
        return { ok: false, reason: "unavailable", detail: `module denied the read (deny ${String(code)})` };
      }
      case "timeout":
        return { ok: false, reason: "timeout", detail: "the module did not answer" };
      case "closed":
      case "aborted":
        return { ok: false, reason: "unavailable", detail: `module line ${result.reason}` };
      case "bad-answer":
        return { ok: false, reason: "bad-answer", detail: "unexpected module answer" };
    }
  }
}

/** The meter address inside a DL/T 645 frame (after any FE preamble), for forwarding without a target. */
function addressInFrame(frame: Uint8Array): string | undefined {
  let i = 0;
  while (i < frame.length && frame[i] === 0xfe) i++;
  if (frame.length < i + 12 || frame[i] !== 0x68 || frame[i + 7] !== 0x68) return undefined;
  let out = "";
  for (let k = 6; k >= 1; k--) out += (frame[i + k] as number).toString(16).padStart(2, "0");
  return out;
}
