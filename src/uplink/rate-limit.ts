/**
 * Input rate limiting per connection, so one flooding peer cannot take the daemon's time from the other
 * masters (issue 6, conventions §15). Two token buckets per link: bytes (checked per received chunk, before
 * any splitting or decoding) and requests (checked per valid request, before it is queued).
 *
 * The byte bucket may go into debt: a chunk is accepted whenever the bucket is not empty and then charged in
 * full, so a chunk larger than the burst (a socket read can be 64 KiB) is never refused outright, while the
 * average rate still holds. Refused input is dropped and counted, never answered (an answer would cost the
 * flooder nothing and us bandwidth).
 */
import { z } from "zod";
import type { Clock } from "../common/clock.ts";

export const RATE_LIMIT_SCHEMA = z.object({
  /** Sustained input bytes per second per connection. */
  bytesPerSecond: z
    .number()
    .int()
    .min(1)
    .default(1024 * 1024),
  /** Bytes a connection may send at once above the sustained rate. */
  burstBytes: z
    .number()
    .int()
    .min(1)
    .default(4 * 1024 * 1024),
  /** Sustained requests per second per connection. */
  requestsPerSecond: z.number().int().min(1).default(500),
  burstRequests: z.number().int().min(1).default(1000),
});

export type RateLimitOptions = z.infer<typeof RATE_LIMIT_SCHEMA>;

export const DEFAULT_RATE_LIMIT: RateLimitOptions = {
  bytesPerSecond: 1024 * 1024,
  burstBytes: 4 * 1024 * 1024,
  requestsPerSecond: 500,
  burstRequests: 1000,
};

export class TokenBucket {
  readonly #capacity: number;
  readonly #perMs: number;
  readonly #clock: Clock;
  #tokens: number;
  #at: number;

  constructor(capacity: number, perSecond: number, clock: Clock) {
    this.#capacity = capacity;
    this.#perMs = perSecond / 1000;
    this.#clock = clock;
    this.#tokens = capacity;
    this.#at = clock.now();
  }

  /** Tokens available now (negative while in debt). */
  get tokens(): number {
    this.#refill();
    return this.#tokens;
  }

  /** Takes `n` tokens if all are there. */
  take(n = 1): boolean {
    this.#refill();
    if (this.#tokens < n) return false;
    this.#tokens -= n;
    return true;
  }

  /** Takes `n` tokens if the bucket is not empty, possibly going into debt. */
  charge(n: number): boolean {
    this.#refill();
    if (this.#tokens <= 0) return false;
    this.#tokens -= n;
    return true;
  }

  #refill(): void {
    const now = this.#clock.now();
    // A clock set backwards (the master sets the terminal clock) must not freeze the bucket.
    const elapsed = Math.max(0, now - this.#at);
    this.#at = now;
    this.#tokens = Math.min(this.#capacity, this.#tokens + elapsed * this.#perMs);
  }
}

/** The two buckets of one connection. */
export class InputRateLimiter {
  readonly #bytes: TokenBucket;
  readonly #requests: TokenBucket;

  constructor(options: RateLimitOptions, clock: Clock) {
    this.#bytes = new TokenBucket(options.burstBytes, options.bytesPerSecond, clock);
    this.#requests = new TokenBucket(options.burstRequests, options.requestsPerSecond, clock);
  }

  /** Whether a received chunk may be processed. */
  acceptBytes(n: number): boolean {
    return this.#bytes.charge(n);
  }

  /** Whether one more request may be queued. */
  acceptRequest(): boolean {
    return this.#requests.take(1);
  }
}

/** Log only the 1st, 10th, 100th, … occurrence of a repeated drop, so a flood does not flood the log. */
export function worthLogging(count: number): boolean {
  if (count <= 0) return false;
  const magnitude = 10 ** Math.floor(Math.log10(count));
  return count === magnitude;
}
