/**
 * Frozen (class-2) data in one table per kind: daily (period = YYYYMMDD, keep 62 days), monthly (period =
 * YYYYMM, keep 12 months) and curves (period = local minute, keep 62 days like daily data). Retention is the store's own
 * job: every write prunes what fell out of the window, so the file stays bounded however long it runs.
 *
 * The primary key is (period, item, point): "F161 for all points for one day" is one index range read.
 */
import type { Clock } from "../common/clock.ts";
import { addDays, addMonths, dayKey, minuteKey, monthKey } from "./calendar.ts";
import type { Database } from "./database.ts";
import type { Quarantine } from "./quarantine.ts";

export interface FrozenRecord {
  readonly point: number;
  readonly item: string;
  /** Day key, month key or minute key, according to the table. */
  readonly period: number;
  readonly readAt: number;
  readonly value: unknown;
}

interface Row {
  point: number;
  item: string;
  period: number;
  read_at: number;
  value: string;
}

export type FrozenKind = "daily" | "monthly" | "curve";

export interface RetentionPolicy {
  /** Oldest period key still kept when "now" has period key `current`. */
  oldestKept(current: number): number;
  currentPeriod(epochMs: number, utcOffsetMinutes: number): number;
}

export const DAILY_KEEP_DAYS = 62;
export const MONTHLY_KEEP_MONTHS = 12;
/**
 * Curve points are kept as long as daily data, so a master can fetch any day's curve it can fetch the day's
 * freeze for [M: the reference sets no curve retention]. Size: about 70 bytes a point, e.g. 100 RS-485 meters
 * × 96 points × 4 curves × 62 days ≈ 170 MB.
 */
export const CURVE_KEEP_DAYS = 62;

export const RETENTION: Readonly<Record<FrozenKind, RetentionPolicy>> = {
  daily: {
    currentPeriod: dayKey,
    oldestKept: (current) => addDays(current, -(DAILY_KEEP_DAYS - 1)),
  },
  monthly: {
    currentPeriod: monthKey,
    oldestKept: (current) => addMonths(current, -(MONTHLY_KEEP_MONTHS - 1)),
  },
  curve: {
    currentPeriod: minuteKey,
    // Whole local days: today plus the CURVE_KEEP_DAYS previous ones, so at least that many × 24 h are there.
    oldestKept: (current) => current - (current % 1440) - CURVE_KEEP_DAYS * 1440,
  },
};

const TABLE: Readonly<Record<FrozenKind, string>> = {
  daily: "frozen_daily",
  monthly: "frozen_monthly",
  curve: "curves",
};

export class FrozenRepository {
  readonly kind: FrozenKind;
  readonly #db: Database;
  readonly #clock: Clock;
  readonly #utcOffsetMinutes: number;
  readonly #table: string;
  readonly #quarantine: Quarantine;
  #prunedBelow = Number.NEGATIVE_INFINITY;

  constructor(
    kind: FrozenKind,
    db: Database,
    clock: Clock,
    utcOffsetMinutes: number,
    quarantine: Quarantine,
  ) {
    this.kind = kind;
    this.#quarantine = quarantine;
    this.#db = db;
    this.#clock = clock;
    this.#utcOffsetMinutes = utcOffsetMinutes;
    this.#table = TABLE[kind];
  }

  /** The oldest period this table keeps at the clock's current time. */
  oldestKept(): number {
    const policy = RETENTION[this.kind];
    return policy.oldestKept(policy.currentPeriod(this.#clock.now(), this.#utcOffsetMinutes));
  }

  /**
   * Stores records (replacing any with the same period/item/point) with ONE statement in one transaction,
   * after pruning expired periods. Records already older than the window are dropped, not stored.
   */
  putMany(records: readonly FrozenRecord[]): void {
    const oldest = this.oldestKept();
    const kept = records.filter((r) => r.period >= oldest);
    this.#db.transaction(() => {
      this.#prune(oldest);
      if (kept.length === 0) return;
      const payload = JSON.stringify(kept.map((r) => [r.period, r.item, r.point, r.readAt, r.value ?? null]));
      this.#db
        .statement(
          `INSERT OR REPLACE INTO ${this.#table} (period, item, point, read_at, value)
           SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value -> 4 FROM json_each(?)`,
        )
        .run(payload);
    });
  }

  put(record: FrozenRecord): void {
    this.putMany([record]);
  }

  /**
   * Stores only the records whose (period, item, point) is not held yet, and returns how many were new. For
   * data that must be written once (a curve point: a second read in the same interval, or a restarted engine
   * re-reading it, must not replace the value taken at the interval).
   */
  putNew(records: readonly FrozenRecord[]): number {
    const oldest = this.oldestKept();
    const kept = records.filter((r) => r.period >= oldest);
    return this.#db.transaction(() => {
      this.#prune(oldest);
      if (kept.length === 0) return 0;
      const payload = JSON.stringify(kept.map((r) => [r.period, r.item, r.point, r.readAt, r.value ?? null]));
      const result = this.#db
        .statement(
          `INSERT OR IGNORE INTO ${this.#table} (period, item, point, read_at, value)
           SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value -> 4 FROM json_each(?)`,
        )
        .run(payload);
      return Number(result.changes);
    });
  }

  get(point: number, item: string, period: number): FrozenRecord | undefined {
    const row = this.#db
      .statement(
        `SELECT period, item, point, read_at, value FROM ${this.#table}
         WHERE period = ? AND item = ? AND point = ?`,
      )
      .get(period, item, point) as Row | undefined;
    return row === undefined ? undefined : this.#loadAll([row])[0];
  }

  /** One item, one period, every point that has it, ordered by point: one query. */
  forPeriod(item: string, period: number): FrozenRecord[] {
    const rows = this.#db
      .statement(
        `SELECT period, item, point, read_at, value FROM ${this.#table}
         WHERE period = ? AND item = ? ORDER BY point`,
      )
      .all(period, item) as unknown as Row[];
    return this.#loadAll(rows);
  }

  /** One item of one point over [from, to] inclusive (curves, ranges of days). */
  forPointRange(point: number, item: string, from: number, to: number): FrozenRecord[] {
    const rows = this.#db
      .statement(
        `SELECT period, item, point, read_at, value FROM ${this.#table}
         WHERE period BETWEEN ? AND ? AND item = ? AND point = ? ORDER BY period`,
      )
      .all(from, to, item, point) as unknown as Row[];
    return this.#loadAll(rows);
  }

  /** One item of every point over [from, to] inclusive, ordered by point then period (curves of all points). */
  forRange(item: string, from: number, to: number): FrozenRecord[] {
    const rows = this.#db
      .statement(
        `SELECT period, item, point, read_at, value FROM ${this.#table}
         WHERE period BETWEEN ? AND ? AND item = ? ORDER BY point, period`,
      )
      .all(from, to, item) as unknown as Row[];
    return this.#loadAll(rows);
  }

  /** Which points already have (item, period): used to decide supplementary reads. */
  pointsWith(item: string, period: number): Set<number> {
    const rows = this.#db
      .statement(`SELECT point FROM ${this.#table} WHERE period = ? AND item = ?`)
      .all(period, item) as { point: number }[];
    return new Set(rows.map((r) => r.point));
  }

  /**
   * For each period in [from, to], the points holding any item then — or, given `items`, any of those
   * (the daily table also holds reading-day items, which are not a day's frozen data) — for summaries.
   */
  pointsByPeriod(from: number, to: number, items?: readonly string[]): Map<number, Set<number>> {
    const only = items === undefined ? "" : ` AND item IN (SELECT value FROM json_each(?))`;
    const rows = this.#db
      .statement(`SELECT DISTINCT period, point FROM ${this.#table} WHERE period BETWEEN ? AND ?${only}`)
      .all(...(items === undefined ? [from, to] : [from, to, JSON.stringify(items)])) as {
      period: number;
      point: number;
    }[];
    const out = new Map<number, Set<number>>();
    for (const r of rows) {
      const points = out.get(r.period) ?? new Set<number>();
      points.add(r.point);
      out.set(r.period, points);
    }
    return out;
  }

  /** Every item of one point over [from, to] inclusive, by period then item (a meter's history). */
  forPoint(point: number, from: number, to: number): FrozenRecord[] {
    const rows = this.#db
      .statement(
        `SELECT period, item, point, read_at, value FROM ${this.#table}
         WHERE period BETWEEN ? AND ? AND point = ? ORDER BY period, item`,
      )
      .all(from, to, point) as unknown as Row[];
    return this.#loadAll(rows);
  }

  /** Distinct periods held, ascending. */
  periods(): number[] {
    const rows = this.#db.statement(`SELECT DISTINCT period FROM ${this.#table} ORDER BY period`).all() as {
      period: number;
    }[];
    return rows.map((r) => r.period);
  }

  count(): number {
    return Number((this.#db.statement(`SELECT count(*) AS n FROM ${this.#table}`).get() as { n: number }).n);
  }

  /** Applies retention now (also done by every write). */
  prune(): number {
    return this.#db.transaction(() => this.#prune(this.oldestKept(), true));
  }

  deletePoint(point: number): void {
    this.#db.statement(`DELETE FROM ${this.#table} WHERE point = ?`).run(point);
  }

  clear(): void {
    this.#db.statement(`DELETE FROM ${this.#table}`).run();
  }

  /** Rows whose value is not JSON are quarantined and dropped (conventions §20). */
  #loadAll(rows: readonly Row[]): FrozenRecord[] {
    const out: FrozenRecord[] = [];
    for (const row of rows) {
      try {
        out.push({
          point: row.point,
          item: row.item,
          period: row.period,
          readAt: row.read_at,
          value: JSON.parse(row.value) as unknown,
        });
      } catch {
        this.#quarantine.put(this.#table, row, "value is not JSON");
        this.#db
          .statement(`DELETE FROM ${this.#table} WHERE period = ? AND item = ? AND point = ?`)
          .run(row.period, row.item, row.point);
      }
    }
    return out;
  }

  #prune(oldest: number, force = false): number {
    if (!force && oldest <= this.#prunedBelow) return 0;
    const changes = this.#db.statement(`DELETE FROM ${this.#table} WHERE period < ?`).run(oldest).changes;
    this.#prunedBelow = oldest;
    return Number(changes);
  }
}
