/**
 * Traffic statistics with the master (AFN0C F10, AFN0D F53/F54; shared/protocol/gw1376-1.md §4.6–§4.7):
 * every byte in and out of every uplink connection and of the serial maintenance port is counted here in
 * memory and added to the store's day/month totals
 *   - periodically (`flushIntervalMs`, and always at local midnight so a day's bytes land on that day),
 *   - when a connection ends, and on stop,
 *   - on demand before a traffic query is answered (`needsFreshTraffic`), so the master reads exact totals.
 * Counting is two additions per chunk; the store sees one small transaction per flush.
 */
import type { Clock, TimerHandle } from "../common/clock.ts";
import type { Logger } from "../common/logger.ts";
import type { Message } from "../protocol/gw1376-1/message.ts";

/** Where each connection reports its bytes. */
export interface TrafficSink {
  countIn(bytes: number): void;
  countOut(bytes: number): void;
}

/** The store side (store/traffic-repo.ts): up = terminal → master, down = master → terminal. */
export interface TrafficStore {
  add(upBytes: number, downBytes: number): void;
}

export interface TrafficMeterOptions {
  readonly store: TrafficStore;
  readonly clock: Clock;
  readonly utcOffsetMinutes: number;
  readonly logger: Logger;
  /** Longest time counted bytes stay only in memory. */
  readonly flushIntervalMs?: number;
  /** After every successful flush (flow control checks the monthly threshold here). */
  readonly onFlushed?: () => void;
}

const DAY_MS = 86_400_000;
const MIDNIGHT_MARGIN_MS = 500;

export class TrafficMeter implements TrafficSink {
  readonly #o: TrafficMeterOptions;
  #pendingIn = 0;
  #pendingOut = 0;
  #timer: TimerHandle | undefined;
  #running = false;
  /** Flushes that failed (the bytes stay pending and go with the next flush). */
  flushFailures = 0;

  constructor(options: TrafficMeterOptions) {
    this.#o = options;
  }

  countIn(bytes: number): void {
    this.#pendingIn += bytes;
  }

  countOut(bytes: number): void {
    this.#pendingOut += bytes;
  }

  /** Bytes counted but not yet in the store. */
  get pending(): { readonly inBytes: number; readonly outBytes: number } {
    return { inBytes: this.#pendingIn, outBytes: this.#pendingOut };
  }

  start(): void {
    this.#running = true;
    this.#arm();
  }

  /** Writes the pending counts to the store; they stay pending if the write fails. Never throws. */
  flush(): void {
    if (this.#pendingIn === 0 && this.#pendingOut === 0) return;
    const inBytes = this.#pendingIn;
    const outBytes = this.#pendingOut;
    try {
      this.#o.store.add(outBytes, inBytes);
    } catch (error) {
      this.flushFailures++;
      this.#o.logger.warn({ error: String(error), inBytes, outBytes }, "traffic flush failed; kept pending");
      return;
    }
    this.#pendingIn -= inBytes;
    this.#pendingOut -= outBytes;
    try {
      this.#o.onFlushed?.();
    } catch (error) {
      this.#o.logger.error({ error: String(error) }, "after-flush hook failed");
    }
  }

  /** Final flush and no more timers. */
  stop(): void {
    this.#running = false;
    this.#timer?.cancel();
    this.#timer = undefined;
    this.flush();
  }

  /** Next flush: after the interval, or just before local midnight if that comes first. */
  #arm(): void {
    if (!this.#running) return;
    const local = this.#o.clock.now() + this.#o.utcOffsetMinutes * 60_000;
    const toMidnight = DAY_MS - (((local % DAY_MS) + DAY_MS) % DAY_MS);
    // A real timer fires a little late: aim before midnight so the flush still lands on the ending day.
    let toDayEnd = toMidnight - MIDNIGHT_MARGIN_MS;
    if (toDayEnd <= 0) toDayEnd += DAY_MS;
    const delay = Math.max(1, Math.min(this.#o.flushIntervalMs ?? 60_000, toDayEnd));
    this.#timer = this.#o.clock.setTimer(delay, () => {
      this.flush();
      this.#arm();
    });
  }
}

/** True for a query whose answer includes traffic totals (AFN0C F10, AFN0D F53/F54): flush first. */
export function needsFreshTraffic(request: Pick<Message, "afn" | "groups">): boolean {
  const fns = request.afn === 0x0c ? [10] : request.afn === 0x0d ? [53, 54] : [];
  return fns.length > 0 && request.groups.some((g) => g.fns.some((fn) => fns.includes(fn)));
}
