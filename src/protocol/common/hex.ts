const BYTE_HEX: readonly string[] = Array.from({ length: 256 }, (_, b) =>
  b.toString(16).toUpperCase().padStart(2, "0"),
);

/** One byte as two upper-case hex digits. */
export function byteHex(byte: number): string {
  return BYTE_HEX[byte & 0xff] as string;
}

/** Spaced upper-case hex, the notation used by the golden vectors and in logs. */
export function toHex(bytes: Uint8Array, separator = " "): string {
  if (bytes.length === 0) return "";
  let out = BYTE_HEX[bytes[0] as number] as string;
  for (let i = 1; i < bytes.length; i++) out += separator + (BYTE_HEX[bytes[i] as number] as string);
  return out;
}

/** Spaced (or `separator`-joined) upper-case hex of `bytes[start..end)`, without making a view. */
export function toHexRange(bytes: Uint8Array, start: number, end: number, separator = " "): string {
  if (end <= start) return "";
  let out = BYTE_HEX[bytes[start] as number] as string;
  for (let i = start + 1; i < end; i++) out += separator + (BYTE_HEX[bytes[i] as number] as string);
  return out;
}

/**
 * Parses hex with optional spaces, colons, commas or `0x` prefixes. Returns undefined on any character that
 * is not hex or on an odd digit count, so callers can name the bad input.
 */
export function fromHex(text: string): Uint8Array | undefined {
  return fromSpacedHex(text) ?? fromLooseHex(text);
}

/** Value of a hex digit's char code, or -1 (a table: the encoders parse every opaque field with it). */
const HEX_DIGIT_VALUE: Int8Array = Int8Array.from({ length: 128 }, (_, c) => {
  const ch = String.fromCharCode(c);
  return /[0-9a-fA-F]/.test(ch) ? Number.parseInt(ch, 16) : -1;
});

function hexDigit(text: string, i: number): number {
  const c = text.charCodeAt(i);
  return c < 128 ? (HEX_DIGIT_VALUE[c] as number) : -1;
}

/** The notation `toHex` writes ("0A 1B", one space between pairs) without regular expressions, else undefined. */
function fromSpacedHex(text: string): Uint8Array | undefined {
  if (text.length === 0) return new Uint8Array(0);
  if (text.length % 3 !== 2) return undefined;
  const out = new Uint8Array((text.length + 1) / 3);
  for (let i = 0; i < out.length; i++) {
    const at = 3 * i;
    const hi = hexDigit(text, at);
    const lo = hexDigit(text, at + 1);
    if (hi < 0 || lo < 0 || (i > 0 && text.charCodeAt(at - 1) !== 32)) return undefined;
    out[i] = (hi << 4) | lo;
  }
  return out;
}

function fromLooseHex(text: string): Uint8Array | undefined {
  const clean = text.replace(/0x/gi, "").replace(/[\s,:;-]+/g, "");
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) return undefined;
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}
