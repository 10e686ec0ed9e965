/**
 * Slows password guessing: after `maxFailures` wrong passwords in a row from one address, logins from it are
 * refused for `lockMs` (doubling on each further lock, up to `maxLockMs`). Bounded: at most `maxPeers`
 * addresses are tracked; the oldest entry is dropped first.
 */
import type { Clock } from "../../common/clock.ts";

interface Peer {
  failures: number;
  locks: number;
  lockedUntil: number;
}

export class LoginThrottle {
  readonly #clock: Clock;
  readonly #maxFailures: number;
  readonly #lockMs: number;
  readonly #maxLockMs: number;
  readonly #maxPeers: number;
  readonly #peers = new Map<string, Peer>();

  constructor(clock: Clock, maxFailures = 5, lockMs = 30_000, maxLockMs = 15 * 60_000, maxPeers = 256) {
    this.#clock = clock;
    this.#maxFailures = maxFailures;
    this.#lockMs = lockMs;
    this.#maxLockMs = maxLockMs;
    this.#maxPeers = maxPeers;
  }

  /** Milliseconds until `peer` may try again; 0 when it may try now. */
  retryAfterMs(peer: string): number {
    const entry = this.#peers.get(peer);
    if (entry === undefined) return 0;
    return Math.max(0, entry.lockedUntil - this.#clock.now());
  }

  failed(peer: string): void {
    let entry = this.#peers.get(peer);
    if (entry === undefined) {
      if (this.#peers.size >= this.#maxPeers) {
        const oldest = this.#peers.keys().next().value;
        if (oldest !== undefined) this.#peers.delete(oldest);
      }
      entry = { failures: 0, locks: 0, lockedUntil: 0 };
      this.#peers.set(peer, entry);
    }
    entry.failures++;
    if (entry.failures >= this.#maxFailures) {
      entry.lockedUntil = this.#clock.now() + Math.min(this.#maxLockMs, this.#lockMs * 2 ** entry.locks);
      entry.locks++;
      entry.failures = 0;
    }
  }

  succeeded(peer: string): void {
    this.#peers.delete(peer);
  }
}
