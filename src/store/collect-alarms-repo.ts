/**
 * Reading alarms the engine has raised: an ERC39 per (point, day) whose supplementary reading failed, and the
 * ERC31 "reading failure" state per point (a row while active). Written in the same transaction as the
 * event record, so a restart at any instant neither loses nor repeats an event.
 */
import type { Database } from "./database.ts";

/** Period used for alarms that are a state rather than a per-day record (ERC31). */
export const ALARM_STATE = 0;

export class CollectAlarmsRepository {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  /** Marks (point, erc, period) raised; false when it already was (the caller then records nothing). */
  mark(point: number, erc: number, period: number, at: number): boolean {
    const result = this.#db
      .statement("INSERT OR IGNORE INTO collect_alarms (point, erc, period, raised_at) VALUES (?, ?, ?, ?)")
      .run(point, erc, period, at);
    return Number(result.changes) === 1;
  }

  /** Clears a mark; false when there was none. */
  unmark(point: number, erc: number, period: number): boolean {
    const result = this.#db
      .statement("DELETE FROM collect_alarms WHERE point = ? AND erc = ? AND period = ?")
      .run(point, erc, period);
    return Number(result.changes) === 1;
  }

  has(point: number, erc: number, period: number): boolean {
    return (
      this.#db
        .statement("SELECT 1 AS x FROM collect_alarms WHERE point = ? AND erc = ? AND period = ?")
        .get(point, erc, period) !== undefined
    );
  }

  /** Points with an active mark (erc, period). */
  points(erc: number, period: number): Set<number> {
    const rows = this.#db
      .statement("SELECT point FROM collect_alarms WHERE erc = ? AND period = ?")
      .all(erc, period) as { point: number }[];
    return new Set(rows.map((r) => r.point));
  }

  /** Forgets per-day marks older than `oldest` (they can no longer be raised again). */
  dropBefore(erc: number, oldest: number): void {
    this.#db
      .statement("DELETE FROM collect_alarms WHERE erc = ? AND period <> ? AND period < ?")
      .run(erc, ALARM_STATE, oldest);
  }

  deletePoint(point: number): void {
    this.#db.statement("DELETE FROM collect_alarms WHERE point = ?").run(point);
  }

  clear(): void {
    this.#db.statement("DELETE FROM collect_alarms").run();
  }
}
