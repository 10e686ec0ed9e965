/**
 * A full-duplex link in simulated time (ManualClock): each direction carries `bytesPerSecond`, one write after
 * another, and loses a whole write (a frame, since both 1376.1 ends write one frame per call) with probability
 * `lossRate`, decided by a seeded generator so a run can be repeated. Lets a benchmark move a 2 MB package
 * over a 2,400 bytes/s line in seconds of real time.
 *
 *   a.write(frame) ─► [line a→b busy until t = max(now, free) + len / rate] ─► lost? ─► b.onData(frame) at t
 *
 * Counters say what was carried and lost, for reports.
 */
import type { Clock } from "../common/clock.ts";
import { OpenDcuError } from "../common/errors.ts";
import type { ByteStream } from "../transport/byte-stream.ts";
import { StreamState } from "../transport/stream-state.ts";

export interface SimulatedLinkOptions {
  readonly clock: Clock;
  /** Line rate per direction. */
  readonly bytesPerSecond: number;
  /** Probability that a write is lost, 0..1. */
  readonly lossRate?: number;
  /** Seed of the loss decisions (xorshift32). */
  readonly seed?: number;
  readonly labels?: readonly [string, string];
}

export interface LinkCounters {
  framesSent: number;
  framesLost: number;
  bytesSent: number;
}

export class SimulatedEnd implements ByteStream {
  readonly label: string;
  peer: SimulatedEnd | undefined;
  readonly counters: LinkCounters = { framesSent: 0, framesLost: 0, bytesSent: 0 };
  readonly #o: SimulatedLinkOptions;
  readonly #state = new StreamState();
  readonly #random: () => number;
  #lineFreeAt = 0;

  constructor(label: string, options: SimulatedLinkOptions, random: () => number) {
    this.label = label;
    this.#o = options;
    this.#random = random;
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
    if (this.#state.isOpen) this.#state.emit(chunk);
  }

  write(bytes: Uint8Array): Promise<void> {
    if (!this.#state.isOpen)
      return Promise.reject(new OpenDcuError("transport.closed", `${this.label} is closed`));
    const copy = Uint8Array.from(bytes);
    const clock = this.#o.clock;
    const start = Math.max(clock.now(), this.#lineFreeAt);
    this.#lineFreeAt = start + (copy.length * 1000) / this.#o.bytesPerSecond;
    const lost = this.#random() < (this.#o.lossRate ?? 0);
    this.counters.framesSent++;
    this.counters.bytesSent += copy.length;
    if (lost) this.counters.framesLost++;
    return new Promise((resolve) => {
      // Whole milliseconds: the line time stays exact, the clock (and every timestamp stored) integral.
      clock.setTimer(Math.ceil(this.#lineFreeAt) - clock.now(), () => {
        if (!lost) this.peer?.deliver(copy);
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    if (!this.#state.finish()) return;
    await this.peer?.close();
  }
}

function xorshift(seed: number): () => number {
  let x = seed >>> 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x1_0000_0000;
  };
}

/** Two connected ends; closing either closes both. `counters` of an end describe what it sent. */
export function createSimulatedLink(options: SimulatedLinkOptions): [SimulatedEnd, SimulatedEnd] {
  const random = xorshift(options.seed ?? 1);
  const a = new SimulatedEnd(options.labels?.[0] ?? "sim:a", options, random);
  const b = new SimulatedEnd(options.labels?.[1] ?? "sim:b", options, random);
  a.peer = b;
  b.peer = a;
  return [a, b];
}

/**
 * Runs simulated time until `done()`: lets pending promise work finish, then jumps the clock to the next
 * timer. Throws when nothing is left to happen but `done()` is still false, or past `limitMs` of simulated time.
 */
export async function runSimulation(
  clock: { now(): number; nextTimerAt(): number | undefined; advanceTo(ms: number): void },
  done: () => boolean,
  limitMs: number,
): Promise<void> {
  const end = clock.now() + limitMs;
  const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
  while (!done()) {
    await settle();
    if (done()) return;
    const next = clock.nextTimerAt();
    if (next === undefined) {
      await settle();
      if (done() || clock.nextTimerAt() !== undefined) continue;
      throw new Error("simulation stuck: nothing scheduled and not done");
    }
    if (next > end) throw new Error(`simulation ran past ${limitMs} ms of simulated time`);
    clock.advanceTo(next);
  }
}
