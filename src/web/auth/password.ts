/**
 * The web password, hashed at rest with scrypt (node:crypto) in the store's kv table. The stored form is
 * self-describing — `scrypt$N$r$p$salt$hash` (base64) — so the cost can be raised later without breaking
 * existing hashes. Comparison is constant-time.
 */
import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import type { KvRepository } from "../../store/kv-repo.ts";

/** kv key of the stored hash. */
export const KEY_PASSWORD_HASH = "web.passwordHash";
export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 256;

/** scrypt cost: N = 2^14, r = 8, p = 1 (16 MiB, tens of milliseconds on a small ARM box). */
const COST = { N: 16384, r: 8, p: 1 } as const;
const KEY_BYTES = 32;

function derive(password: string, salt: Buffer, N: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(
      password.normalize("NFC"),
      salt,
      KEY_BYTES,
      { N, r, p, maxmem: 64 * 1024 * 1024 },
      (error, key) => {
        if (error) reject(error);
        else resolve(key);
      },
    );
  });
}

/** A reason the password is not acceptable, or undefined. */
export function passwordProblem(password: string): string | undefined {
  if (password.length < MIN_PASSWORD_LENGTH) return `must be at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > MAX_PASSWORD_LENGTH) return `must be at most ${MAX_PASSWORD_LENGTH} characters`;
  return undefined;
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, COST.N, COST.r, COST.p);
  return `scrypt$${COST.N}$${COST.r}$${COST.p}$${salt.toString("base64")}$${key.toString("base64")}`;
}

/** True when `password` matches `stored`; false for a wrong password or a malformed stored value. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![N, r, p].every((n) => Number.isInteger(n) && n > 0) || N > 1 << 20) return false;
  const salt = Buffer.from(parts[4] as string, "base64");
  const expected = Buffer.from(parts[5] as string, "base64");
  if (expected.length !== KEY_BYTES) return false;
  const actual = await derive(password, salt, N, r, p);
  return timingSafeEqual(actual, expected);
}

/** The password hash kept in the database (so a backup or a moved database keeps its password). */
export class PasswordStore {
  readonly #kv: KvRepository;

  constructor(kv: KvRepository) {
    this.#kv = kv;
  }

  isSet(): boolean {
    return this.storedHash() !== undefined;
  }

  /** The stored hash (sessions remember it, so a password change ends them). */
  storedHash(): string | undefined {
    return this.#kv.getString(KEY_PASSWORD_HASH);
  }

  async set(password: string): Promise<void> {
    const problem = passwordProblem(password);
    if (problem !== undefined) throw new RangeError(`password ${problem}`);
    this.#kv.set(KEY_PASSWORD_HASH, await hashPassword(password));
  }

  async verify(password: string): Promise<boolean> {
    const stored = this.#kv.getString(KEY_PASSWORD_HASH);
    if (stored === undefined || password.length > MAX_PASSWORD_LENGTH) return false;
    return verifyPassword(password, stored);
  }
}
