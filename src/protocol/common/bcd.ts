/** BCD helpers shared by DL/T 645, Q/GDW 1376.1 and 1376.2: two digits a byte, high nibble more significant. */

/** One BCD byte → 0..99, or undefined when a nibble is above 9. */
export function bcdToNumber(byte: number): number | undefined {
  const hi = byte >> 4;
  const lo = byte & 0x0f;
  if (hi > 9 || lo > 9) return undefined;
  return hi * 10 + lo;
}

/** 0..99 → one BCD byte. */
export function numberToBcd(value: number): number {
  return ((Math.floor(value / 10) % 10) << 4) | (value % 10);
}

/**
 * The digit string of BCD bytes, most significant digit first. `lsbFirst` says the first byte holds the
 * least significant pair (the wire order of all three protocols). Undefined on a nibble above 9.
 */
export function bcdDigits(bytes: Uint8Array, lsbFirst: boolean): string | undefined {
  let out = "";
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[lsbFirst ? bytes.length - 1 - i : i] as number;
    const hi = byte >> 4;
    const lo = byte & 0x0f;
    if (hi > 9 || lo > 9) return undefined;
    out += String.fromCharCode(48 + hi, 48 + lo);
  }
  return out;
}

/** A digit string (most significant first, left-padded with zeros) → `n` BCD bytes. Throws on a non-digit. */
export function encodeBcdDigits(digits: string, n: number, lsbFirst: boolean): Uint8Array {
  if (!/^[0-9]*$/.test(digits) || digits.length > n * 2) {
    throw new RangeError(`cannot encode "${digits}" as ${n} BCD bytes`);
  }
  const padded = digits.padStart(n * 2, "0");
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const byte = ((padded.charCodeAt(2 * i) - 48) << 4) | (padded.charCodeAt(2 * i + 1) - 48);
    out[lsbFirst ? n - 1 - i : i] = byte;
  }
  return out;
}

/** Byte → the number 0..99 its two BCD digits make, or -1 when a nibble is above 9 (for hot decoders). */
export const BCD_PAIR_VALUE: Int8Array = Int8Array.from({ length: 256 }, (_, b) => bcdToNumber(b) ?? -1);
