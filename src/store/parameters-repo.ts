/**
 * AFN04 parameters other than F10 (which lives in `meters-repo.ts`): the raw body per (Fn, pn), so the
 * AFN0A answer is byte-exact, plus the decoded JSON for typed access by the rest of the code.
 */
import type { Clock } from "../common/clock.ts";
import type { Database } from "./database.ts";
import type { Quarantine } from "./quarantine.ts";

export type ParameterValue = unknown;

export interface StoredParameter {
  readonly fn: number;
  readonly pn: number;
  readonly body: Uint8Array;
  readonly decoded: ParameterValue;
  readonly setAt: number;
}

interface Row {
  fn: number;
  pn: number;
  body: Uint8Array;
  decoded: string;
  set_at: number;
}

export class ParametersRepository {
  readonly #db: Database;
  readonly #clock: Clock;
  readonly #quarantine: Quarantine;

  constructor(db: Database, clock: Clock, quarantine: Quarantine) {
    this.#db = db;
    this.#clock = clock;
    this.#quarantine = quarantine;
  }

  put(fn: number, pn: number, body: Uint8Array, decoded: ParameterValue): void {
    this.#db
      .statement(
        `INSERT INTO parameters (fn, pn, body, decoded, set_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (fn, pn) DO UPDATE SET body = excluded.body, decoded = excluded.decoded,
           set_at = excluded.set_at`,
      )
      .run(fn, pn, body, JSON.stringify(decoded ?? null), this.#clock.now());
  }

  get(fn: number, pn: number): StoredParameter | undefined {
    const row = this.#db
      .statement("SELECT fn, pn, body, decoded, set_at FROM parameters WHERE fn = ? AND pn = ?")
      .get(fn, pn) as Row | undefined;
    return row === undefined ? undefined : this.#load(row);
  }

  /** Every stored (pn, body) of one Fn, by pn. */
  listFn(fn: number): StoredParameter[] {
    const rows = this.#db
      .statement("SELECT fn, pn, body, decoded, set_at FROM parameters WHERE fn = ? ORDER BY pn")
      .all(fn) as unknown as Row[];
    return rows.map((r) => this.#load(r)).filter((p): p is StoredParameter => p !== undefined);
  }

  /** The set of Fn numbers that have at least one stored value (AFN0C F3 parameter status). */
  setFns(): Set<number> {
    const rows = this.#db.statement("SELECT DISTINCT fn FROM parameters").all() as { fn: number }[];
    return new Set(rows.map((r) => r.fn));
  }

  delete(fn: number, pn: number): void {
    this.#db.statement("DELETE FROM parameters WHERE fn = ? AND pn = ?").run(fn, pn);
  }

  /** Deletes every parameter whose Fn is not in `keep` (AFN01 F3 keeps none, F4 keeps the comm ones). */
  clearExcept(keep: ReadonlySet<number>): void {
    const list = [...keep].filter((n) => Number.isInteger(n));
    this.#db
      .statement("DELETE FROM parameters WHERE fn NOT IN (SELECT value FROM json_each(?))")
      .run(JSON.stringify(list));
  }

  #load(row: Row): StoredParameter | undefined {
    let decoded: unknown;
    try {
      decoded = JSON.parse(row.decoded);
    } catch {
      decoded = undefined;
    }
    if (!(row.body instanceof Uint8Array) || decoded === undefined) {
      this.#quarantine.put("parameters", row, "body is not a blob or decoded JSON does not parse");
      this.#db.statement("DELETE FROM parameters WHERE fn = ? AND pn = ?").run(row.fn, row.pn);
      return undefined;
    }
    return { fn: row.fn, pn: row.pn, body: row.body, decoded, setAt: row.set_at };
  }
}
