/**
 * What the reading engine last saw of each meter, for detecting changes (collect/meter-events.ts,
 * collect/time-sync.ts): run-status words, event counters, the last energy reading, active conditions
 * ("stopped", "clock deviation raised"). One JSON value per (point, key). Written in the same transaction as
 * the event a change raises, so a restart at any instant neither repeats nor loses an event.
 */
import type { Database } from "./database.ts";

export class MeterWatchRepository {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  get(point: number, key: string): unknown {
    const row = this.#db
      .statement("SELECT value FROM meter_watch WHERE point = ? AND key = ?")
      .get(point, key) as { value: string } | undefined;
    if (row === undefined) return undefined;
    try {
      return JSON.parse(row.value) as unknown;
    } catch {
      // A value we cannot parse is as good as none: the next poll re-establishes the baseline.
      return undefined;
    }
  }

  set(point: number, key: string, value: unknown, at: number): void {
    this.#db
      .statement(
        `INSERT INTO meter_watch (point, key, value, updated_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (point, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      )
      .run(point, key, JSON.stringify(value ?? null), at);
  }

  delete(point: number, key: string): void {
    this.#db.statement("DELETE FROM meter_watch WHERE point = ? AND key = ?").run(point, key);
  }

  /** Forgets everything about a point (meter removed or replaced). */
  deletePoint(point: number): void {
    this.#db.statement("DELETE FROM meter_watch WHERE point = ?").run(point);
  }

  count(): number {
    return Number((this.#db.statement("SELECT count(*) AS n FROM meter_watch").get() as { n: number }).n);
  }

  clear(): void {
    this.#db.statement("DELETE FROM meter_watch").run();
  }
}
