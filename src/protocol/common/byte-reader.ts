import { bcdDigits } from "./bcd.ts";
import { raise } from "./decode-error.ts";

/**
 * Bounds-checked cursor over a `Uint8Array`. Every read names its field so that a failure says what was
 * being read; a read past the end raises `truncated`. Offsets reported in errors are absolute: `base` is the
 * position of `bytes[0]` in the buffer the caller originally decoded.
 */
export class ByteReader {
  readonly bytes: Uint8Array;
  readonly base: number;
  #pos = 0;
  /** Prefix prepended to field names in errors (e.g. `units[2].data`). */
  path: string;

  constructor(bytes: Uint8Array, base = 0, path = "") {
    this.bytes = bytes;
    this.base = base;
    this.path = path;
  }

  get position(): number {
    return this.#pos;
  }

  /** Absolute offset of the next byte, for error reports. */
  get offset(): number {
    return this.base + this.#pos;
  }

  get remaining(): number {
    return this.bytes.length - this.#pos;
  }

  get atEnd(): boolean {
    return this.#pos >= this.bytes.length;
  }

  fieldName(field: string): string {
    return this.path === "" ? field : `${this.path}.${field}`;
  }

  #need(n: number, field: string): void {
    if (this.bytes.length - this.#pos < n) {
      raise({
        code: "truncated",
        field: this.fieldName(field),
        offset: this.offset,
        expected: `${n} bytes`,
        actual: `${this.bytes.length - this.#pos} bytes`,
      });
    }
  }

  u8(field: string): number {
    this.#need(1, field);
    return this.bytes[this.#pos++] as number;
  }

  u16le(field: string): number {
    this.#need(2, field);
    const p = this.#pos;
    this.#pos += 2;
    return (this.bytes[p] as number) | ((this.bytes[p + 1] as number) << 8);
  }

  u24le(field: string): number {
    this.#need(3, field);
    const p = this.#pos;
    this.#pos += 3;
    return (
      (this.bytes[p] as number) | ((this.bytes[p + 1] as number) << 8) | ((this.bytes[p + 2] as number) << 16)
    );
  }

  u32le(field: string): number {
    this.#need(4, field);
    const p = this.#pos;
    this.#pos += 4;
    return (
      ((this.bytes[p] as number) |
        ((this.bytes[p + 1] as number) << 8) |
        ((this.bytes[p + 2] as number) << 16) |
        ((this.bytes[p + 3] as number) << 24)) >>>
      0
    );
  }

  /**
   * Claims the next `n` bytes and returns the index of the first one in `bytes` (raises `truncated` when
   * fewer are left). For hot decoders that read the bytes in place: no view object is created.
   */
  take(n: number, field: string): number {
    this.#need(n, field);
    const p = this.#pos;
    this.#pos = p + n;
    return p;
  }

  /** A view (not a copy) of the next `n` bytes. */
  bytesView(n: number, field: string): Uint8Array {
    this.#need(n, field);
    const view = this.bytes.subarray(this.#pos, this.#pos + n);
    this.#pos += n;
    return view;
  }

  /** The rest of the buffer as a view. */
  rest(): Uint8Array {
    const view = this.bytes.subarray(this.#pos);
    this.#pos = this.bytes.length;
    return view;
  }

  peekU8(field: string): number {
    this.#need(1, field);
    return this.bytes[this.#pos] as number;
  }

  /**
   * Reads `n` BCD bytes stored least-significant byte first (the usual order in all three protocols) and
   * returns the digit string, most significant digit first. Raises `bad-value` on a nibble above 9.
   */
  bcdDigitsLE(n: number, field: string): string {
    const at = this.offset;
    const view = this.bytesView(n, field);
    const digits = bcdDigits(view, true);
    if (digits === undefined) {
      raise({
        code: "bad-value",
        field: this.fieldName(field),
        offset: at,
        expected: "BCD digits",
        actual: hexOf(view),
      });
    }
    return digits;
  }

  skip(n: number, field: string): void {
    this.#need(n, field);
    this.#pos += n;
  }

  /** Raises `trailing-bytes` unless the reader is exhausted. */
  expectEnd(field: string): void {
    if (!this.atEnd) {
      raise({
        code: "trailing-bytes",
        field: this.fieldName(field),
        offset: this.offset,
        expected: "end of data",
        actual: `${this.remaining} more bytes`,
      });
    }
  }
}

function hexOf(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0").toUpperCase()).join(" ");
}
