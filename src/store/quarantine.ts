import type { Clock } from "../common/clock.ts";
import type { Logger } from "../common/logger.ts";
import type { Database } from "./database.ts";

/**
 * Where rows that fail shape checks on load go (conventions §20): recorded with the reason and logged, then
 * treated as absent by the repository that found them.
 */
export class Quarantine {
  readonly #db: Database;
  readonly #clock: Clock;
  readonly #logger: Logger;

  constructor(db: Database, clock: Clock, logger: Logger) {
    this.#db = db;
    this.#clock = clock;
    this.#logger = logger;
  }

  /** Copies `row` into the quarantine table; the caller deletes it from its own table. */
  put(source: string, row: unknown, reason: string): void {
    const text = JSON.stringify(row, (_k, v: unknown) =>
      v instanceof Uint8Array ? Buffer.from(v).toString("hex") : v,
    );
    this.#db
      .statement("INSERT INTO quarantine (source, row, reason, at) VALUES (?, ?, ?, ?)")
      .run(source, text, reason, this.#clock.now());
    this.#logger.warn({ source, reason, row: text }, "store row failed its shape check and was quarantined");
  }

  list(): { source: string; row: string; reason: string; at: number }[] {
    return this.#db.statement("SELECT source, row, reason, at FROM quarantine ORDER BY id").all() as {
      source: string;
      row: string;
      reason: string;
      at: number;
    }[];
  }
}
