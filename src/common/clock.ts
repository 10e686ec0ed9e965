/**
 * Time is injected (architecture rule): domain code never calls `Date.now()` or `setTimeout` directly, so
 * tests can run midnight freezes, month ends and long soaks in milliseconds with a `ManualClock`.
 */
export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the Unix epoch, as the terminal believes it to be. */
  now(): number;
  /** Calls `callback` once after `ms` milliseconds of this clock's time. */
  setTimer(ms: number, callback: () => void): TimerHandle;
}

/** The host clock, plus an optional offset (the terminal clock is host time + an offset set by the master). */
export class SystemClock implements Clock {
  offsetMs: number;
  constructor(offsetMs = 0) {
    this.offsetMs = offsetMs;
  }
  now(): number {
    return Date.now() + this.offsetMs;
  }
  setTimer(ms: number, callback: () => void): TimerHandle {
    const handle = setTimeout(callback, Math.max(0, ms));
    return { cancel: () => clearTimeout(handle) };
  }
}

interface PendingTimer {
  at: number;
  seq: number;
  callback: () => void;
  cancelled: boolean;
}

/** A clock that moves only when told to; timers fire in time order during `advance`/`advanceTo`. */
export class ManualClock implements Clock {
  #now: number;
  #timers: PendingTimer[] = [];
  #seq = 0;

  constructor(start: number | Date = 0) {
    this.#now = typeof start === "number" ? start : start.getTime();
  }

  now(): number {
    return this.#now;
  }

  setTimer(ms: number, callback: () => void): TimerHandle {
    const timer: PendingTimer = {
      // Whole milliseconds, like Node's timers and Date.now(): a fractional delay (a paced serial line's
      // byte time) must not make now() fractional, which no real clock returns and the store's INTEGER
      // time columns refuse.
      at: Math.ceil(this.#now + Math.max(0, ms)),
      seq: this.#seq++,
      callback,
      cancelled: false,
    };
    this.#timers.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
      },
    };
  }

  /** Number of timers still waiting. */
  get pendingTimers(): number {
    return this.#timers.filter((t) => !t.cancelled).length;
  }

  /** When the earliest waiting timer is due (a simulation advances straight to it), or undefined. */
  nextTimerAt(): number | undefined {
    let at: number | undefined;
    for (const t of this.#timers) if (!t.cancelled && (at === undefined || t.at < at)) at = t.at;
    return at;
  }

  advance(ms: number): void {
    this.advanceTo(this.#now + ms);
  }

  /** Moves time forward to `target`, firing due timers (including ones they schedule) in order. */
  advanceTo(target: number): void {
    for (;;) {
      this.#timers = this.#timers.filter((t) => !t.cancelled);
      let next: PendingTimer | undefined;
      for (const t of this.#timers) {
        if (
          t.at <= target &&
          (next === undefined || t.at < next.at || (t.at === next.at && t.seq < next.seq))
        ) {
          next = t;
        }
      }
      if (next === undefined) break;
      this.#now = Math.max(this.#now, next.at);
      next.cancelled = true;
      next.callback();
    }
    this.#now = Math.max(this.#now, target);
  }

  /** Sets the time without firing timers (models a clock jump, e.g. a master setting the time). */
  set(ms: number): void {
    this.#now = ms;
  }
}
