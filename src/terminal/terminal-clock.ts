/**
 * The terminal clock: host clock + an offset the master sets (AFN05 F31) or the local interface sets,
 * persisted so a restart keeps the master's time. It is the `Clock` everything else is injected with.
 */
import type { Clock, TimerHandle } from "../common/clock.ts";
import type { KvRepository } from "../store/kv-repo.ts";

const OFFSET_KEY = "clock.offsetMs";

export interface ClockChange {
  readonly before: number;
  readonly after: number;
}

export class TerminalClock implements Clock {
  readonly #host: Clock;
  #offsetMs = 0;
  #kv: KvRepository | undefined;

  constructor(host: Clock) {
    this.#host = host;
  }

  /** Binds persistence and loads the stored offset (the store is opened with this clock, then attached). */
  attach(kv: KvRepository): void {
    this.#kv = kv;
    this.#offsetMs = kv.getNumber(OFFSET_KEY, 0);
  }

  get offsetMs(): number {
    return this.#offsetMs;
  }

  now(): number {
    return this.#host.now() + this.#offsetMs;
  }

  setTimer(ms: number, callback: () => void): TimerHandle {
    return this.#host.setTimer(ms, callback);
  }

  /** Sets the terminal time to `epochMs` and persists the new offset before returning. */
  set(epochMs: number): ClockChange {
    const before = this.now();
    const offset = epochMs - this.#host.now();
    this.#kv?.set(OFFSET_KEY, offset);
    this.#offsetMs = offset;
    return { before, after: this.now() };
  }

  /** Back to host time (factory defaults). */
  reset(): void {
    this.#kv?.delete(OFFSET_KEY);
    this.#offsetMs = 0;
  }
}
