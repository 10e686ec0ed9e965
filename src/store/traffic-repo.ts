/**
 * Bytes exchanged with the master per local day and month (AFN0C F10, AFN0D F53/F54, F36 monthly threshold).
 * Kept for the same windows as frozen data: 62 days and 12 months.
 */
import type { Clock } from "../common/clock.ts";
import { addDays, addMonths, dayKey, monthKey } from "./calendar.ts";
import type { Database } from "./database.ts";
import { DAILY_KEEP_DAYS, MONTHLY_KEEP_MONTHS } from "./frozen-repo.ts";

export interface TrafficTotals {
  readonly upBytes: number;
  readonly downBytes: number;
}

export class TrafficRepository {
  readonly #db: Database;
  readonly #clock: Clock;
  readonly #utcOffsetMinutes: number;

  constructor(db: Database, clock: Clock, utcOffsetMinutes: number) {
    this.#db = db;
    this.#clock = clock;
    this.#utcOffsetMinutes = utcOffsetMinutes;
  }

  /** Adds to today's and this month's counters (callers batch: e.g. once per frame or per second). */
  add(upBytes: number, downBytes: number): void {
    const now = this.#clock.now();
    const day = dayKey(now, this.#utcOffsetMinutes);
    const month = monthKey(now, this.#utcOffsetMinutes);
    this.#db.transaction(() => {
      for (const [table, period] of [
        ["traffic_daily", day],
        ["traffic_monthly", month],
      ] as const) {
        this.#db
          .statement(
            `INSERT INTO ${table} (period, up_bytes, down_bytes) VALUES (?, ?, ?)
             ON CONFLICT (period) DO UPDATE SET up_bytes = up_bytes + excluded.up_bytes,
               down_bytes = down_bytes + excluded.down_bytes`,
          )
          .run(period, upBytes, downBytes);
      }
      this.#db
        .statement("DELETE FROM traffic_daily WHERE period < ?")
        .run(addDays(day, -(DAILY_KEEP_DAYS - 1)));
      this.#db
        .statement("DELETE FROM traffic_monthly WHERE period < ?")
        .run(addMonths(month, -(MONTHLY_KEEP_MONTHS - 1)));
    });
  }

  today(): TrafficTotals {
    return this.day(dayKey(this.#clock.now(), this.#utcOffsetMinutes));
  }

  thisMonth(): TrafficTotals {
    return this.month(monthKey(this.#clock.now(), this.#utcOffsetMinutes));
  }

  day(period: number): TrafficTotals {
    return this.#get("traffic_daily", period);
  }

  month(period: number): TrafficTotals {
    return this.#get("traffic_monthly", period);
  }

  clear(): void {
    this.#db.statement("DELETE FROM traffic_daily").run();
    this.#db.statement("DELETE FROM traffic_monthly").run();
  }

  #get(table: string, period: number): TrafficTotals {
    const row = this.#db
      .statement(`SELECT up_bytes, down_bytes FROM ${table} WHERE period = ?`)
      .get(period) as { up_bytes: number; down_bytes: number } | undefined;
    return { upBytes: row?.up_bytes ?? 0, downBytes: row?.down_bytes ?? 0 };
  }
}
