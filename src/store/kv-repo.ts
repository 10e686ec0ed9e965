/** Small named values of terminal state (clock offset, heartbeat, last software version …) as JSON. */
import type { Database } from "./database.ts";

export class KvRepository {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  get(key: string): unknown {
    const row = this.#db.statement("SELECT value FROM kv WHERE key = ?").get(key) as
      | { value: string }
      | undefined;
    if (row === undefined) return undefined;
    try {
      return JSON.parse(row.value) as unknown;
    } catch {
      return undefined;
    }
  }

  /** A number stored under `key`, or `fallback` when absent or not a finite number. */
  getNumber(key: string, fallback: number): number {
    const v = this.get(key);
    return typeof v === "number" && Number.isFinite(v) ? v : fallback;
  }

  getString(key: string): string | undefined {
    const v = this.get(key);
    return typeof v === "string" ? v : undefined;
  }

  set(key: string, value: unknown): void {
    this.#db
      .statement(
        "INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      )
      .run(key, JSON.stringify(value ?? null));
  }

  delete(key: string): void {
    this.#db.statement("DELETE FROM kv WHERE key = ?").run(key);
  }
}
