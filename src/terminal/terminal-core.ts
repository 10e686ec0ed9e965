/**
 * The terminal's own state, wired over the store: clock, event recording, parameters, initialisation
 * (AFN01), start-up checks (ERC1 version change, ERC14 power off/on), daily supply time and resets (AFN0D
 * F49), self-check (ERC21) and version info.
 * The uplink's AFN handlers call this; the reading engine gets `clock` and `store`.
 *
 *   host Clock ─► TerminalClock (offset persisted) ─► Store (retention, timestamps)
 *                        │                              ▲
 *                        └─► EventRecorder ─► events ───┘   ParameterService ─► parameters / meters
 */
import type { Clock, TimerHandle } from "../common/clock.ts";
import { type Logger, silentLogger } from "../common/logger.ts";
import { localParts } from "../store/calendar.ts";
import { Store } from "../store/store.ts";
import {
  type Erc14Variant,
  type Erc41Variant,
  erc1,
  erc14,
  erc20,
  erc21,
  erc41,
  TERMINAL_FAULT,
} from "./erc-records.ts";
import { EventRecorder } from "./event-recorder.ts";
import { decodeA1 } from "./local-time.ts";
import { MASTER_COMM_FNS, type ParameterDecoder, ParameterService } from "./parameter-service.ts";
import { SupplyAccounting } from "./supply-accounting.ts";
import { TerminalClock } from "./terminal-clock.ts";
import { defaultVersionInfo, encodeVersionInfo, type VersionInfo } from "./version-info.ts";

const KEY_HEARTBEAT = "power.heartbeatAt";
const KEY_CLEAN_STOP = "power.cleanStop";
const KEY_VERSION = "software.version";
const KEY_RESTART = "init.restartRequestedAt";
const KEY_FAULTS = "selfcheck.activeFaults";
const KEY_FAULT_DETAILS = "selfcheck.findings";

/** How often the "still alive" time is persisted; the power-off time is known to this precision. */
export const HEARTBEAT_INTERVAL_MS = 60_000;

export interface TerminalCoreOptions {
  /** SQLite file path (`:memory:` for tests). */
  dbPath: string;
  /** Host time source (SystemClock in production, ManualClock in tests). */
  hostClock: Clock;
  /** Terminal-local civil time offset from UTC in minutes (China: 480). */
  utcOffsetMinutes?: number;
  logger?: Logger;
  version?: VersionInfo;
  decoder?: ParameterDecoder;
  erc14Variant?: Erc14Variant;
  erc41Variant?: Erc41Variant;
}

export type InitFn = 1 | 2 | 3 | 4;

export interface InitResult {
  /** F1: the caller must restart the process after the AFN00 answer has been sent. */
  readonly restart: boolean;
}

export interface SelfCheckResult {
  /** ERC21 fault codes found now. */
  readonly faults: readonly number[];
  /** Each problem found, with its fault code and a reason for people. */
  readonly findings: readonly FaultFinding[];
}

/** One problem found by a self-check probe: its ERC21 fault code and why. */
export interface FaultFinding {
  readonly code: number;
  readonly reason: string;
}

export class TerminalCore {
  readonly clock: TerminalClock;
  readonly store: Store;
  readonly events: EventRecorder;
  readonly parameters: ParameterService;
  /** Daily supply time and reset count (AFN0D F49), counted from start-ups and heartbeats. */
  readonly supply: SupplyAccounting;
  readonly version: VersionInfo;
  readonly utcOffsetMinutes: number;
  readonly #logger: Logger;
  readonly #erc14Variant: Erc14Variant;
  readonly #erc41Variant: Erc41Variant;
  #heartbeat: TimerHandle | undefined;
  /** The last findings of the probes outside the core (terminal/self-check.ts): disk, memory, ports … */
  #probeFindings: readonly FaultFinding[] = [];

  constructor(options: TerminalCoreOptions) {
    this.#logger = (options.logger ?? silentLogger).child({ module: "terminal" });
    this.utcOffsetMinutes = options.utcOffsetMinutes ?? 0;
    this.version = options.version ?? defaultVersionInfo();
    this.#erc14Variant = options.erc14Variant ?? "2013";
    this.#erc41Variant = options.erc41Variant ?? "nuc";
    this.clock = new TerminalClock(options.hostClock);
    this.store = new Store({
      path: options.dbPath,
      clock: this.clock,
      utcOffsetMinutes: this.utcOffsetMinutes,
      logger: options.logger ?? silentLogger,
    });
    this.clock.attach(this.store.kv);
    this.events = new EventRecorder(this.store, this.clock, this.#logger);
    this.parameters = new ParameterService({
      store: this.store,
      clock: this.clock,
      events: this.events,
      logger: this.#logger,
      utcOffsetMinutes: this.utcOffsetMinutes,
      ...(options.decoder === undefined ? {} : { decoder: options.decoder }),
    });
    this.supply = new SupplyAccounting(this.store.kv, this.clock, this.utcOffsetMinutes, this.#logger);
  }

  /**
   * Start-up: ERC1 on first start or software version change, ERC14 for the time the process was down
   * (from the persisted heartbeat), a self-check, then the heartbeat timer.
   */
  start(): void {
    const now = this.clock.now();
    const kv = this.store.kv;
    const previousVersion = kv.getString(KEY_VERSION);
    const current = this.version.softwareVersion;
    if (previousVersion === undefined) {
      this.events.record(
        erc1(now, this.utcOffsetMinutes, { init: true, versionChange: false }, current, current),
      );
    } else if (previousVersion !== current) {
      this.events.record(
        erc1(now, this.utcOffsetMinutes, { init: false, versionChange: true }, previousVersion, current),
      );
    }
    kv.set(KEY_VERSION, current);

    const lastAlive = kv.get(KEY_HEARTBEAT);
    if (typeof lastAlive === "number") {
      const clean = kv.get(KEY_CLEAN_STOP) === true || typeof kv.get(KEY_RESTART) === "number";
      // 2014 attribute: D0 = 1 abnormal (no clean stop was recorded), D1 = 0 valid.
      this.events.record(erc14(lastAlive, now, this.utcOffsetMinutes, this.#erc14Variant, clean ? 0 : 1));
    }
    kv.delete(KEY_RESTART);
    kv.set(KEY_CLEAN_STOP, false);
    this.supply.start();
    this.#beat();
    this.selfCheck();
  }

  /** Clean stop: persists the last-alive time and stops the heartbeat; the store stays open. */
  stop(): void {
    this.#heartbeat?.cancel();
    this.#heartbeat = undefined;
    this.supply.stop();
    this.store.kv.set(KEY_HEARTBEAT, this.clock.now());
    this.store.kv.set(KEY_CLEAN_STOP, true);
  }

  close(): void {
    if (this.#heartbeat !== undefined) this.stop();
    this.store.close();
  }

  #beat(): void {
    this.supply.tick();
    this.store.kv.set(KEY_HEARTBEAT, this.clock.now());
    this.#heartbeat = this.clock.setTimer(HEARTBEAT_INTERVAL_MS, () => this.#beat());
  }

  /** Sets the terminal clock (AFN05 F31 from the master, or the local interface) and records ERC41. */
  setClock(epochMs: number): void {
    const change = this.clock.set(epochMs);
    this.events.record(
      erc41(change.after, this.utcOffsetMinutes, 0, change.before, change.after, this.#erc41Variant),
    );
    this.#logger.info({ before: change.before, after: change.after }, "terminal clock set");
  }

  /** AFN05 F31 body (A.1, 6 bytes); false when the body is not a valid time (the uplink denies). */
  setClockFromA1(body: Uint8Array): boolean {
    if (body.length !== 6) return false;
    const epoch = decodeA1(body, this.utcOffsetMinutes);
    if (epoch === undefined) return false;
    this.setClock(epoch);
    return true;
  }

  /** ERC20 after a failed message-authentication check (shared/protocol §2.4). */
  recordAuthFailure(pw: Uint8Array, msa: number): void {
    this.events.record(erc20(this.clock.now(), this.utcOffsetMinutes, pw, msa));
  }

  /**
   * AFN01 initialisation (shared/protocol §3.8): F1 restart (state kept; ERC14 at the next start), F2 data
   * cleared, F3 parameters and data to factory defaults, F4 as F3 but master-communication parameters kept.
   * F2–F4 are audited with ERC1 (init flag), written after the clear so it is the first record.
   */
  initialise(fn: InitFn): InitResult {
    const now = this.clock.now();
    this.#logger.warn({ fn }, "AFN01 initialisation");
    if (fn === 1) {
      this.store.kv.set(KEY_RESTART, now);
      return { restart: true };
    }
    this.store.transaction(() => {
      if (fn === 3) this.store.clearParameters();
      if (fn === 4) this.store.clearParameters(MASTER_COMM_FNS);
      this.store.clearData();
      this.supply.clear();
    });
    const v = this.version.softwareVersion;
    this.events.record(erc1(now, this.utcOffsetMinutes, { init: true, versionChange: false }, v, v));
    if (fn === 3 || fn === 4) this.parameters.notifyChanged("all");
    return { restart: false };
  }

  /**
   * Checks the database (quick_check) and the clock (a plausible 2000..2099 date), together with the
   * latest findings of the outside probes (`probeFindings` replaces them when given). A fault seen for the
   * first time is recorded as ERC21; a fault still present is not recorded again; a fault gone is cleared
   * (ERC21 has no "restored" form, so clearing is the alarm going out and a log line; a recurrence is
   * recorded anew).
   */
  selfCheck(probeFindings?: readonly FaultFinding[]): SelfCheckResult {
    if (probeFindings !== undefined) this.#probeFindings = probeFindings;
    const findings: FaultFinding[] = [];
    let dbProblem: string | undefined;
    try {
      const result = this.store.db.pragma("quick_check");
      if (result !== "ok") dbProblem = `database quick_check: ${String(result)}`;
    } catch (error) {
      dbProblem = `database check failed: ${String(error)}`;
    }
    if (dbProblem !== undefined) findings.push({ code: TERMINAL_FAULT.mainMemory, reason: dbProblem });
    const year = localParts(this.clock.now(), this.utcOffsetMinutes).year;
    if (year < 2000 || year > 2099) {
      findings.push({
        code: TERMINAL_FAULT.clock,
        reason: `terminal clock year ${year} is outside 2000..2099`,
      });
    }
    findings.push(...this.#probeFindings);
    const faults = [...new Set(findings.map((f) => f.code))];

    const active = new Set(this.activeFaults());
    for (const fault of faults) {
      if (active.has(fault)) continue;
      const reasons = findings.filter((f) => f.code === fault).map((f) => f.reason);
      this.#logger.error({ fault, reasons }, "self-check fault");
      this.events.record(erc21(this.clock.now(), this.utcOffsetMinutes, fault));
    }
    for (const fault of active) {
      if (!faults.includes(fault)) this.#logger.info({ fault }, "self-check fault cleared");
    }
    this.store.kv.set(KEY_FAULTS, faults);
    this.store.kv.set(KEY_FAULT_DETAILS, findings);
    return { faults, findings };
  }

  /** The problems behind the active faults, as found by the last self-check. */
  faultFindings(): FaultFinding[] {
    const stored = this.store.kv.get(KEY_FAULT_DETAILS);
    if (!Array.isArray(stored)) return [];
    return stored.filter(
      (f): f is FaultFinding =>
        typeof f === "object" && f !== null && typeof f.code === "number" && typeof f.reason === "string",
    );
  }

  /** ERC21 fault codes found by the last self-check (the alarm indicator stays lit while any remain). */
  activeFaults(): number[] {
    const stored = this.store.kv.get(KEY_FAULTS);
    return Array.isArray(stored) ? stored.filter((f): f is number => typeof f === "number") : [];
  }

  /** AFN09 F1 body (41 bytes). */
  versionBody(): Uint8Array {
    return encodeVersionInfo(this.version);
  }
}
