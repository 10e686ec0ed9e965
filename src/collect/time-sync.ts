/**
 * Meter time, an engine task added through `CollectEngine.addPlanner`:
 *
 *   broadcast:  at the port's AFN04 F33 time-sync time (A.18 "mm hh DD", DD 0 = every day) once a day, and on
 *               demand (AFN05 F30 switched on, or `requestNow`), one DL/T 645 broadcast time frame (C=08,
 *               address 99…99) per protocol edition present on the port — the meters' own rule limits what
 *               they accept (typically ±5 min, once a day)
 *   clock check: once a day per meter after the broadcast: read date + time, compare with the terminal clock
 *               |deviation| < setMinutes           nothing (an active ERC12 is restored)
 *               setMinutes ≤ |dev| ≤ eventMinutes  addressed clock set (write time of day, meter password)
 *               |dev| > eventMinutes               ERC12 once (a person must look: wrong meter, dead battery)
 *
 * Persisted: the day each port was last broadcast (kv), and per meter the day it was checked and whether its
 * ERC12 is active (meter_watch, written with the event). Configuration [L]: F33 control word D3 ("periodic
 * broadcast time sync") gates the broadcast on ports F33 configures; AFN05 F30 (0 off / 1 on) switches the
 * whole function, kept in kv; F59 byte 3 (minutes) is the event threshold when set. All overridable.
 */
import type { Answer } from "../catalog/values.ts";
import type { Clock } from "../common/clock.ts";
import { type Logger, silentLogger } from "../common/logger.ts";
import { encodeDiData } from "../protocol/dlt645/data.ts";
import { findDi } from "../protocol/dlt645/di-table.ts";
import { DEFAULT_PREAMBLE } from "../protocol/dlt645/frame.ts";
import type { Dlt645Edition } from "../protocol/dlt645/functions.ts";
import { broadcastTime, decodeMessageBytes, encodeMessage, message } from "../protocol/dlt645/message.ts";
import { dayKey, localParts } from "../store/calendar.ts";
import type { Store } from "../store/store.ts";
import type { EventRecorder } from "../terminal/event-recorder.ts";
import {
  type CollectEngine,
  type CollectTarget,
  type EngineTerminal,
  type PlanContext,
  type Planner,
  plannerDeps,
} from "./engine.ts";
import { erc12 } from "./meter-event-records.ts";
import { readIdentifiers } from "./meter-reads.ts";
import { minuteOfDay } from "./periods.ts";
import { type PortWorker, RANK } from "./port-worker.ts";

export interface TimeSyncConfig {
  /** Below this deviation nothing is done. */
  readonly setMinutes: number;
  /** Above this deviation ERC12 is raised instead of setting the clock. */
  readonly eventMinutes: number;
  /** Take the event threshold from AFN04 F59 byte 3 (minutes) when set [L]. */
  readonly useF59: boolean;
  /** F33 control-word bit that gates the broadcast on a port F33 configures; undefined = not gated [L]. */
  readonly controlBit: number | undefined;
  /** Broadcast time (minute of day) on ports F33 does not configure; undefined = no broadcast there. */
  readonly defaultBroadcastMinute: number | undefined;
  /** Clock checks start this many minutes after the port's broadcast time (or `defaultCheckMinute`). */
  readonly checkDelayMinutes: number;
  /** Minute of day clock checks start on ports without a broadcast time. */
  readonly defaultCheckMinute: number;
  /** Set meter clocks (5–10 min band); false = only check and raise ERC12. */
  readonly setClocks: boolean;
  /** DL/T 645 password used when the F10 entry has none (level 2, code "000000" is a factory default). */
  readonly password: { readonly level: number; readonly code: string };
  /** DL/T 645-2007 operator code sent with a clock set (8 hex digits). */
  readonly operator: string;
  /** How long to wait for a meter's answer to a clock set. */
  readonly writeTimeoutMs: number;
}

export const DEFAULT_TIME_SYNC_CONFIG: TimeSyncConfig = {
  setMinutes: 5,
  eventMinutes: 10,
  useF59: true,
  controlBit: 3,
  defaultBroadcastMinute: 21 * 60,
  checkDelayMinutes: 15,
  defaultCheckMinute: 2 * 60,
  setClocks: true,
  password: { level: 2, code: "000000" },
  operator: "00000000",
  writeTimeoutMs: 5000,
};

/** kv: AFN05 F30 switch and on-demand request `{ enabled: boolean, requestedAt: number }`. */
export const METER_TIME_SYNC_KEY = "collect.meterTimeSync";
const BROADCAST_DAYS_KEY = "collect.timeSyncDays";
export const CLOCK_TASK_KEY = "clk:";

const DATE_TIME_IDS: Readonly<Record<Dlt645Edition, readonly [number, number]>> = {
  "2007": [0x04000101, 0x04000102],
  "1997": [0xc010, 0xc011],
};

export type ClockVerdict = "ok" | "set" | "event";

/** What to do about a meter clock `deviationMs` away from the terminal's. */
export function clockVerdict(deviationMs: number, setMinutes: number, eventMinutes: number): ClockVerdict {
  const minutes = Math.abs(deviationMs) / 60_000;
  if (minutes > eventMinutes) return "event";
  if (minutes >= setMinutes) return "set";
  return "ok";
}

/** Meter clock (host epoch ms) from DL/T date "20YY-MM-DD wWW" and time "hh:mm:ss" answers, or undefined. */
export function meterClock(date: Answer, time: Answer, utcOffsetMinutes: number): number | undefined {
  if (typeof date !== "string" || typeof time !== "string") return undefined;
  const d = /^(\d{4})-(\d{2})-(\d{2})/.exec(date);
  const t = /^(\d{2}):(\d{2}):(\d{2})$/.exec(time);
  if (d === null || t === null) return undefined;
  const [y, mo, dd] = [Number(d[1]), Number(d[2]), Number(d[3])];
  const [h, mi, s] = [Number(t[1]), Number(t[2]), Number(t[3])];
  if (mo < 1 || mo > 12 || dd < 1 || dd > 31 || h > 23 || mi > 59 || s > 59) return undefined;
  return Date.UTC(y, mo - 1, dd, h, mi, s) - utcOffsetMinutes * 60_000;
}

/** YYMMDDhhmmss of the terminal's local time (the broadcast frame's field). */
export function broadcastDigits(now: number, utcOffsetMinutes: number): string {
  const p = localParts(now, utcOffsetMinutes);
  const two = (n: number): string => String(n).padStart(2, "0");
  return `${two(p.year % 100)}${two(p.month)}${two(p.day)}${two(p.hour)}${two(p.minute)}${two(p.second)}`;
}

export interface TimeSyncDeps {
  readonly store: Store;
  readonly events: EventRecorder;
  readonly clock: Clock;
  readonly utcOffsetMinutes: number;
  readonly logger: Logger;
  readonly isOpen: () => boolean;
}

export class TimeSyncPlanner implements Planner {
  readonly name = "time-sync";
  readonly config: TimeSyncConfig;
  readonly #deps: TimeSyncDeps;
  readonly counters = { broadcasts: 0, checks: 0, clockSets: 0, setFailures: 0, ercs: 0 };

  static install(
    engine: CollectEngine,
    terminal: EngineTerminal,
    config: Partial<TimeSyncConfig> = {},
    logger: Logger = silentLogger,
  ): TimeSyncPlanner {
    const planner = new TimeSyncPlanner(plannerDeps(engine, terminal, logger, "time-sync"), config);
    engine.addPlanner(planner);
    return planner;
  }

  constructor(deps: TimeSyncDeps, config: Partial<TimeSyncConfig> = {}) {
    this.#deps = deps;
    this.config = { ...DEFAULT_TIME_SYNC_CONFIG, ...config };
  }

  /** The AFN05 F30 switch (default on) and the last on-demand request. */
  switchState(): { enabled: boolean; pendingRequest: number | undefined } {
    const v = this.#deps.store.kv.get(METER_TIME_SYNC_KEY) as
      | { enabled?: unknown; requestedAt?: unknown; servedAt?: unknown }
      | undefined;
    const requestedAt = typeof v?.requestedAt === "number" ? v.requestedAt : undefined;
    return {
      enabled: v?.enabled !== false,
      // Served requests are marked in kv: a restart neither loses nor repeats an on-demand round.
      pendingRequest: requestedAt !== v?.servedAt ? requestedAt : undefined,
    };
  }

  /** Asks for a broadcast (and clock checks) on every port at the next tick (local interface, tests). */
  requestNow(): void {
    requestMeterTimeSync(this.#deps.store, this.#deps.clock.now());
  }

  eventMinutes(): number {
    if (this.config.useF59) {
      const f59 = this.#deps.store.parameters.get(59, 0)?.body;
      const minutes = f59?.[3];
      if (f59 !== undefined && f59.length === 5 && minutes !== undefined && minutes > 0) return minutes;
    }
    return this.config.eventMinutes;
  }

  tick(context: PlanContext): void {
    const state = this.switchState();
    if (!state.enabled) return;
    const today = dayKey(context.now, context.utcOffsetMinutes);
    const minute = minuteOfDay(context.now, context.utcOffsetMinutes);
    const onDemand = state.pendingRequest !== undefined;
    if (onDemand)
      this.#deps.store.kv.set(METER_TIME_SYNC_KEY, {
        enabled: true,
        requestedAt: state.pendingRequest,
        servedAt: state.pendingRequest,
      });
    const days = this.#broadcastDays();
    const ports = [...new Set(context.targets.map((t) => t.port))].sort((a, b) => a - b);
    for (const port of ports) {
      const worker = context.worker(port);
      if (worker === undefined) continue;
      const plan = this.#portPlan(context, port, today);
      const due =
        plan.broadcastMinute !== undefined && minute >= plan.broadcastMinute && days[port] !== today;
      if (onDemand || due) {
        this.#broadcast(worker, context.targets, port, today);
        days[port] = today;
      }
      if (minute < plan.checkMinute && !onDemand) continue;
      for (const target of context.targets) {
        if (target.port !== port) continue;
        if (!onDemand && this.#deps.store.meterWatch.get(target.point, "clockCheckedDay") === today) continue;
        context.enqueue(port, {
          key: `${CLOCK_TASK_KEY}${target.point}`,
          rank: RANK.background,
          run: async () => {
            if (this.#deps.isOpen()) await this.checkClock(worker, target);
          },
        });
      }
    }
  }

  #broadcastDays(): Record<number, number> {
    const v = this.#deps.store.kv.get(BROADCAST_DAYS_KEY);
    return typeof v === "object" && v !== null ? { ...(v as Record<number, number>) } : {};
  }

  /** When the port broadcasts today (undefined = not today) and when its clock checks may start. */
  #portPlan(
    context: PlanContext,
    port: number,
    today: number,
  ): { broadcastMinute: number | undefined; checkMinute: number } {
    const f33 = context.store.parameters.get(33, 0)?.decoded as { ports?: { port?: unknown }[] } | undefined;
    const configured = Array.isArray(f33?.ports) && f33.ports.some((p) => p?.port === port);
    let broadcastMinute: number | undefined;
    if (!configured) broadcastMinute = this.config.defaultBroadcastMinute;
    else {
      const scheme = context.scheme(port);
      const bit = this.config.controlBit;
      const gated = bit !== undefined && ((scheme.control >> bit) & 1) === 0;
      const sync = scheme.timeSync;
      if (!gated && sync !== undefined && (sync.day === 0 || sync.day === today % 100))
        broadcastMinute = sync.minute;
    }
    const checkMinute =
      broadcastMinute === undefined
        ? this.config.defaultCheckMinute
        : Math.min(24 * 60 - 1, broadcastMinute + this.config.checkDelayMinutes);
    return { broadcastMinute, checkMinute };
  }

  #broadcast(worker: PortWorker, targets: readonly CollectTarget[], port: number, today: number): void {
    const { store, clock, utcOffsetMinutes, logger } = this.#deps;
    store.kv.set(BROADCAST_DAYS_KEY, { ...this.#broadcastDays(), [port]: today });
    const editions = new Set(targets.filter((t) => t.port === port).map((t) => t.edition));
    for (const edition of [...editions].sort()) {
      // The frame carries the time it is built at; it goes ahead of any queued exchange (live rank).
      const frame = encodeMessage(broadcastTime(edition, broadcastDigits(clock.now(), utcOffsetMinutes)), {
        preamble: DEFAULT_PREAMBLE,
      });
      this.counters.broadcasts++;
      void worker.broadcast(frame, RANK.live);
      logger.info({ port, edition }, "broadcast time sync sent");
    }
  }

  /** Reads one meter's clock and acts on the deviation. */
  async checkClock(worker: PortWorker, target: CollectTarget): Promise<void> {
    const { store, clock, utcOffsetMinutes } = this.#deps;
    const ids = DATE_TIME_IDS[target.edition];
    const cache = new Map<number, Answer>();
    const read = await readIdentifiers(worker, target, ids, RANK.background, cache);
    if (!read.ok || !this.#deps.isOpen()) return;
    this.counters.checks++;
    const now = clock.now();
    const meterMs = meterClock(cache.get(ids[0]), cache.get(ids[1]), utcOffsetMinutes);
    store.meterWatch.set(target.point, "clockCheckedDay", dayKey(now, utcOffsetMinutes), now);
    if (meterMs === undefined) return;
    const deviation = meterMs - now;
    const verdict = clockVerdict(deviation, this.config.setMinutes, this.eventMinutes());
    const alarmActive = store.meterWatch.get(target.point, "clockAlarm") === true;
    if (verdict === "event") {
      if (!alarmActive) this.#alarm(target.point, true, now);
      return;
    }
    if (verdict === "set" && this.config.setClocks) await this.#setClock(worker, target, deviation);
    if (alarmActive) this.#alarm(target.point, false, clock.now());
  }

  #alarm(point: number, occurred: boolean, now: number): void {
    const { store, events, utcOffsetMinutes } = this.#deps;
    store.transaction(() => {
      if (events.record(erc12(now, utcOffsetMinutes, point, occurred)) !== undefined) this.counters.ercs++;
      if (occurred) store.meterWatch.set(point, "clockAlarm", true, now);
      else store.meterWatch.delete(point, "clockAlarm");
    });
  }

  /**
   * Addressed clock set (DL/T 645 write, C=14 / 1997 C=04) of the time of day. Only when the meter's date is
   * the terminal's date: a date set would be a bigger correction than this band is for.
   */
  async #setClock(worker: PortWorker, target: CollectTarget, deviation: number): Promise<void> {
    const { store, clock, utcOffsetMinutes, logger } = this.#deps;
    const now = clock.now();
    if (dayKey(now + deviation, utcOffsetMinutes) !== dayKey(now, utcOffsetMinutes)) return;
    const di = DATE_TIME_IDS[target.edition][1];
    const row = findDi(target.edition, di);
    if (row === undefined) return;
    const p = localParts(clock.now(), utcOffsetMinutes);
    const two = (n: number): string => String(n).padStart(2, "0");
    const data = encodeDiData(row, `${two(p.hour)}:${two(p.minute)}:${two(p.second)}`);
    const password = meterPassword(store, target.point) ?? this.config.password;
    const fields =
      target.edition === "2007"
        ? { di, password, operator: this.config.operator, data }
        : { di, password, data };
    const frame = encodeMessage(message(target.edition, target.address, "write", "request", fields), {
      preamble: DEFAULT_PREAMBLE,
    });
    const answer = await worker.forward(target, frame, this.config.writeTimeoutMs, RANK.background);
    const reply = answer === undefined ? undefined : decodeMessageBytes(answer, target.edition);
    const ok = reply?.ok === true && reply.value.direction === "reply" && !reply.value.abnormal;
    if (!ok) {
      this.counters.setFailures++;
      logger.warn({ point: target.point, deviationMs: deviation }, "meter clock set refused or unanswered");
      return;
    }
    this.counters.clockSets++;
    const at = clock.now();
    store.meterEvents.append({
      point: target.point,
      kind: "clock set by terminal",
      occurredAt: at,
      recordedAt: at,
      data: { deviationMs: deviation },
    });
  }
}

/**
 * The DL/T 645 password from the F10 entry's 6 password bytes, read as level then P0 P1 P2 (wire order) [L];
 * undefined when the entry has none (all zero).
 */
export function meterPassword(store: Store, point: number): { level: number; code: string } | undefined {
  const bytes = store.meters.getByPoint(point)?.password;
  if (bytes === undefined || bytes.length < 4 || bytes.every((b) => b === 0)) return undefined;
  const hex = (b: number | undefined): string => (b ?? 0).toString(16).padStart(2, "0");
  return { level: bytes[0] as number, code: `${hex(bytes[3])}${hex(bytes[2])}${hex(bytes[1])}` };
}

/** Marks an on-demand meter time sync (AFN05 F30 switched on); the planner carries it out at its next tick. */
export function requestMeterTimeSync(store: Store, now: number): void {
  store.kv.set(METER_TIME_SYNC_KEY, { enabled: true, requestedAt: now });
}

/** AFN05 F30 off: no broadcasts or clock checks until switched on again. */
export function disableMeterTimeSync(store: Store): void {
  store.kv.set(METER_TIME_SYNC_KEY, { enabled: false });
}
