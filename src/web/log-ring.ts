/**
 * The recent log, kept in memory for the maintenance page ("read the log"): a Logger that passes every entry
 * on to the real logger and keeps the last `capacity` entries (bounded: the oldest go first). The daemon's
 * full log stays where the real logger writes it (stdout / journald).
 */
import type { Logger } from "../common/logger.ts";

export type LogLevel = "debug" | "info" | "warn" | "error";

export interface LogLine {
  readonly seq: number;
  /** Host time (ms since the epoch). */
  readonly time: number;
  readonly level: LogLevel;
  readonly message: string;
  readonly fields: Record<string, unknown>;
}

const LEVEL_RANK: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40 };

export class LogRing {
  readonly capacity: number;
  readonly #lines: LogLine[] = [];
  readonly #now: () => number;
  readonly #minRank: number;
  #seq = 0;

  /** Keeps entries at `minLevel` and above (debug lines would push the useful ones out). */
  constructor(capacity = 1000, minLevel: LogLevel = "info", now: () => number = Date.now) {
    this.capacity = capacity;
    this.#minRank = LEVEL_RANK[minLevel];
    this.#now = now;
  }

  push(level: LogLevel, fields: Record<string, unknown>, message: string): void {
    if (LEVEL_RANK[level] < this.#minRank) return;
    if (this.#lines.length >= this.capacity) this.#lines.shift();
    this.#lines.push({ seq: ++this.#seq, time: this.#now(), level, message, fields });
  }

  /** The last `limit` lines at `minLevel` or above, oldest first. */
  tail(limit: number, minLevel: LogLevel = "debug"): LogLine[] {
    const rank = LEVEL_RANK[minLevel];
    const matching = this.#lines.filter((l) => LEVEL_RANK[l.level] >= rank);
    return matching.slice(Math.max(0, matching.length - limit));
  }

  /** A logger that records into this ring and forwards to `inner`. */
  wrap(inner: Logger, bindings: Record<string, unknown> = {}): Logger {
    const record =
      (level: LogLevel) =>
      (fields: Record<string, unknown>, message: string): void => {
        this.push(level, { ...bindings, ...fields }, message);
        inner[level](fields, message);
      };
    return {
      debug: record("debug"),
      info: record("info"),
      warn: record("warn"),
      error: record("error"),
      child: (more) => this.wrap(inner.child(more), { ...bindings, ...more }),
    };
  }
}
