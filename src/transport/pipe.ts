/**
 * In-memory byte-stream pair. Without a line speed, writes arrive on the other end on the next tick. With
 * `baud`, bytes arrive at the rate a real asynchronous serial line would deliver them (`bitsPerByte` = 11
 * for 8E1: start + 8 data + parity + stop), after a `turnaroundMs` gap before each transmission (the time
 * a meter or a transceiver needs to switch an RS-485 line around), so channel-time figures are honest.
 *
 *   a.write() ──► [line a→b: busy until t, paced in small chunks] ──► b.onData()
 *   b.write() ──► [line b→a]                                       ──► a.onData()
 *
 * Real timers are used here on purpose: this is the transport edge.
 */
import { OpenDcuError } from "../common/errors.ts";
import type { ByteStream } from "./byte-stream.ts";
import { StreamState } from "./stream-state.ts";

export interface PipeOptions {
  /** Line speed in bit/s; undefined = unpaced (instant). */
  readonly baud?: number;
  /** Bits on the wire per byte; 11 for 8E1 (default), 10 for 8N1. */
  readonly bitsPerByte?: number;
  /**
   * Gap before each transmission starts, ms (default 0): one figure for both ends, or `[a, b]` for the
   * first and second end on their own (a meter that waits before answering while the concentrator's
   * transceiver switches at once).
   */
  readonly turnaroundMs?: number | readonly [a: number, b: number];
  /** Labels of the two ends (default "pipe:a" / "pipe:b"). */
  readonly labels?: readonly [string, string];
}

/** Milliseconds a line needs for `bytes` bytes at `baud` (the byte-time minimum). */
export function lineTimeMs(bytes: number, baud: number, bitsPerByte = 11): number {
  return (bytes * bitsPerByte * 1000) / baud;
}

/** Chunk pacing: deliver at least every this many ms of line time. */
const CHUNK_MS = 8;

/** Something due on the line at a time: a chunk reaching the peer, or a write's completion. */
interface Due {
  readonly at: number;
  readonly run: () => void;
}

class PipeEnd implements ByteStream {
  readonly label: string;
  peer: PipeEnd | undefined;
  readonly #options: PipeOptions;
  readonly #turnaroundMs: number;
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  readonly #state = new StreamState();
  #lineFreeAt = 0;
  /**
   * Paced deliveries in line order, served by one timer at a time. (One timer per chunk is not enough:
   * when the event loop lags, Node may run expired timers of different durations out of order, and the
   * peer would see bytes swapped.)
   */
  readonly #due: Due[] = [];
  #dueTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(label: string, options: PipeOptions, turnaroundMs: number) {
    this.label = label;
    this.#options = options;
    this.#turnaroundMs = turnaroundMs;
  }

  get closed(): Promise<void> {
    return this.#state.closed;
  }

  get isOpen(): boolean {
    return this.#state.isOpen;
  }

  onData(listener: (chunk: Uint8Array) => void): () => void {
    return this.#state.onData(listener);
  }

  deliver(chunk: Uint8Array): void {
    this.#state.emit(chunk);
  }

  #after(ms: number, run: () => void): void {
    const timer = setTimeout(
      () => {
        this.#timers.delete(timer);
        run();
      },
      Math.max(0, ms),
    );
    this.#timers.add(timer);
  }

  /** Runs everything due by now, in order, then waits for the next item. */
  #serveDue(): void {
    this.#dueTimer = undefined;
    const now = performance.now();
    while (this.#due.length > 0 && (this.#due[0] as Due).at <= now) (this.#due.shift() as Due).run();
    this.#armDue();
  }

  #armDue(): void {
    const next = this.#due[0];
    if (next === undefined || this.#dueTimer !== undefined || !this.#state.isOpen) return;
    this.#dueTimer = setTimeout(() => this.#serveDue(), Math.max(0, next.at - performance.now()));
  }

  write(bytes: Uint8Array): Promise<void> {
    if (!this.#state.isOpen) {
      return Promise.reject(new OpenDcuError("transport.closed", `${this.label} is closed`));
    }
    const copy = Uint8Array.from(bytes);
    const peer = this.peer;
    const baud = this.#options.baud;
    if (baud === undefined) {
      return new Promise((resolve) => {
        this.#after(0, () => {
          peer?.deliver(copy);
          resolve();
        });
      });
    }
    const bits = this.#options.bitsPerByte ?? 11;
    const byteMs = (bits * 1000) / baud;
    const now = performance.now();
    const start = Math.max(now, this.#lineFreeAt) + this.#turnaroundMs;
    this.#lineFreeAt = start + copy.length * byteMs;
    const perChunk = Math.max(1, Math.floor(CHUNK_MS / byteMs));
    for (let i = 0; i < copy.length; i += perChunk) {
      const chunk = copy.subarray(i, Math.min(copy.length, i + perChunk));
      this.#due.push({ at: start + (i + chunk.length) * byteMs, run: () => peer?.deliver(chunk) });
    }
    return new Promise((resolve) => {
      this.#due.push({ at: this.#lineFreeAt, run: resolve });
      this.#armDue();
    });
  }

  async close(): Promise<void> {
    if (!this.#state.finish()) return;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    if (this.#dueTimer !== undefined) clearTimeout(this.#dueTimer);
    this.#dueTimer = undefined;
    this.#due.length = 0;
    await this.peer?.close();
  }
}

/** Creates two connected ends; closing either closes both. */
export function createPipe(options: PipeOptions = {}): [ByteStream, ByteStream] {
  const turnaround = options.turnaroundMs ?? 0;
  const [turnaroundA, turnaroundB] = typeof turnaround === "number" ? [turnaround, turnaround] : turnaround;
  for (const ms of [turnaroundA, turnaroundB])
    if (!(Number.isFinite(ms) && ms >= 0))
      throw new RangeError(`pipe turnaroundMs must be ≥ 0 ms, got ${ms}`);
  const a = new PipeEnd(options.labels?.[0] ?? "pipe:a", options, turnaroundA);
  const b = new PipeEnd(options.labels?.[1] ?? "pipe:b", options, turnaroundB);
  a.peer = b;
  b.peer = a;
  return [a, b];
}
