import { encodeBcdDigits } from "./bcd.ts";

/** Growable little-endian byte writer; `finish()` returns a right-sized copy. */
export class ByteWriter {
  #buf: Uint8Array;
  #len = 0;

  constructor(initialCapacity = 256) {
    this.#buf = new Uint8Array(initialCapacity);
  }

  get length(): number {
    return this.#len;
  }

  #ensure(n: number): void {
    if (this.#len + n <= this.#buf.length) return;
    let cap = this.#buf.length * 2;
    while (cap < this.#len + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.#buf.subarray(0, this.#len));
    this.#buf = next;
  }

  u8(value: number): this {
    this.#ensure(1);
    this.#buf[this.#len++] = value & 0xff;
    return this;
  }

  u16le(value: number): this {
    this.#ensure(2);
    this.#buf[this.#len++] = value & 0xff;
    this.#buf[this.#len++] = (value >>> 8) & 0xff;
    return this;
  }

  u24le(value: number): this {
    this.#ensure(3);
    this.#buf[this.#len++] = value & 0xff;
    this.#buf[this.#len++] = (value >>> 8) & 0xff;
    this.#buf[this.#len++] = (value >>> 16) & 0xff;
    return this;
  }

  u32le(value: number): this {
    this.#ensure(4);
    this.#buf[this.#len++] = value & 0xff;
    this.#buf[this.#len++] = (value >>> 8) & 0xff;
    this.#buf[this.#len++] = (value >>> 16) & 0xff;
    this.#buf[this.#len++] = (value >>> 24) & 0xff;
    return this;
  }

  bytes(data: Uint8Array | readonly number[]): this {
    this.#ensure(data.length);
    this.#buf.set(data, this.#len);
    this.#len += data.length;
    return this;
  }

  fill(value: number, count: number): this {
    this.#ensure(count);
    this.#buf.fill(value & 0xff, this.#len, this.#len + count);
    this.#len += count;
    return this;
  }

  /** Writes a digit string (most significant first) as `n` BCD bytes, least significant byte first. */
  bcdDigitsLE(digits: string, n: number): this {
    return this.bytes(encodeBcdDigits(digits, n, true));
  }

  /** Overwrites one already-written byte (for lengths and checksums known only at the end). */
  setU8(at: number, value: number): this {
    this.#buf[at] = value & 0xff;
    return this;
  }

  finish(): Uint8Array {
    return this.#buf.slice(0, this.#len);
  }
}
