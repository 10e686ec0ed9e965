/**
 * Logged-in sessions of the web interface, in memory (a restart logs everyone out, which is fine for a
 * maintenance interface). A session ends after `idleMs` without a request or `maxAgeMs` after login,
 * whichever comes first; at most `maxSessions` live at once (the least recently used goes first).
 * Each session carries its own CSRF token, which state-changing requests must echo in a header.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import type { Clock } from "../../common/clock.ts";

export interface SessionOptions {
  readonly clock: Clock;
  readonly idleMs?: number;
  readonly maxAgeMs?: number;
  readonly maxSessions?: number;
  /**
   * The credential a session was opened under (the stored password hash): when it changes — also through
   * `opendcu web set-password` while the daemon runs — every older session ends.
   */
  readonly credential?: () => string | undefined;
}

export interface Session {
  readonly id: string;
  readonly csrfToken: string;
  readonly createdAt: number;
  readonly credential: string | undefined;
  lastSeenAt: number;
}

export const DEFAULT_IDLE_MS = 15 * 60_000;
export const DEFAULT_MAX_AGE_MS = 8 * 60 * 60_000;
export const DEFAULT_MAX_SESSIONS = 32;

function token(): string {
  return randomBytes(32).toString("base64url");
}

export class SessionStore {
  readonly idleMs: number;
  readonly maxAgeMs: number;
  readonly #clock: Clock;
  readonly #max: number;
  readonly #credential: () => string | undefined;
  /** Insertion order = least recently used first (touch re-inserts). */
  readonly #sessions = new Map<string, Session>();

  constructor(options: SessionOptions) {
    this.#clock = options.clock;
    this.idleMs = options.idleMs ?? DEFAULT_IDLE_MS;
    this.maxAgeMs = options.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
    this.#max = options.maxSessions ?? DEFAULT_MAX_SESSIONS;
    this.#credential = options.credential ?? (() => undefined);
  }

  create(): Session {
    this.#expire();
    while (this.#sessions.size >= this.#max) {
      const oldest = this.#sessions.keys().next().value;
      if (oldest === undefined) break;
      this.#sessions.delete(oldest);
    }
    const now = this.#clock.now();
    const session: Session = {
      id: token(),
      csrfToken: token(),
      createdAt: now,
      credential: this.#credential(),
      lastSeenAt: now,
    };
    this.#sessions.set(session.id, session);
    return session;
  }

  /** The live session with this id (and marks it used), or undefined when unknown or timed out. */
  touch(id: string | undefined): Session | undefined {
    if (id === undefined) return undefined;
    const session = this.#sessions.get(id);
    if (session === undefined) return undefined;
    const now = this.#clock.now();
    if (this.#isExpired(session, now) || session.credential !== this.#credential()) {
      this.#sessions.delete(id);
      return undefined;
    }
    session.lastSeenAt = now;
    this.#sessions.delete(id);
    this.#sessions.set(id, session);
    return session;
  }

  destroy(id: string): void {
    this.#sessions.delete(id);
  }

  /** Ends every session (after a password change). */
  clear(): void {
    this.#sessions.clear();
  }

  get size(): number {
    this.#expire();
    return this.#sessions.size;
  }

  #isExpired(session: Session, now: number): boolean {
    return now - session.lastSeenAt >= this.idleMs || now - session.createdAt >= this.maxAgeMs;
  }

  #expire(): void {
    const now = this.#clock.now();
    for (const [id, session] of this.#sessions) if (this.#isExpired(session, now)) this.#sessions.delete(id);
  }
}

/** Constant-time comparison of a presented CSRF token with the session's. */
export function csrfTokenMatches(session: Session, presented: string | undefined): boolean {
  if (presented === undefined) return false;
  const a = Buffer.from(session.csrfToken);
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}
