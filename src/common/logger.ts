import { pino } from "pino";

/**
 * The logging surface protocol, channel and uplink code is given. It is pino's shape, so production passes
 * a pino child logger and tests pass a `CapturingLogger`.
 */
export interface Logger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

export function createLogger(options: { level?: string; destination?: number } = {}): Logger {
  return pino(
    { level: options.level ?? "info", base: { app: "opendcu" } },
    pino.destination(options.destination ?? 1),
  );
}

export interface LogEntry {
  level: "debug" | "info" | "warn" | "error";
  message: string;
  fields: Record<string, unknown>;
}

/** Keeps entries in memory (bounded) so tests can assert on what was logged. */
export class CapturingLogger implements Logger {
  readonly entries: LogEntry[];
  readonly #bindings: Record<string, unknown>;
  readonly #max: number;

  constructor(bindings: Record<string, unknown> = {}, entries: LogEntry[] = [], max = 10_000) {
    this.#bindings = bindings;
    this.entries = entries;
    this.#max = max;
  }

  #push(level: LogEntry["level"], fields: Record<string, unknown>, message: string): void {
    if (this.entries.length >= this.#max) this.entries.shift();
    this.entries.push({ level, message, fields: { ...this.#bindings, ...fields } });
  }
  debug(fields: Record<string, unknown>, message: string): void {
    this.#push("debug", fields, message);
  }
  info(fields: Record<string, unknown>, message: string): void {
    this.#push("info", fields, message);
  }
  warn(fields: Record<string, unknown>, message: string): void {
    this.#push("warn", fields, message);
  }
  error(fields: Record<string, unknown>, message: string): void {
    this.#push("error", fields, message);
  }
  child(bindings: Record<string, unknown>): Logger {
    return new CapturingLogger({ ...this.#bindings, ...bindings }, this.entries, this.#max);
  }
}

/** A logger that drops everything. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};
