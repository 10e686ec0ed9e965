/**
 * A clock for running a whole DCU ↔ module ↔ network exchange in simulated time: `run(work)` lets pending
 * promise callbacks settle, then jumps to the next timer, until `work` settles. Minutes of modelled serial
 * and PLC time take milliseconds of CPU, so benchmarks can compare against a modelled minimum exactly.
 */
import type { Clock, TimerHandle } from "../common/clock.ts";

interface Timer {
  at: number;
  seq: number;
  callback: () => void;
  cancelled: boolean;
}

export class SimulatedClock implements Clock {
  #now: number;
  #seq = 0;
  #timers: Timer[] = [];

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimer(ms: number, callback: () => void): TimerHandle {
    const timer: Timer = { at: this.#now + Math.max(0, ms), seq: this.#seq++, callback, cancelled: false };
    this.#timers.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
      },
    };
  }

  #takeNext(): Timer | undefined {
    this.#timers = this.#timers.filter((t) => !t.cancelled);
    let best: Timer | undefined;
    for (const t of this.#timers)
      if (!best || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = t;
    if (best) best.cancelled = true;
    return best;
  }

  /** Runs `work` to completion in simulated time; rejects if it can never finish (no timers left). */
  async run<T>(work: Promise<T>): Promise<T> {
    let settled = false;
    let value: T | undefined;
    let failure: unknown;
    let failed = false;
    work.then(
      (v) => {
        settled = true;
        value = v;
      },
      (e: unknown) => {
        settled = true;
        failed = true;
        failure = e;
      },
    );
    for (;;) {
      // Let promise chains triggered by the last timer run before time moves on.
      for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
      if (settled) break;
      const next = this.#takeNext();
      if (!next) throw new Error("simulated clock: work is waiting but no timer is pending");
      this.#now = Math.max(this.#now, next.at);
      next.callback();
    }
    if (failed) throw failure;
    return value as T;
  }
}
