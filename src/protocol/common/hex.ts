/** Spaced upper-case hex, the notation used by the golden vectors and in logs. */
export function toHex(bytes: Uint8Array, separator = " "): string {
  let out = "";
  for (let i = 0; i < bytes.length; i++) {
    if (i > 0) out += separator;
    out += ((bytes[i] as number) < 16 ? "0" : "") + (bytes[i] as number).toString(16).toUpperCase();
  }
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
