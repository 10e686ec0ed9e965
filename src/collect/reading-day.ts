/**
 * Reading-day frozen data (抄表日冻结, AFN0D F9–F12, F169–F176, F189–F192), an engine task added through
 * `CollectEngine.addPlanner`:
 *
 *   AFN04 F33 per port: reading days (bit0..bit30 = day 1..31) and the reading-day time hh:mm
 *   on a reading day, from that time:
 *     round          every meter whose class has reading-day items (F39; by default F9 and F169) and no
 *                    data for the day ─► one task at frozen rank: read its current values (the catalogue's
 *                    twins of the AFN0C items) ─► store under Td_d = the reading day (daily repo, "0D:F169" …)
 *     supplementary  every N minutes until the day ends: the meters still missing, at supplementary rank
 *                    (below the daily frozen collection)
 *   the day ends ─► queued re-reads dropped; a read that ends after midnight is not stored: its values are no
 *                   longer the reading day's [L]
 *
 * Persistence ("the database is the truth"): the data itself — written once per (meter, item, day), with the
 * meter's supplementary need, in one transaction per meter — and a need ("readingDay", day) with its attempt
 * count for each meter that failed. A restarted process reads both back: meters with data are done, meters
 * with a need wait for the next supplementary round, meters with neither have not been tried yet and are read
 * at once at frozen rank. Nothing is stored twice (INSERT OR IGNORE; a task re-checks the store first).
 *
 * Source [L]: the terminal's own freeze of the meter's current values at the reading-day time. Some
 * terminals take the meter's settlement record (DL/T 645-2007 00xxFF01 …) instead, which is the reading
 * day's only when the meter settles at that day and hour (its 04000B0x parameters); that would need those
 * parameters checked per meter and is not offered.
 */
import { buildItem, identifiersFor } from "../catalog/catalog.ts";
import type { Answer } from "../catalog/values.ts";
import { OpenDcuError } from "../common/errors.ts";
import { type Logger, silentLogger } from "../common/logger.ts";
import { dayKey, localParts } from "../store/calendar.ts";
import type { FrozenRecord } from "../store/frozen-repo.ts";
import type { Store } from "../store/store.ts";
import { localTimeText } from "../terminal/local-time.ts";
import {
  type CollectEngine,
  type CollectTarget,
  type EngineTerminal,
  type PlanContext,
  type Planner,
  plannerDeps,
} from "./engine.ts";
import { readIdentifiers } from "./meter-reads.ts";
import { type PortWorker, RANK, type Rank } from "./port-worker.ts";
import { isReadingDay } from "./reading-scheme.ts";

export interface ReadingDayConfig {
  /** Minutes between supplementary rounds on a reading day (meters missed at the reading-day time). */
  readonly supplementaryIntervalMinutes: number;
}

export const DEFAULT_READING_DAY_CONFIG: ReadingDayConfig = { supplementaryIntervalMinutes: 30 };

/** Task keys on the port workers. */
export const READING_DAY_TASK_KEY = "rday:";
/** The `item` of a meter's supplementary need (reading_state needs), period = the reading day. */
export const READING_DAY_NEED = "readingDay";

export interface ReadingDayDeps {
  readonly store: Store;
  readonly utcOffsetMinutes: number;
  readonly now: () => number;
  readonly logger: Logger;
  readonly isOpen: () => boolean;
}

export class ReadingDayPlanner implements Planner {
  readonly name = "reading-day";
  readonly config: ReadingDayConfig;
  readonly #deps: ReadingDayDeps;
  /** The reading day whose round this process queued, per port (in memory: a restart plans it again). */
  readonly #roundDay = new Map<number, number>();
  readonly #lastRoundAt = new Map<number, number>();
  /** The day whose stale needs were dropped last. */
  #prunedDay: number | undefined;
  readonly counters = { rounds: 0, supplementaryRounds: 0, tasks: 0, stored: 0, failed: 0, late: 0 };

  /** A planner for `engine`, registered with it. */
  static install(
    engine: CollectEngine,
    terminal: EngineTerminal,
    config: Partial<ReadingDayConfig> = {},
    logger: Logger = silentLogger,
  ): ReadingDayPlanner {
    const planner = new ReadingDayPlanner(plannerDeps(engine, terminal, logger, "reading-day"), config);
    engine.addPlanner(planner);
    return planner;
  }

  constructor(deps: ReadingDayDeps, config: Partial<ReadingDayConfig> = {}) {
    this.#deps = deps;
    this.config = { ...DEFAULT_READING_DAY_CONFIG, ...config };
    const interval = this.config.supplementaryIntervalMinutes;
    if (!Number.isInteger(interval) || interval < 1 || interval > 1440)
      throw new OpenDcuError(
        "config.invalid",
        `readingDay.supplementaryIntervalMinutes must be a whole number of minutes 1..1440 (got ${String(interval)})`,
        { key: "supplementaryIntervalMinutes", value: interval },
      );
  }

  tick(context: PlanContext): void {
    const { store, utcOffsetMinutes } = this.#deps;
    const today = dayKey(context.now, utcOffsetMinutes);
    const parts = localParts(context.now, utcOffsetMinutes);
    const minute = parts.hour * 60 + parts.minute;
    if (this.#prunedDay !== today) {
      // Needs of past reading days can never be met (values read now are not that day's).
      store.readingState.dropNeedsBefore(READING_DAY_NEED, today);
      this.#prunedDay = today;
    }
    for (const [port, day] of this.#roundDay) {
      if (day === today) continue;
      context.worker(port)?.drop(READING_DAY_TASK_KEY);
      this.#roundDay.delete(port);
    }
    const byPort = new Map<number, CollectTarget[]>();
    for (const target of context.targets) {
      if (target.items.readingDay.length === 0) continue;
      byPort.set(target.port, [...(byPort.get(target.port) ?? []), target]);
    }
    for (const [port, targets] of byPort) {
      const scheme = context.scheme(port);
      const at = scheme.readingDayMinute;
      if (at === undefined || minute < at || !isReadingDay(scheme, parts.day)) continue;
      const worker = context.worker(port);
      if (worker === undefined) continue;
      if (this.#roundDay.get(port) !== today) {
        this.#roundDay.set(port, today);
        this.#lastRoundAt.set(port, context.now);
        // Meters that already failed this day (a need) wait for the supplementary round.
        const tried = this.#triedPoints(today);
        const due = this.#missing(targets, today).filter((t) => !tried.has(t.point));
        for (const target of due) this.#enqueue(worker, target, today, RANK.frozen);
        this.counters.rounds++;
        this.#deps.logger.info({ port, day: today, meters: due.length }, "reading-day freeze started");
        continue;
      }
      const last = this.#lastRoundAt.get(port) ?? Number.NEGATIVE_INFINITY;
      if (worker.busyWith(READING_DAY_TASK_KEY) > 0) continue;
      if (context.now - last < this.config.supplementaryIntervalMinutes * 60_000) continue;
      this.#lastRoundAt.set(port, context.now);
      const missing = this.#missing(targets, today);
      if (missing.length === 0) continue;
      for (const target of missing) this.#enqueue(worker, target, today, RANK.supplementary);
      this.counters.supplementaryRounds++;
      this.#deps.logger.info({ port, day: today, meters: missing.length }, "reading-day supplementary round");
    }
  }

  /** Targets holding none of their reading-day items for `day` (one query per distinct item). */
  #missing(targets: readonly CollectTarget[], day: number): CollectTarget[] {
    const have = new Map<string, Set<number>>();
    for (const target of targets)
      for (const item of target.items.readingDay)
        if (!have.has(item.key)) have.set(item.key, this.#deps.store.daily.pointsWith(item.key, day));
    return targets.filter((t) => !t.items.readingDay.some((item) => have.get(item.key)?.has(t.point)));
  }

  /** Points with a reading-day need for `day`: read at least once that day without success. */
  #triedPoints(day: number): Set<number> {
    return new Set(
      this.#deps.store.readingState
        .needs(50_000)
        .filter((n) => n.item === READING_DAY_NEED && n.period === day)
        .map((n) => n.point),
    );
  }

  #enqueue(worker: PortWorker, target: CollectTarget, day: number, rank: Rank): void {
    const queued = worker.enqueue({
      key: `${READING_DAY_TASK_KEY}${target.point}`,
      rank,
      run: async () => {
        if (this.#deps.isOpen()) await this.readMeter(worker, target, day, rank);
      },
    });
    if (!queued) this.#deps.logger.warn({ point: target.point }, "reading-day task refused: queue full");
  }

  /**
   * Reads one meter's current values for its reading-day items and stores them under `day`, only while `day`
   * is still today (tests call it directly).
   */
  async readMeter(worker: PortWorker, target: CollectTarget, day: number, rank: Rank): Promise<void> {
    const { store, utcOffsetMinutes, now } = this.#deps;
    const items = target.items.readingDay;
    if (dayKey(now(), utcOffsetMinutes) !== day) return;
    if (items.some((item) => store.daily.get(target.point, item.key, day) !== undefined)) return;
    this.counters.tasks++;
    const cache = new Map<number, Answer>();
    const outcome = await readIdentifiers(worker, target, identifiersFor(items, target.edition), rank, cache);
    if (!this.#deps.isOpen()) return;
    const at = now();
    if (dayKey(at, utcOffsetMinutes) !== day) {
      // [L] The values were read (or finished) after the reading day: not the reading day's freeze.
      this.counters.late++;
      this.#deps.logger.info({ point: target.point, day }, "reading-day read ended after the day: dropped");
      return;
    }
    const records: FrozenRecord[] = [];
    if (outcome.ok) {
      const readAt = localTimeText(at, utcOffsetMinutes);
      for (const item of items) {
        const value = buildItem(item, target.edition, (di) => cache.get(di), { readAt });
        if (value !== undefined)
          records.push({ point: target.point, item: item.key, period: day, readAt: at, value });
      }
    }
    const state = store.readingState;
    // One commit per meter: its values and its need.
    store.transaction(() => {
      if (records.length > 0) {
        this.counters.stored += store.daily.putNew(records);
        state.removeNeed(target.point, READING_DAY_NEED, day);
        return;
      }
      this.counters.failed++;
      if (!state.addNeed(target.point, READING_DAY_NEED, day, at))
        this.#deps.logger.warn({ point: target.point }, "supplementary needs list full");
      state.noteAttempt(target.point, READING_DAY_NEED, day);
    });
  }
}
