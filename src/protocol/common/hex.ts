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
  const clean = text.replace(/0x/gi, "").replace(/[\s,:;-]+/g, "");
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) return undefined;
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}
