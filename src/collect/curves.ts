/**
 * Curve collection, an engine task added through `CollectEngine.addPlanner`:
 *
 *   each curve interval (per port: RS-485 every 15 min, carrier every 60 min by default)
 *     every meter whose class has curves in AFN04 F39 ──► one task (real-time rank, inside the reading windows)
 *       read the current values (catalog/curves.ts) ──► points at the interval's start
 *                                                        (the read's time rounded down to the density)
 *       energy readings ──► amount = this point − the previous one (F97–F100)
 *
 * Points are written once per (point, item, time): a second read in the same interval, or an engine restarted
 * mid-interval, leaves the first value in place; a task whose interval already has all its points reads
 * nothing. A meter has at most one curve task queued: when a port cannot read every meter within the interval
 * (a slow PLC network), the meters not reached are read in the next interval and the missed point stays
 * missing ("no data" to the master) — intervals are skipped, never queued as a backlog.
 *
 * Density [L]: the reference leaves open which parameter sets it (AFN04 F104 "curve freeze density", 2013,
 * is not in our codec); the densities here are configuration, limited to those a Td_c can name.
 */
import {
  type CurveItem,
  curveIdentifiers,
  curvePoint,
  energyAmount,
  findCurveItem,
} from "../catalog/curves.ts";
import type { Answer } from "../catalog/values.ts";
import { OpenDcuError } from "../common/errors.ts";
import { type Logger, silentLogger } from "../common/logger.ts";
import { minuteKey } from "../store/calendar.ts";
import type { FrozenRecord } from "../store/frozen-repo.ts";
import type { Store } from "../store/store.ts";
import {
  type CollectEngine,
  type CollectTarget,
  type EngineTerminal,
  type PlanContext,
  type Planner,
  plannerDeps,
} from "./engine.ts";
import { readIdentifiers } from "./meter-reads.ts";
import { type PortWorker, RANK } from "./port-worker.ts";

export interface CurveConfig {
  /** Minutes between curve points on RS-485 ports. */
  readonly rs485Minutes: number;
  /**
   * Minutes between curve points on carrier ports: a carrier exchange takes seconds and a module serves
   * hundreds of meters, so every meter every 15 minutes is out of reach on a narrow-band PLC network [L].
   */
  readonly carrierMinutes: number;
}

export const DEFAULT_CURVE_CONFIG: CurveConfig = { rs485Minutes: 15, carrierMinutes: 60 };

/** Densities a Td_c can name (appendix C: 255 = 1, 254 = 5, 1 = 15, 2 = 30, 3 = 60 minutes). */
export const CURVE_DENSITIES: readonly number[] = [1, 5, 15, 30, 60];

/** Task keys on the port workers. */
export const CURVE_TASK_KEY = "crv:";

/**
 * Curve reads share the real-time rank: after a master's live reads, the day's frozen data and its
 * supplementary re-reads (port-worker.ts RANK), ahead of background polling.
 */
const CURVE_RANK = RANK.realtime;

export interface CurveDeps {
  readonly store: Store;
  readonly utcOffsetMinutes: number;
  readonly now: () => number;
  readonly logger: Logger;
  readonly isOpen: () => boolean;
}

/** The interval start (local minute key) a reading at `now` belongs to. */
export function curveInterval(now: number, utcOffsetMinutes: number, minutes: number): number {
  const minute = minuteKey(now, utcOffsetMinutes);
  return minute - (((minute % minutes) + minutes) % minutes);
}

/** The items to read for a meter's configured curves: amounts bring the reading curve they derive from. */
export function curvesToRead(items: readonly CurveItem[]): CurveItem[] {
  const out = new Map<number, CurveItem>();
  for (const item of items) {
    const read = item.amountOf === undefined ? item : findCurveItem(item.amountOf);
    if (read !== undefined) out.set(read.fn, read);
  }
  return [...out.values()].sort((a, b) => a.fn - b.fn);
}

export class CurvePlanner implements Planner {
  readonly name = "curves";
  readonly config: CurveConfig;
  readonly #deps: CurveDeps;
  /** The interval each port's tasks were last queued for (in memory: a restart queues the current one again). */
  readonly #queuedFor = new Map<number, number>();
  readonly counters = { tasks: 0, reads: 0, points: 0, skipped: 0 };

  /** A planner for `engine`, registered with it. */
  static install(
    engine: CollectEngine,
    terminal: EngineTerminal,
    config: Partial<CurveConfig> = {},
    logger: Logger = silentLogger,
  ): CurvePlanner {
    const planner = new CurvePlanner(plannerDeps(engine, terminal, logger, "curves"), config);
    engine.addPlanner(planner);
    return planner;
  }

  constructor(deps: CurveDeps, config: Partial<CurveConfig> = {}) {
    this.#deps = deps;
    this.config = { ...DEFAULT_CURVE_CONFIG, ...config };
    for (const key of ["rs485Minutes", "carrierMinutes"] as const) {
      const value = this.config[key];
      if (!CURVE_DENSITIES.includes(value))
        throw new OpenDcuError(
          "config.invalid",
          `curves.${key} must be one of ${CURVE_DENSITIES.join(", ")} minutes (got ${String(value)})`,
          { key, value },
        );
    }
  }

  /** Minutes between points on a port of this kind. */
  density(kind: "rs485" | "carrier"): number {
    return kind === "carrier" ? this.config.carrierMinutes : this.config.rs485Minutes;
  }

  tick(context: PlanContext): void {
    const intervals = new Map<number, number>();
    for (const target of context.targets) {
      if (target.items.curve.length === 0) continue;
      const worker = context.worker(target.port);
      if (worker === undefined) continue;
      const minutes = this.density(worker.channel.kind);
      const interval = curveInterval(context.now, context.utcOffsetMinutes, minutes);
      if (this.#queuedFor.get(target.port) === interval) continue;
      intervals.set(target.port, interval);
      // A task still queued from the last interval keeps its place (and reads for this one): no backlog.
      const queued = context.enqueue(target.port, {
        key: `${CURVE_TASK_KEY}${target.point}`,
        rank: CURVE_RANK,
        run: async () => {
          if (this.#deps.isOpen()) await this.readPoints(worker, target, minutes);
        },
      });
      if (!queued) this.#deps.logger.warn({ point: target.point }, "curve task refused: queue full");
    }
    for (const [port, interval] of intervals) this.#queuedFor.set(port, interval);
  }

  /** Reads one meter's curve values now and files them under the current interval (tests call it directly). */
  async readPoints(worker: PortWorker, target: CollectTarget, minutes: number): Promise<void> {
    const { store, utcOffsetMinutes, now } = this.#deps;
    const toRead = curvesToRead(target.items.curve);
    const amounts = target.items.curve.filter((i) => i.amountOf !== undefined);
    const planned = curveInterval(now(), utcOffsetMinutes, minutes);
    if (toRead.every((item) => store.curves.get(target.point, item.key, planned) !== undefined)) {
      this.counters.skipped++;
      return;
    }
    this.counters.tasks++;
    const cache = new TimedAnswers(now);
    await readIdentifiers(worker, target, curveIdentifiers(toRead, target.edition), CURVE_RANK, cache);
    if (!this.#deps.isOpen() || cache.size === 0) return;
    this.counters.reads++;
    // Each value is filed under the interval its answer arrived in: on a slow network one meter's reads
    // can cross an interval boundary, and a value belongs to the time it was measured.
    const readings: FrozenRecord[] = [];
    const periods = new Set<number>();
    for (const item of toRead) {
      const value = curvePoint(item, target.edition, (di) => cache.get(di));
      const source = item.sources[target.edition];
      const readAt = source === undefined ? undefined : cache.at.get(source.di);
      if (value === undefined || value === null || readAt === undefined) continue;
      const period = curveInterval(readAt, utcOffsetMinutes, minutes);
      periods.add(period);
      readings.push({ point: target.point, item: item.key, period, readAt, value: { value } });
    }
    store.transaction(() => {
      this.counters.points += store.curves.putNew(readings);
      // Amounts from the stored readings (the first value of each interval is the one that counts).
      const derived: FrozenRecord[] = [];
      for (const item of amounts) {
        const reading = findCurveItem(item.amountOf as number) as CurveItem;
        const stored = (at: number) => store.curves.get(target.point, reading.key, at);
        for (const period of periods) {
          const after = stored(period);
          if (after === undefined) continue;
          const value = energyAmount(
            item,
            pointValue(stored(period - minutes)?.value),
            pointValue(after.value),
          );
          if (value !== null)
            derived.push({
              point: target.point,
              item: item.key,
              period,
              readAt: after.readAt,
              value: { value },
            });
        }
      }
      this.counters.points += store.curves.putNew(derived);
    });
  }
}

/** Meter answers with the time each arrived (readIdentifiers fills the map as answers come in). */
class TimedAnswers extends Map<number, Answer> {
  readonly at = new Map<number, number>();
  readonly #now: () => number;

  constructor(now: () => number) {
    super();
    this.#now = now;
  }

  override set(di: number, answer: Answer): this {
    this.at.set(di, this.#now());
    return super.set(di, answer);
  }
}

/** The number of a stored curve point `{ value }`, or undefined. */
function pointValue(stored: unknown): unknown {
  return typeof stored === "object" && stored !== null ? (stored as { value?: unknown }).value : undefined;
}
