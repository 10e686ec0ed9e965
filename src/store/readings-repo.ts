/**
 * Current (real-time) readings: the latest value of each data item per measurement point with the time the
 * terminal read it, so AFN0C answers never need a live meter read. `item` is the caller's data-item key
 * (e.g. "0C:F129"); `value` is any JSON value (the decoded data-unit fields).
 */
import type { Database } from "./database.ts";
import type { Quarantine } from "./quarantine.ts";

export interface Reading {
  readonly point: number;
  readonly item: string;
  readonly readAt: number;
  readonly value: unknown;
}

interface Row {
  point: number;
  item: string;
  read_at: number;
  value: string;
}

export class ReadingsRepository {
  readonly #db: Database;
  readonly #quarantine: Quarantine;

  constructor(db: Database, quarantine: Quarantine) {
    this.#db = db;
    this.#quarantine = quarantine;
  }

  put(reading: Reading): void {
    this.putMany([reading]);
  }

  /** Writes many readings with one statement (a JSON array expanded by SQLite's json_each). */
  putMany(readings: readonly Reading[]): void {
    if (readings.length === 0) return;
    const payload = JSON.stringify(readings.map((r) => [r.item, r.point, r.readAt, r.value ?? null]));
    this.#db
      .statement(
        `INSERT OR REPLACE INTO readings (item, point, read_at, value)
         SELECT value ->> 0, value ->> 1, value ->> 2, value -> 3 FROM json_each(?)`,
      )
      .run(payload);
  }

  get(point: number, item: string): Reading | undefined {
    const row = this.#db
      .statement("SELECT item, point, read_at, value FROM readings WHERE item = ? AND point = ?")
      .get(item, point) as Row | undefined;
    return row === undefined ? undefined : this.#loadAll([row])[0];
  }

  /** One item for every point that has it, ordered by point: one query. */
  forItem(item: string): Reading[] {
    const rows = this.#db
      .statement("SELECT item, point, read_at, value FROM readings WHERE item = ? ORDER BY point")
      .all(item) as unknown as Row[];
    return this.#loadAll(rows);
  }

  forPoint(point: number): Reading[] {
    const rows = this.#db
      .statement("SELECT item, point, read_at, value FROM readings WHERE point = ? ORDER BY item")
      .all(point) as unknown as Row[];
    return this.#loadAll(rows);
  }

  deletePoint(point: number): void {
    this.#db.statement("DELETE FROM readings WHERE point = ?").run(point);
  }

  clear(): void {
    this.#db.statement("DELETE FROM readings").run();
  }

  /** Rows whose value is not JSON are quarantined and dropped (conventions §20). */
  #loadAll(rows: readonly Row[]): Reading[] {
    const out: Reading[] = [];
    for (const row of rows) {
      try {
        out.push({
          point: row.point,
          item: row.item,
          readAt: row.read_at,
          value: JSON.parse(row.value) as unknown,
        });
      } catch {
        this.#quarantine.put("readings", row, "value is not JSON");
        this.#db.statement("DELETE FROM readings WHERE item = ? AND point = ?").run(row.item, row.point);
      }
    }
    return out;
  }
}
