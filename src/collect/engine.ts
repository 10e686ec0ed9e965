/**
 * The reading engine: turns the archive (AFN04 F10), the reading scheme (F33) and the data classes
 * (F38/F39) into per-channel work, on the injected clock.
 *
 *   tick (every minute) ─► planners ─► tasks ─► PortWorker per channel ─► MeterChannel
 *     ├─ frozen:        from 00:05 the day that closed (and the two before, and last month): the meters'
 *     │                 own frozen records; then supplementary rounds every N minutes until ≥ 99.6 % of
 *     │                 meters have each of those days or the cut-off hour passes
 *     ├─ cut-off:       ERC39 per meter still missing the day, ERC31 for meters silent all day
 *     ├─ real-time:     current values every F33 interval, inside the F33 windows
 *     └─ added planners (hooks: meter-event polling, time sync, meter search, curves, reading-day freeze —
 *        `addPlanner`, installed by engine-tasks.ts)
 *
 * Nothing the engine decides lives only in memory: what is missing is read back from the store (frozen data,
 * reading state, needs, raised alarms), so a restart at any moment — around midnight included — picks up
 * where it stopped without repeating an event. In-memory state is only "what is queued now".
 */

import { buildItem, identifiersFor, RECORDS } from "../catalog/catalog.ts";
import type { Answer } from "../catalog/values.ts";
import type { MeterChannel } from "../channels/meter-channel.ts";
import type { Clock, TimerHandle } from "../common/clock.ts";
import { type Logger, silentLogger } from "../common/logger.ts";
import { addDays, dayKey, fromLocalParts, localParts } from "../store/calendar.ts";
import { ALARM_STATE } from "../store/collect-alarms-repo.ts";
import type { Reading } from "../store/readings-repo.ts";
import type { Store } from "../store/store.ts";
import type { EventRecorder } from "../terminal/event-recorder.ts";
import { localTimeText } from "../terminal/local-time.ts";
import {
  type AlarmContext,
  ERC_READ_FAILURE,
  raiseReadFailure,
  raiseSupplementaryFailure,
  restoreReadFailure,
} from "./alarms.ts";
import { collectFrozen, type FrozenWanted } from "./frozen.ts";
import { readIdentifiers } from "./meter-reads.ts";
import { type FrozenKind, lastClosed, minuteOfDay, periodDistance, terminalFreezePeriod } from "./periods.ts";
import { PortWorker, RANK, type Rank, type WorkerTask } from "./port-worker.ts";
import { inWindow, itemsFor, type MeterItems, type PortScheme, portScheme } from "./reading-scheme.ts";
import { readingInfo } from "./status.ts";
import { type ReadTarget, readTargets } from "./targets.ts";

export interface CollectConfig {
  /** Daily frozen collection starts this many minutes after local midnight (meters freeze at 00:00). */
  readonly dailyStartMinute: number;
  /** Local hour after which supplementary reading of the day stops and failures raise ERC31/ERC39. */
  readonly cutoffHour: number;
  /** Pause between supplementary rounds. */
  readonly supplementaryIntervalMinutes: number;
  /** Fraction of meters that must have a period's frozen data for supplementary reading to stop. */
  readonly targetCoverage: number;
  /** Days re-read when missing: the day that closed and the ones before it. */
  readonly supplementaryDays: number;
  /** Meters without frozen records (DL/T 645-1997): current values taken as the day's freeze only this
   * many minutes after midnight [M]. */
  readonly terminalFreezeMinutes: number;
  /** Planner period. */
  readonly tickMs: number;
}

export const DEFAULT_COLLECT_CONFIG: CollectConfig = {
  dailyStartMinute: 5,
  cutoffHour: 22,
  supplementaryIntervalMinutes: 30,
  targetCoverage: 0.996,
  supplementaryDays: 3,
  terminalFreezeMinutes: 120,
  tickMs: 60_000,
};

/** What the engine needs from the terminal: its clock, store and event recorder. */
export interface EngineTerminal {
  readonly clock: Clock;
  readonly store: Store;
  readonly events: EventRecorder;
  readonly utcOffsetMinutes: number;
}

/** What every added planner may need from the engine and the terminal (each planner's deps are a subset). */
export interface PlannerDeps extends EngineTerminal {
  readonly now: () => number;
  readonly logger: Logger;
  /** False once the engine closed: a planner stops writing. */
  readonly isOpen: () => boolean;
}

/** The deps of a planner installed on `engine`, its log lines tagged with `module`. */
export function plannerDeps(
  engine: CollectEngine,
  terminal: EngineTerminal,
  logger: Logger,
  module: string,
): PlannerDeps {
  return {
    store: terminal.store,
    events: terminal.events,
    clock: terminal.clock,
    utcOffsetMinutes: terminal.utcOffsetMinutes,
    now: () => terminal.clock.now(),
    logger: logger.child({ module }),
    isOpen: () => engine.running,
  };
}

/** A meter to collect for, with the items its class asks for. */
export interface CollectTarget extends ReadTarget {
  readonly items: MeterItems;
}

/** What an added planner (meter events, time sync, search) gets on every tick. */
export interface PlanContext {
  readonly now: number;
  readonly utcOffsetMinutes: number;
  readonly targets: readonly CollectTarget[];
  readonly store: Store;
  readonly events: EventRecorder;
  scheme(port: number): PortScheme;
  worker(port: number): PortWorker | undefined;
  /** Queues a task on a port's worker (false when the port has no channel or its queue is full). */
  enqueue(port: number, task: WorkerTask): boolean;
}

/** A hook for more engine work: called on every tick; queues tasks through the context. */
export interface Planner {
  readonly name: string;
  tick(context: PlanContext): void;
}

/** Per-port round of the day's frozen collection (AFN0C F11), persisted in kv. */
export interface RoundRecord {
  readonly period: number;
  readonly start: number;
  readonly end: number | null;
}

const KEY_ROUNDS = "collect.rounds";
const KEY_CUTOFF_DONE = "collect.cutoffDone";
const FROZEN_KEY = "frozen:";
/** AFN0C F170 (meter reading information), kept current by the engine. */
const READING_INFO_KEY = "0C:F170";
const REALTIME_KEY = "rt:";
const targetKey = (t: ReadTarget): string => `${t.point}/${t.port}/${t.address}/${t.edition}`;
/** Targets are re-read at least this often even when the archive stamp did not change. */
const TARGETS_MAX_AGE_MS = 15 * 60_000;

export interface CollectEngineOptions {
  readonly terminal: EngineTerminal;
  readonly channels: ReadonlyMap<number, MeterChannel>;
  readonly config?: Partial<CollectConfig>;
  readonly logger?: Logger;
  /**
   * Host time, in which read deadlines are given (MeterChannel, FieldAccess); default: the terminal's clock.
   * The terminal clock may carry an offset the master set; planning follows the terminal clock.
   */
  readonly hostClock?: Clock;
}

export class CollectEngine {
  readonly config: CollectConfig;
  readonly #terminal: EngineTerminal;
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #offset: number;
  readonly #logger: Logger;
  readonly #workers = new Map<number, PortWorker>();
  readonly #planners: Planner[] = [];
  readonly #alarmContext: AlarmContext;
  #timer: TimerHandle | undefined;
  #running = false;
  #targets: CollectTarget[] = [];
  #targetsStamp = "";
  #targetsAt = Number.NEGATIVE_INFINITY;
  /** Targets that appeared in the archive since the last tick. */
  #arrived: CollectTarget[] = [];
  /** Day (key of the closed day) whose main frozen round was queued by this process. */
  #roundDay: number | undefined;
  #lastSupplementaryAt = Number.NEGATIVE_INFINITY;
  readonly #nextRealtime = new Map<number, number>();
  /** Points with an active ERC31 (mirrors collect_alarms, avoids a query per successful read). */
  #failing = new Set<number>();
  /** Counters for status and the benchmark. */
  readonly counters = { ticks: 0, frozenTasks: 0, realtimeTasks: 0, supplementaryRounds: 0, alarms: 0 };

  constructor(options: CollectEngineOptions) {
    this.config = { ...DEFAULT_COLLECT_CONFIG, ...options.config };
    this.#terminal = options.terminal;
    this.#store = options.terminal.store;
    this.#clock = options.terminal.clock;
    this.#offset = options.terminal.utcOffsetMinutes;
    this.#logger = (options.logger ?? silentLogger).child({ module: "collect" });
    this.#alarmContext = {
      store: this.#store,
      events: options.terminal.events,
      utcOffsetMinutes: this.#offset,
      logger: this.#logger,
    };
    for (const [port, channel] of options.channels) {
      this.#workers.set(
        port,
        new PortWorker({
          channel,
          clock: options.hostClock ?? this.#clock,
          logger: this.#logger.child({ port }),
          mayStart: (rank) => rank === RANK.live || inWindow(this.scheme(port), this.#minute()),
        }),
      );
    }
  }

  /** Starts planning: one tick now, then one per `tickMs`. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#failing = this.#store.collectAlarms.points(ERC_READ_FAILURE, ALARM_STATE);
    this.#tick();
  }

  /** Stops planning and drops queued work; exchanges in flight finish but store nothing. */
  close(): void {
    this.#running = false;
    this.#timer?.cancel();
    this.#timer = undefined;
    for (const worker of this.#workers.values()) worker.close();
  }

  get running(): boolean {
    return this.#running;
  }

  addPlanner(planner: Planner): void {
    this.#planners.push(planner);
  }

  worker(port: number): PortWorker | undefined {
    return this.#workers.get(port);
  }

  get ports(): number[] {
    return [...this.#workers.keys()].sort((a, b) => a - b);
  }

  scheme(port: number): PortScheme {
    const kind = this.#workers.get(port)?.channel.kind ?? "rs485";
    return portScheme(this.#store.parameters.get(33, 0)?.decoded, port, kind);
  }

  /**
   * The current read targets (archive meters with a readable protocol and a channel for their port), re-read
   * when the archive or the data classes (F38/F39) change. Meters new to the archive are remembered so the
   * next tick collects their frozen data at once instead of at the next day's round.
   */
  targets(): readonly CollectTarget[] {
    const f38 = this.#store.parameters.get(38, 0);
    const f39 = this.#store.parameters.get(39, 0);
    const stamp = `${this.#store.meters.changeStamp()}/${f38?.setAt ?? 0}/${f39?.setAt ?? 0}`;
    const now = this.#clock.now();
    if (stamp !== this.#targetsStamp || now - this.#targetsAt > TARGETS_MAX_AGE_MS) {
      const first = this.#targetsStamp === "";
      const known = new Set(this.#targets.map(targetKey));
      this.#targets = readTargets(this.#store.meters.list())
        .filter((t) => this.#workers.has(t.port))
        .map((t) => ({ ...t, items: itemsFor(t, f38?.decoded, f39?.decoded) }));
      if (!first) for (const t of this.#targets) if (!known.has(targetKey(t))) this.#arrived.push(t);
      this.#targetsStamp = stamp;
      this.#targetsAt = now;
    }
    return this.#targets;
  }

  /** The per-port frozen rounds (AFN0C F11 start/end). */
  rounds(): Record<number, RoundRecord> {
    const value = this.#store.kv.get(KEY_ROUNDS);
    return typeof value === "object" && value !== null ? (value as Record<number, RoundRecord>) : {};
  }

  /** Fraction of meters that can have (kind, period) and do. 1 when none can. */
  coverage(kind: FrozenKind, period: number): number {
    const now = this.#clock.now();
    const have = this.#pointsWith(kind, period);
    let due = 0;
    let done = 0;
    for (const target of this.targets()) {
      if (target.items[kind].length === 0) continue;
      const has = have.has(target.point);
      if (!has && !this.#collectable(target, kind, period, now)) continue;
      due++;
      if (has) done++;
    }
    return due === 0 ? 1 : done / due;
  }

  // ---- planning ----------------------------------------------------------------------------------------

  #minute(): number {
    return minuteOfDay(this.#clock.now(), this.#offset);
  }

  #tick(): void {
    if (!this.#running) return;
    this.counters.ticks++;
    try {
      this.#plan();
    } catch (error) {
      this.#logger.error({ error: String(error) }, "planning failed");
    }
    // Align to the minute so "00:05" means 00:05, whatever time the process started.
    const now = this.#clock.now();
    const delay = this.config.tickMs - (now % this.config.tickMs);
    this.#timer = this.#clock.setTimer(delay, () => this.#tick());
  }

  #plan(): void {
    const now = this.#clock.now();
    const targets = this.targets();
    for (const worker of this.#workers.values()) worker.kick();
    this.#planFrozen(now, targets);
    this.#planArrived(now);
    this.#planCutoff(now, targets);
    this.#planRealtime(now, targets);
    if (this.#planners.length > 0) {
      const context: PlanContext = {
        now,
        utcOffsetMinutes: this.#offset,
        targets,
        store: this.#store,
        events: this.#terminal.events,
        scheme: (port) => this.scheme(port),
        worker: (port) => this.#workers.get(port),
        enqueue: (port, task) => this.#workers.get(port)?.enqueue(task) ?? false,
      };
      for (const planner of this.#planners) {
        try {
          planner.tick(context);
        } catch (error) {
          this.#logger.error({ planner: planner.name, error: String(error) }, "planner failed");
        }
      }
    }
  }

  /** The periods a target should have now: the last N closed days and the last closed month. */
  #duePeriods(now: number): { daily: number[]; monthly: number[] } {
    const yesterday = lastClosed("daily", now, this.#offset);
    return {
      daily: Array.from({ length: this.config.supplementaryDays }, (_, i) => addDays(yesterday, -i)),
      monthly: [lastClosed("monthly", now, this.#offset)],
    };
  }

  /** Whether the meter's records can still hold (kind, period) (its own record, or the terminal's freeze). */
  #collectable(target: ReadTarget, kind: FrozenKind, period: number, now: number): boolean {
    const locator = RECORDS[kind][target.edition];
    if (locator.marker === undefined)
      return period === terminalFreezePeriod(kind, now, this.#offset, this.config.terminalFreezeMinutes);
    const closing = lastClosed(kind, now, this.#offset);
    const back = periodDistance(kind, closing, period);
    return back >= 0 && back < locator.records;
  }

  #pointsWith(kind: FrozenKind, period: number): Set<number> {
    const repo = kind === "daily" ? this.#store.daily : this.#store.monthly;
    const keys = new Set<string>();
    for (const target of this.targets()) for (const item of target.items[kind]) keys.add(item.key);
    const out = new Set<number>();
    for (const key of keys) for (const point of repo.pointsWith(key, period)) out.add(point);
    return out;
  }

  /** Which due periods one meter still misses (one query per configured item and period). */
  #missing(target: CollectTarget, now: number): FrozenWanted {
    const due = this.#duePeriods(now);
    const pick = (kind: FrozenKind): number[] => {
      const items = target.items[kind];
      if (items.length === 0) return [];
      const repo = kind === "daily" ? this.#store.daily : this.#store.monthly;
      return due[kind].filter(
        (period) =>
          this.#collectable(target, kind, period, now) &&
          !items.some((item) => repo.get(target.point, item.key, period) !== undefined),
      );
    };
    return { daily: pick("daily"), monthly: pick("monthly") };
  }

  /** Targets missing any due period, from a few set queries (not one per meter). */
  #targetsMissing(targets: readonly CollectTarget[], now: number): CollectTarget[] {
    const due = this.#duePeriods(now);
    const have = new Map<string, Set<number>>();
    for (const kind of ["daily", "monthly"] as const)
      for (const period of due[kind]) have.set(`${kind}${period}`, this.#pointsWith(kind, period));
    return targets.filter((t) =>
      (["daily", "monthly"] as const).some(
        (kind) =>
          t.items[kind].length > 0 &&
          due[kind].some(
            (p) =>
              !(have.get(`${kind}${p}`) as Set<number>).has(t.point) && this.#collectable(t, kind, p, now),
          ),
      ),
    );
  }

  #planFrozen(now: number, targets: readonly CollectTarget[]): void {
    if (this.#minute() < this.config.dailyStartMinute) return;
    const yesterday = lastClosed("daily", now, this.#offset);
    if (this.#roundDay !== yesterday) {
      this.#roundDay = yesterday;
      this.#lastSupplementaryAt = now;
      const missing = this.#targetsMissing(targets, now);
      this.#startRounds(yesterday, now, targets);
      for (const target of missing) this.#enqueueFrozen(target, RANK.frozen);
      for (const worker of this.#workers.values())
        if (worker.busyWith(FROZEN_KEY) === 0) this.#endRound(worker.port, now);
      this.#logger.info({ day: yesterday, meters: missing.length }, "daily frozen collection started");
      return;
    }
    if (this.#pastCutoff()) return;
    const busy = [...this.#workers.values()].some((w) => w.busyWith(FROZEN_KEY) > 0);
    if (busy || now - this.#lastSupplementaryAt < this.config.supplementaryIntervalMinutes * 60_000) return;
    this.#lastSupplementaryAt = now;
    const due = this.#duePeriods(now);
    const short = (["daily", "monthly"] as const).some((kind) =>
      due[kind].some((period) => this.coverage(kind, period) < this.config.targetCoverage),
    );
    if (!short) return;
    const missing = this.#targetsMissing(targets, now);
    if (missing.length === 0) return;
    this.counters.supplementaryRounds++;
    for (const target of missing) this.#enqueueFrozen(target, RANK.supplementary);
    this.#logger.info({ day: yesterday, meters: missing.length }, "supplementary reading round");
  }

  /**
   * Meters added to the archive during the day: their missing frozen data now, with the day's round. Also
   * after the cut-off: the cut-off ends re-reads of meters that failed, and a meter entered at 23:00 has not
   * had its first attempt yet (an installer expects to see it read, not to wait until tomorrow).
   */
  #planArrived(now: number): void {
    if (this.#arrived.length === 0) return;
    const arrived = this.#arrived;
    this.#arrived = [];
    if (this.#roundDay !== lastClosed("daily", now, this.#offset)) return;
    for (const target of arrived) this.#enqueueFrozen(target, RANK.frozen);
    this.#logger.info({ meters: arrived.length }, "new meters: collecting their frozen data");
  }

  #pastCutoff(): boolean {
    return this.#minute() >= this.config.cutoffHour * 60;
  }

  /** Records the start of each port's round for the day (kept if already started: a restart resumes it). */
  #startRounds(period: number, now: number, targets: readonly CollectTarget[]): void {
    const rounds = { ...this.rounds() };
    let changed = false;
    for (const port of this.#workers.keys()) {
      if (rounds[port]?.period === period) continue;
      if (!targets.some((t) => t.port === port)) continue;
      rounds[port] = { period, start: now, end: null };
      changed = true;
    }
    if (changed) this.#store.kv.set(KEY_ROUNDS, rounds);
  }

  #endRound(port: number, now: number): void {
    const rounds = this.rounds();
    const round = rounds[port];
    if (round === undefined || round.end !== null || round.period !== this.#roundDay) return;
    this.#store.kv.set(KEY_ROUNDS, { ...rounds, [port]: { ...round, end: now } });
  }

  #enqueueFrozen(target: CollectTarget, rank: Rank): void {
    const worker = this.#workers.get(target.port);
    if (worker === undefined) return;
    const accepted = worker.enqueue({
      key: `${FROZEN_KEY}${target.point}`,
      rank,
      run: () => this.#runFrozen(worker, target, rank),
    });
    if (!accepted)
      this.#logger.warn({ point: target.point, port: target.port }, "frozen task refused: queue full");
  }

  async #runFrozen(worker: PortWorker, target: CollectTarget, rank: Rank): Promise<void> {
    const started = this.#clock.now();
    const wanted = this.#missing(target, started);
    if (wanted.daily.length + wanted.monthly.length > 0) {
      this.counters.frozenTasks++;
      const outcome = await collectFrozen(
        {
          worker,
          now: () => this.#clock.now(),
          utcOffsetMinutes: this.#offset,
          terminalFreezeMinutes: this.config.terminalFreezeMinutes,
        },
        target,
        target.items,
        wanted,
        rank,
      );
      if (!this.#running) return;
      const now = this.#clock.now();
      const state = this.#store.readingState;
      // One commit per meter: its frozen data, what is still missing, and its reading state.
      this.#store.transaction(() => {
        const daily = outcome.collected.filter((c) => c.kind === "daily").flatMap((c) => c.records);
        const monthly = outcome.collected.filter((c) => c.kind === "monthly").flatMap((c) => c.records);
        if (daily.length > 0) this.#store.daily.putMany(daily);
        if (monthly.length > 0) this.#store.monthly.putMany(monthly);
        for (const { kind, period } of outcome.collected) state.removeNeed(target.point, kind, period);
        for (const { kind, period } of outcome.absent) {
          if (!state.addNeed(target.point, kind, period, now))
            this.#logger.warn({ point: target.point }, "supplementary needs list full");
          state.noteAttempt(target.point, kind, period);
        }
        this.#recordContact(target, outcome.answered, outcome.failure !== undefined, now);
      });
    }
    if (worker.busyWith(FROZEN_KEY) <= 1) this.#endRound(worker.port, this.#clock.now());
  }

  /**
   * Reading state after one task: success if it answered at all, failure if a read failed; the meter's
   * AFN0C F170 reading info is stored with it (a derived reading, served like any other).
   */
  #recordContact(target: ReadTarget, answered: boolean, failed: boolean, now: number): void {
    const point = target.point;
    if (answered) {
      this.#store.readingState.recordSuccess(point, now);
      if (this.#failing.has(point)) {
        this.#failing.delete(point);
        if (restoreReadFailure(this.#alarmContext, point, now)) this.counters.alarms++;
      }
    }
    if (failed) this.#store.readingState.recordFailure(point, now);
    if (answered || failed) {
      const value = readingInfo(target.port, this.#store.readingState.get(point), this.#offset);
      this.#store.readings.put({ point, item: READING_INFO_KEY, readAt: now, value });
    }
  }

  /**
   * At the cut-off hour, once per closed day (persisted, so a restart never repeats it): supplementary
   * reading stops, and every meter still missing the day after at least one attempt raises ERC39; a meter
   * that answered nothing since midnight raises ERC31.
   */
  #planCutoff(now: number, targets: readonly CollectTarget[]): void {
    if (this.#minute() < this.config.cutoffHour * 60) return;
    const yesterday = lastClosed("daily", now, this.#offset);
    if (this.#roundDay !== yesterday || this.#store.kv.get(KEY_CUTOFF_DONE) === yesterday) return;
    // Supplementary re-reads stop here; a main round still queued (a terminal started late) goes on.
    for (const worker of this.#workers.values()) worker.drop(FROZEN_KEY, RANK.supplementary);
    const have = this.#pointsWith("daily", yesterday);
    const attempted = new Set(
      this.#store.readingState
        .needs(50_000)
        .filter((n) => n.item === "daily" && n.period === yesterday && n.attempts > 0)
        .map((n) => n.point),
    );
    const p = localParts(now, this.#offset);
    const midnight = fromLocalParts({ ...p, hour: 0, minute: 0, second: 0 }, this.#offset);
    for (const target of targets) {
      if (target.items.daily.length === 0 || have.has(target.point) || !attempted.has(target.point)) continue;
      if (raiseSupplementaryFailure(this.#alarmContext, target.point, yesterday, now)) this.counters.alarms++;
      const state = this.#store.readingState.get(target.point);
      if ((state?.lastSuccessAt ?? Number.NEGATIVE_INFINITY) < midnight) {
        if (raiseReadFailure(this.#alarmContext, target.point, now)) this.counters.alarms++;
        this.#failing.add(target.point);
      }
    }
    this.#store.collectAlarms.dropBefore(39, addDays(dayKey(now, this.#offset), -62));
    this.#store.kv.set(KEY_CUTOFF_DONE, yesterday);
    this.#logger.info({ day: yesterday, coverage: this.coverage("daily", yesterday) }, "reading cut-off");
  }

  #planRealtime(now: number, targets: readonly CollectTarget[]): void {
    const minute = this.#minute();
    for (const [port, worker] of this.#workers) {
      const scheme = this.scheme(port);
      const interval = scheme.intervalMinutes;
      if (interval === undefined || !inWindow(scheme, minute)) continue;
      if (now < (this.#nextRealtime.get(port) ?? Number.NEGATIVE_INFINITY)) continue;
      if (worker.busyWith(REALTIME_KEY) > 0) continue;
      // Next round at the next multiple of the interval after local midnight.
      const next = (Math.floor(minute / interval) + 1) * interval;
      this.#nextRealtime.set(port, now + (next - minute) * 60_000 - (now % 60_000));
      for (const target of targets) {
        if (target.port !== port || target.items.current.length === 0) continue;
        worker.enqueue({
          key: `${REALTIME_KEY}${target.point}`,
          rank: RANK.realtime,
          run: () => this.#runRealtime(worker, target),
        });
      }
    }
  }

  async #runRealtime(worker: PortWorker, target: CollectTarget): Promise<void> {
    this.counters.realtimeTasks++;
    const cache = new Map<number, Answer>();
    const dis = identifiersFor(target.items.current, target.edition);
    const outcome = await readIdentifiers(worker, target, dis, RANK.realtime, cache);
    if (!this.#running) return;
    const now = this.#clock.now();
    const readings: Reading[] = [];
    if (outcome.ok) {
      const readAt = localTimeText(now, this.#offset);
      for (const item of target.items.current) {
        const value = buildItem(item, target.edition, (di) => cache.get(di), { readAt });
        if (value !== undefined) readings.push({ point: target.point, item: item.key, readAt: now, value });
      }
    }
    this.#store.transaction(() => {
      this.#store.readings.putMany(readings);
      this.#recordContact(target, cache.size > 0, !outcome.ok, now);
    });
  }

  /** Queues the missing frozen data of one meter now (tests, the local interface). */
  collectNow(point: number, rank: Rank = RANK.frozen): boolean {
    const target = this.targets().find((t) => t.point === point);
    if (target === undefined) return false;
    this.#enqueueFrozen(target, rank);
    return true;
  }
}
