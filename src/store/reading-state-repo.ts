/**
 * Per-meter reading state (last success, failures) and the list of frozen data a supplementary read still
 * has to fetch. Survives restarts so the engine resumes where it stopped.
 */
import type { Database } from "./database.ts";

export interface ReadingState {
  readonly point: number;
  readonly lastSuccessAt: number | null;
  readonly lastFailureAt: number | null;
  readonly consecutiveFailures: number;
  readonly totalFailures: number;
}

export interface SupplementaryNeed {
  readonly point: number;
  readonly item: string;
  readonly period: number;
  readonly since: number;
  readonly attempts: number;
}

interface StateRow {
  point: number;
  last_success_at: number | null;
  last_failure_at: number | null;
  consecutive_failures: number;
  total_failures: number;
}

/** Bound on outstanding supplementary needs (2,040 meters × a few items × a few days). */
export const MAX_SUPPLEMENTARY_NEEDS = 50_000;

export class ReadingStateRepository {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  recordSuccess(point: number, at: number): void {
    this.#db
      .statement(
        `INSERT INTO reading_state (point, last_success_at, consecutive_failures) VALUES (?, ?, 0)
         ON CONFLICT (point) DO UPDATE SET last_success_at = excluded.last_success_at, consecutive_failures = 0`,
      )
      .run(point, at);
  }

  recordFailure(point: number, at: number): ReadingState {
    this.#db
      .statement(
        `INSERT INTO reading_state (point, last_failure_at, consecutive_failures, total_failures)
         VALUES (?, ?, 1, 1)
         ON CONFLICT (point) DO UPDATE SET last_failure_at = excluded.last_failure_at,
           consecutive_failures = consecutive_failures + 1, total_failures = total_failures + 1`,
      )
      .run(point, at);
    return this.get(point) as ReadingState;
  }

  get(point: number): ReadingState | undefined {
    const row = this.#db
      .statement(
        `SELECT point, last_success_at, last_failure_at, consecutive_failures, total_failures
         FROM reading_state WHERE point = ?`,
      )
      .get(point) as StateRow | undefined;
    return row === undefined ? undefined : toState(row);
  }

  all(): ReadingState[] {
    const rows = this.#db
      .statement(
        `SELECT point, last_success_at, last_failure_at, consecutive_failures, total_failures
         FROM reading_state ORDER BY point`,
      )
      .all() as unknown as StateRow[];
    return rows.map(toState);
  }

  /** Records that (point, item, period) is missing; returns false when the list is full (caller logs). */
  addNeed(point: number, item: string, period: number, since: number): boolean {
    const n = (this.#db.statement("SELECT count(*) AS n FROM supplementary_needs").get() as { n: number }).n;
    if (Number(n) >= MAX_SUPPLEMENTARY_NEEDS) return false;
    this.#db
      .statement("INSERT OR IGNORE INTO supplementary_needs (point, item, period, since) VALUES (?, ?, ?, ?)")
      .run(point, item, period, since);
    return true;
  }

  noteAttempt(point: number, item: string, period: number): void {
    this.#db
      .statement(
        "UPDATE supplementary_needs SET attempts = attempts + 1 WHERE point = ? AND item = ? AND period = ?",
      )
      .run(point, item, period);
  }

  removeNeed(point: number, item: string, period: number): void {
    this.#db
      .statement("DELETE FROM supplementary_needs WHERE point = ? AND item = ? AND period = ?")
      .run(point, item, period);
  }

  /** Drops needs for periods older than `oldest` (they fell out of frozen-data retention). */
  dropNeedsBefore(item: string, oldest: number): void {
    this.#db.statement("DELETE FROM supplementary_needs WHERE item = ? AND period < ?").run(item, oldest);
  }

  needs(limit = 1000): SupplementaryNeed[] {
    const rows = this.#db
      .statement(
        `SELECT point, item, period, since, attempts FROM supplementary_needs
         ORDER BY period, point LIMIT ?`,
      )
      .all(limit) as unknown as SupplementaryNeed[];
    return rows.map((r) => ({ ...r }));
  }

  /** How many supplementary needs are outstanding (queue depth for metrics). */
  needCount(): number {
    return Number(
      (this.#db.statement("SELECT count(*) AS n FROM supplementary_needs").get() as { n: number }).n,
    );
  }

  deletePoint(point: number): void {
    this.#db.statement("DELETE FROM reading_state WHERE point = ?").run(point);
    this.#db.statement("DELETE FROM supplementary_needs WHERE point = ?").run(point);
  }

  clear(): void {
    this.#db.statement("DELETE FROM reading_state").run();
    this.#db.statement("DELETE FROM supplementary_needs").run();
  }
}

function toState(row: StateRow): ReadingState {
  return {
    point: row.point,
    lastSuccessAt: row.last_success_at,
    lastFailureAt: row.last_failure_at,
    consecutiveFailures: row.consecutive_failures,
    totalFailures: row.total_failures,
  };
}
