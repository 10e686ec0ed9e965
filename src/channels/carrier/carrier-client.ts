/**
 * DCU-side session with a local communication module (Q/GDW 1376.2 over a serial line): one request at a
 * time matched by sequence number, with timeout and retries; answers the module's own frames (confirms
 * AFN06 reports, answers AFN14 router requests and clock requests). Higher-level steps: module info,
 * archive sync, monitored (AFN13) reads, router-led (AFN14) reading and registration.
 *
 *   stream ──► FrameSplitter ──► decode ─┬─ PRM=0, seq = pending → resolves the request
 *                                        ├─ PRM=0, other seq     → late answer, counted and dropped
 *                                        └─ PRM=1 (module asks)  → AFN06: confirm + report listeners
 *                                                                  AFN14: router handler → answer
 * Time comes from the injected Clock; the reading engine (collect/) builds on this.
 */
import type { Clock, TimerHandle } from "../../common/clock.ts";
import type { Logger } from "../../common/logger.ts";
import type { Body } from "../../protocol/gw1376-2/fields.ts";
import { PROTOCOL, READ_FLAG, ROUTE_CHANGE } from "../../protocol/gw1376-2/fn-table.ts";
import { decodeFrame } from "../../protocol/gw1376-2/frame.ts";
import {
  confirmBody,
  DEFAULT_MODE,
  decodeMessage,
  downAnswer,
  downRequest,
  type Message,
} from "../../protocol/gw1376-2/message.ts";
import { FrameSplitter } from "../../protocol/gw1376-2/splitter.ts";
import type { ByteStream } from "../../transport/byte-stream.ts";
import { type RegistrationPolicy, type RejectedNode, registrationNodes } from "./registration-report.ts";

export type CarrierFailure = "timeout" | "deny" | "closed" | "bad-answer" | "aborted";

export class CarrierError extends Error {
  readonly reason: CarrierFailure;
  /** AFN00 F2 error code when `reason` is "deny". */
  readonly denyCode: number | undefined;
  constructor(reason: CarrierFailure, message: string, denyCode?: number) {
    super(message);
    this.name = "CarrierError";
    this.reason = reason;
    this.denyCode = denyCode;
  }
}

export interface CarrierClientOptions {
  /** Wait for a local answer (AFN00/03/10/11/12), ms. */
  readonly timeoutMs?: number;
  /** Wait for an AFN13 monitored read (the module may spend its whole monitor timeout), ms. */
  readonly monitorTimeoutMs?: number;
  /** Resends after a timeout. */
  readonly retries?: number;
  readonly mode?: number;
  /** Node records per AFN10 F2 page and per AFN11 F1/F2 frame. */
  readonly pageSize?: number;
  readonly logger?: Logger;
}

export interface ModuleInfo {
  readonly vendor: string;
  readonly chip: string;
  readonly versionDate: string;
  readonly version: string;
  readonly masterAddress: string;
  /** AFN03 F10 reading-mode bits: 1 concentrator-led, 2 router-led, 3 both (undefined if not answered). */
  readonly readingMode: number | undefined;
  readonly maxNodes: number | undefined;
}

export interface ArchiveNode {
  readonly address: string;
  readonly protocol: number;
}

export interface SyncResult {
  readonly added: number;
  readonly deleted: number;
  readonly verified: boolean;
}

export type MonitorResult =
  | { readonly ok: true; readonly frame: Uint8Array; readonly transitSeconds: number }
  | { readonly ok: false; readonly reason: CarrierFailure | "empty"; readonly denyCode?: number };

export interface RouterRequest {
  readonly address: string;
  readonly index: number;
  readonly phase: number;
}

/** What to tell the module for one AFN14 request: a frame to send, or that the node is done / failed. */
export type RouterAnswer = { readonly frame: Uint8Array; readonly protocol?: number } | "done" | "failed";

export interface RouterReading {
  readonly address: string | undefined;
  readonly index: number;
  readonly frame: Uint8Array;
}

interface Pending {
  readonly seq: number;
  readonly resolve: (m: Message) => void;
  readonly timer: TimerHandle;
}

const RECENT_REPORTS = 32;

export class CarrierClient {
  readonly counters = {
    requests: 0,
    retries: 0,
    timeouts: 0,
    lateAnswers: 0,
    badFrames: 0,
    reportsConfirmed: 0,
    duplicateReports: 0,
    routerRequests: 0,
    /** Nodes in registration reports that were not taken (bad address, protocol, device type, repeat). */
    nodesRejected: 0,
  };
  masterAddress = "000000000000";
  readonly #stream: ByteStream;
  readonly #clock: Clock;
  readonly #options: Required<Omit<CarrierClientOptions, "logger">> & { logger: Logger | undefined };
  readonly #splitter = new FrameSplitter();
  #seq = 0;
  #pending: Pending | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  readonly #reportListeners = new Set<(m: Message) => void>();
  #routerHandler: ((r: RouterRequest) => RouterAnswer) | undefined;
  readonly #recentReports: string[] = [];
  readonly #unsubscribe: () => void;

  constructor(stream: ByteStream, clock: Clock, options: CarrierClientOptions = {}) {
    this.#stream = stream;
    this.#clock = clock;
    this.#options = {
      timeoutMs: options.timeoutMs ?? 3000,
      monitorTimeoutMs: options.monitorTimeoutMs ?? 100_000,
      retries: options.retries ?? 2,
      mode: options.mode ?? DEFAULT_MODE,
      pageSize: options.pageSize ?? 16,
      logger: options.logger,
    };
    this.#unsubscribe = stream.onData((chunk) => {
      for (const frame of this.#splitter.push(chunk)) this.#onFrame(frame);
    });
  }

  close(): void {
    this.#unsubscribe();
  }

  /** Listens to module reports (AFN06, already confirmed and de-duplicated); returns the unsubscribe. */
  onReport(listener: (m: Message) => void): () => void {
    this.#reportListeners.add(listener);
    return () => this.#reportListeners.delete(listener);
  }

  /** Sets who answers AFN14 F1 (router-led reading); without one the client answers "failed". */
  setRouterHandler(handler: ((r: RouterRequest) => RouterAnswer) | undefined): void {
    this.#routerHandler = handler;
  }

  // -------------------------------------------------------------------------------------------------------
  // Incoming

  #onFrame(bytes: Uint8Array): void {
    const framed = decodeFrame(bytes);
    const decoded = framed.ok ? decodeMessage(framed.value) : framed;
    if (!decoded.ok) {
      this.counters.badFrames++;
      this.#options.logger?.warn({ error: decoded.error.message }, "carrier: bad frame from module");
      return;
    }
    const m = decoded.value;
    if (m.control.dir !== "up") {
      this.counters.badFrames++;
      return;
    }
    if (m.control.prm) {
      this.#onModuleRequest(m, bytes);
      return;
    }
    const p = this.#pending;
    if (p && p.seq === m.info.seq) {
      this.#pending = undefined;
      p.timer.cancel();
      p.resolve(m);
    } else {
      this.counters.lateAnswers++;
    }
  }

  #write(bytes: Uint8Array): void {
    this.#stream.write(bytes).catch((error: unknown) => {
      this.#options.logger?.warn({ err: error }, "carrier: write failed");
    });
  }

  #onModuleRequest(m: Message, raw: Uint8Array): void {
    const seq = m.info.seq;
    if (m.afn === 0x06) {
      this.#write(downAnswer(0x00, 1, confirmBody(0), seq, this.#options.mode));
      this.counters.reportsConfirmed++;
      // A report resent because our confirm was lost is confirmed again but delivered once.
      const key = Array.from(raw, (b) => b.toString(16)).join("");
      if (this.#recentReports.includes(key)) {
        this.counters.duplicateReports++;
        return;
      }
      this.#recentReports.push(key);
      if (this.#recentReports.length > RECENT_REPORTS) this.#recentReports.shift();
      for (const l of this.#reportListeners) l(m);
      return;
    }
    if (m.afn === 0x14 && m.fn === 1) {
      this.counters.routerRequests++;
      const request: RouterRequest = {
        address: m.body.address as string,
        index: m.body.index as number,
        phase: m.body.phase as number,
      };
      let answer: RouterAnswer = "failed";
      try {
        answer = this.#routerHandler ? this.#routerHandler(request) : "failed";
      } catch (error) {
        this.#options.logger?.error({ err: error }, "carrier: router handler failed");
      }
      const body: Body =
        answer === "done" || answer === "failed"
          ? {
              readFlag: answer === "done" ? READ_FLAG.done : READ_FLAG.failed,
              delayRelated: 0,
              frame: new Uint8Array(0),
              attached: [],
            }
          : { readFlag: READ_FLAG.read, delayRelated: 0, frame: answer.frame, attached: [] };
      this.#write(downAnswer(0x14, 1, body, seq, this.#options.mode));
      return;
    }
    if (m.afn === 0x14 && m.fn === 2) {
      this.#write(downAnswer(0x14, 2, { time: clockDigits(this.#clock.now()) }, seq, this.#options.mode));
      return;
    }
    this.#options.logger?.debug({ afn: m.afn, fn: m.fn }, "carrier: module request ignored");
  }

  // -------------------------------------------------------------------------------------------------------
  // Requests

  /**
   * Sends one request and resolves with the module's answer (an AFN00 deny is an answer, not an error);
   * rejects with `CarrierError("timeout")` after all retries. Requests are serialised.
   */
  request(
    afn: number,
    fn: number,
    body: Body,
    opts: { destination?: string; timeoutMs?: number; retries?: number } = {},
  ): Promise<Message> {
    const run = this.#queue.then(() => this.#exchange(afn, fn, body, opts));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #exchange(
    afn: number,
    fn: number,
    body: Body,
    opts: { destination?: string; timeoutMs?: number; retries?: number },
  ): Promise<Message> {
    const retries = opts.retries ?? this.#options.retries;
    const timeoutMs = opts.timeoutMs ?? this.#options.timeoutMs;
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (!this.#stream.isOpen) throw new CarrierError("closed", `${this.#stream.label} is closed`);
      if (attempt > 0) this.counters.retries++;
      this.counters.requests++;
      this.#seq = (this.#seq + 1) & 0xff;
      const seq = this.#seq;
      const sendOpts: Parameters<typeof downRequest>[4] = { mode: this.#options.mode };
      const bytes =
        opts.destination !== undefined
          ? downRequest(afn, fn, body, seq, {
              ...sendOpts,
              destination: opts.destination,
              source: this.masterAddress,
            })
          : downRequest(afn, fn, body, seq, sendOpts);
      const answer = new Promise<Message | undefined>((resolve) => {
        const timer = this.#clock.setTimer(timeoutMs, () => {
          if (this.#pending?.seq === seq) this.#pending = undefined;
          resolve(undefined);
        });
        this.#pending = { seq, resolve, timer };
      });
      this.#write(bytes);
      const m = await answer;
      if (m) return m;
      this.counters.timeouts++;
    }
    throw new CarrierError(
      "timeout",
      `AFN${afn.toString(16)} F${fn}: no answer after ${retries + 1} attempt(s)`,
    );
  }

  /** A request whose answer must be an AFN00 F1 confirm. */
  async command(afn: number, fn: number, body: Body = {}): Promise<void> {
    const m = await this.request(afn, fn, body);
    expectConfirm(m, afn, fn);
  }

  /** A query whose answer must be the same AFN/Fn. */
  async query(afn: number, fn: number, body: Body = {}): Promise<Body> {
    const m = await this.request(afn, fn, body);
    if (m.afn === 0x00 && m.fn === 2) {
      throw new CarrierError(
        "deny",
        `AFN${afn.toString(16)} F${fn} denied (${String(m.body.error)})`,
        m.body.error as number,
      );
    }
    if (m.afn !== afn || m.fn !== fn)
      throw new CarrierError(
        "bad-answer",
        `expected AFN${afn.toString(16)} F${fn}, got AFN${m.afn.toString(16)} F${m.fn}`,
      );
    return m.body;
  }

  // -------------------------------------------------------------------------------------------------------
  // Session steps

  async readModuleInfo(): Promise<ModuleInfo> {
    const v = await this.query(0x03, 1);
    const a = await this.query(0x03, 4);
    this.masterAddress = a.address as string;
    let readingMode: number | undefined;
    let maxNodes: number | undefined;
    try {
      const r = await this.query(0x03, 10);
      readingMode = (r.mode as Body).readingMode as number;
      maxNodes = r.maxNodes as number;
    } catch (error) {
      // AFN03 F10 is 2013-only; a 2009 module denies it.
      if (!(error instanceof CarrierError) || error.reason === "timeout") throw error;
    }
    return {
      vendor: v.vendor as string,
      chip: v.chip as string,
      versionDate: v.versionDate as string,
      version: v.version as string,
      masterAddress: this.masterAddress,
      readingMode,
      maxNodes,
    };
  }

  async setMasterAddress(address: string): Promise<void> {
    await this.command(0x05, 1, { address });
    this.masterAddress = address;
  }

  /** Reads the module's whole node archive (AFN10 F1 + F2 pages). */
  async readArchive(): Promise<ArchiveNode[]> {
    const { count } = await this.query(0x10, 1);
    const total = count as number;
    const nodes: ArchiveNode[] = [];
    let start = 1;
    while (nodes.length < total) {
      const page = await this.query(0x10, 2, { start, count: this.#options.pageSize });
      const got = page.nodes as readonly Body[];
      if (got.length === 0) break;
      for (const n of got)
        nodes.push({ address: n.address as string, protocol: ((n.info as Body).protocol as number) ?? 0 });
      start += got.length;
    }
    return nodes;
  }

  /**
   * Makes the module's archive equal to `target`: deletes extras, adds missing ones, reads back to verify.
   * With `signal`, stops between two requests once aborted (rejects with `CarrierError("aborted")`).
   */
  async syncArchive(
    target: readonly ArchiveNode[],
    opts: { signal?: AbortSignal } = {},
  ): Promise<SyncResult> {
    const checkpoint = (): void => {
      if (opts.signal?.aborted === true) throw new CarrierError("aborted", "archive sync aborted");
    };
    const want = new Map(target.map((n) => [n.address.toLowerCase(), n]));
    const have = new Map((await this.readArchive()).map((n) => [n.address, n]));
    const toDelete = [...have.values()].filter((n) => {
      const w = want.get(n.address);
      return !w || (w.protocol & 7) !== (n.protocol & 7);
    });
    const toAdd = [...want.values()].filter((n) => {
      const h = have.get(n.address);
      return !h || (h.protocol & 7) !== (n.protocol & 7);
    });
    const size = this.#options.pageSize;
    for (let i = 0; i < toDelete.length; i += size) {
      checkpoint();
      await this.command(0x11, 2, {
        nodes: toDelete.slice(i, i + size).map((n) => ({ address: n.address })),
      });
    }
    for (let i = 0; i < toAdd.length; i += size) {
      checkpoint();
      await this.command(0x11, 1, {
        nodes: toAdd
          .slice(i, i + size)
          .map((n) => ({ address: n.address.toLowerCase(), protocol: n.protocol })),
      });
    }
    checkpoint();
    const after = await this.readArchive();
    const verified =
      after.length === want.size &&
      after.every((n) => want.has(n.address) && (want.get(n.address)?.protocol ?? -1) % 8 === n.protocol);
    return { added: toAdd.length, deleted: toDelete.length, verified };
  }

  /** Concentrator-led read of one node (AFN13 F1): sends `frame` and returns the node's reply. */
  async readMonitored(
    address: string,
    frame: Uint8Array,
    protocol: number = PROTOCOL.dlt645_2007,
    opts: { timeoutMs?: number } = {},
  ): Promise<MonitorResult> {
    let m: Message;
    try {
      m = await this.request(
        0x13,
        1,
        { protocol, delayRelated: 0, attached: [], frame },
        { destination: address, timeoutMs: opts.timeoutMs ?? this.#options.monitorTimeoutMs },
      );
    } catch (error) {
      if (error instanceof CarrierError) return { ok: false, reason: error.reason };
      throw error;
    }
    if (m.afn === 0x00 && m.fn === 2) return { ok: false, reason: "deny", denyCode: m.body.error as number };
    if (m.afn !== 0x13 || m.fn !== 1) return { ok: false, reason: "bad-answer" };
    const reply = m.body.frame as Uint8Array;
    if (reply.length === 0) return { ok: false, reason: "empty" };
    return { ok: true, frame: reply, transitSeconds: m.body.transitSeconds as number };
  }

  /**
   * Router-led reading (AFN14): restarts routing, answers every AFN14 F1 with `plan`, collects AFN06 F2
   * readings, and resolves when the module reports the reading task done (AFN06 F3) or `timeoutMs` passes.
   * With `onReading`, each reading is handed over as it arrives instead of being collected.
   */
  async runRouterLed(
    plan: (r: RouterRequest) => RouterAnswer,
    timeoutMs: number,
    onReading?: (reading: RouterReading) => void,
  ): Promise<{ readings: RouterReading[]; completed: boolean }> {
    const readings: RouterReading[] = [];
    let finish: (completed: boolean) => void = () => {};
    const done = new Promise<boolean>((resolve) => {
      finish = resolve;
    });
    const unsubscribe = this.onReport((m) => {
      if (m.fn === 2) {
        const reading = {
          address: m.address?.source,
          index: m.body.index as number,
          frame: m.body.frame as Uint8Array,
        };
        if (onReading === undefined) readings.push(reading);
        else onReading(reading);
      } else if (m.fn === 3 && m.body.change === ROUTE_CHANGE.readingDone) {
        finish(true);
      }
    });
    this.setRouterHandler(plan);
    const timer = this.#clock.setTimer(timeoutMs, () => finish(false));
    try {
      await this.command(0x12, 1);
      const completed = await done;
      return { readings, completed };
    } finally {
      timer.cancel();
      unsubscribe();
      this.setRouterHandler(undefined);
    }
  }

  /**
   * Registration (meter search): activates slave-node registration (AFN11 F5) for `durationMinutes` and hands
   * over every node the module reports (AFN06 F1/F4, checked by `registrationNodes`; each address once) until
   * the window ends, then stops registration with AFN11 F6. The DCU keeps the time box itself: the window
   * ends when the duration has passed since the module confirmed F5, when the module reports the search done
   * (AFN06 F3 = 2), or when `signal` aborts — and F6 is sent in every case, so a module that overruns its
   * window or whose "done" report was lost is not left registering (F6 to an idle module is a no-op; a deny
   * of it is logged, not fatal). `completed` is false only when aborted.
   */
  async register(
    durationMinutes: number,
    opts: {
      retries?: number;
      slots?: number;
      signal?: AbortSignal;
      policy?: RegistrationPolicy;
      onFound?: (node: ArchiveNode) => void;
      onRejected?: (node: RejectedNode) => void;
    } = {},
  ): Promise<{ found: ArchiveNode[]; completed: boolean }> {
    const found = new Map<string, ArchiveNode>();
    let finish: (completed: boolean) => void = () => {};
    const done = new Promise<boolean>((resolve) => {
      finish = resolve;
    });
    const unsubscribe = this.onReport((m) => {
      if (m.fn === 3) {
        if (m.body.change === ROUTE_CHANGE.searchDone) finish(true);
        return;
      }
      const { nodes, rejected } = registrationNodes(m, opts.policy);
      for (const r of rejected) {
        this.counters.nodesRejected++;
        this.#options.logger?.warn({ ...r, fn: m.fn }, "carrier: registration report rejected");
        opts.onRejected?.(r);
      }
      for (const node of nodes) {
        // A module may report a node again (a later report, a resend under a new sequence number).
        if (found.has(node.address)) continue;
        found.set(node.address, node);
        opts.onFound?.(node);
      }
    });
    const abort = (): void => finish(false);
    opts.signal?.addEventListener("abort", abort, { once: true });
    let timer: TimerHandle | undefined;
    try {
      if (opts.signal?.aborted === true) return { found: [], completed: false };
      await this.command(0x11, 5, {
        start: clockDigits(this.#clock.now()),
        durationMinutes,
        retries: opts.retries ?? 1,
        slots: opts.slots ?? 8,
      });
      timer = this.#clock.setTimer(durationMinutes * 60_000, () => finish(true));
      const completed = await done;
      try {
        await this.command(0x11, 6);
      } catch (error) {
        // Only a deny is tolerated (a module that ended the window by itself may refuse the stop).
        if (!(error instanceof CarrierError) || error.reason !== "deny") throw error;
        this.#options.logger?.warn({ error: String(error) }, "carrier: stop registration (AFN11 F6) refused");
      }
      return { found: [...found.values()], completed };
    } finally {
      timer?.cancel();
      unsubscribe();
      opts.signal?.removeEventListener("abort", abort);
    }
  }
}

function expectConfirm(m: Message, afn: number, fn: number): void {
  if (m.afn === 0x00 && m.fn === 1) return;
  if (m.afn === 0x00 && m.fn === 2) {
    throw new CarrierError(
      "deny",
      `AFN${afn.toString(16)} F${fn} denied (${String(m.body.error)})`,
      m.body.error as number,
    );
  }
  throw new CarrierError(
    "bad-answer",
    `AFN${afn.toString(16)} F${fn}: expected a confirm, got AFN${m.afn.toString(16)} F${m.fn}`,
  );
}

/** Epoch ms → "YYMMDDhhmmss" (UTC wall time; the terminal clock offset is applied by the Clock). */
export function clockDigits(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${p(d.getUTCFullYear() % 100)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}
