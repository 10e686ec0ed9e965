/**
 * Q/GDW 1376.1 appendix A data formats A.1 … A.27 (shared/protocol/gw1376-1.md §5 [H] unless marked).
 *
 * One table, `FORMATS`, maps a format id to a codec of fixed width. Conventions shared by every format:
 * - BCD, two digits a byte, high nibble more significant, least significant byte first;
 * - a signed format keeps its sign S in D7 of the most significant byte, so that byte's high digit has 3 bits;
 * - a field the terminal could not fill is all `EE`: it decodes to `null`, and `encode(null)` writes `EE`s.
 *   A field with only SOME bytes `EE` (KSY vectors L16 `EE EE 00 00`, L20/L23 `00 EE EE EE EE`) is invalid
 *   content (undefined): accepting it would make the bytes unreproducible; the message layer decides;
 * - numbers are engineering units, computed from scaled integers so that `decode(encode(v)) === v` for every
 *   value the format can represent; `encode` rejects values with more decimals than the format keeps, but
 *   forgives binary floating-point noise (0.1 + 0.2 encodes as 0.3);
 * - "negative zero" bytes (S set, magnitude 0) decode to 0 and re-encode with S clear: −0 is never produced.
 * `decode` returns undefined for invalid content; `encode` throws a RangeError naming the problem.
 */

import { BCD_PAIR_VALUE } from "../common/bcd.ts";
import type { FormatId, Value } from "./layout.ts";
import { lastByteFirstText, type TextPiece, textTemplate } from "./text-template.ts";

export interface FormatCodec {
  /** Fixed width of the format on the wire. */
  readonly bytes: number;
  /** The value, `null` for all-`EE` ("no data"), or undefined for invalid content. */
  decode(bytes: Uint8Array): Value | undefined;
  /**
   * `decode` of the format's bytes in place, at `buffer[at .. at + bytes)`; the caller has checked that they
   * are there. The layout decoder's path: no view object per value.
   */
  decodeAt(buffer: Uint8Array, at: number): Value | undefined;
  /** The wire bytes of `value`; throws RangeError when the value cannot be represented. */
  encode(value: Value): Uint8Array;
}

const NO_DATA = 0xee;

/** True when the `n` (≥ 1) bytes at `buffer[at]` are all `EE`. */
function isAllNoData(buffer: Uint8Array, at: number, n: number): boolean {
  for (let i = at; i < at + n; i++) if (buffer[i] !== NO_DATA) return false;
  return true;
}

/** Reads the content of a format in place (not all-EE; the bytes are there). */
type DecodeAt = (buffer: Uint8Array, at: number) => Value | undefined;

/** Wraps a codec so that all-EE decodes to null and null encodes to all-EE; also checks the width. */
function withNoData(
  id: FormatId,
  bytes: number,
  decode: DecodeAt,
  encode: (v: Value) => Uint8Array,
): FormatCodec {
  const decodeAt: DecodeAt = (buffer, at) => (isAllNoData(buffer, at, bytes) ? null : decode(buffer, at));
  return {
    bytes,
    decodeAt,
    decode(input) {
      return input.length === bytes ? decodeAt(input, 0) : undefined;
    },
    encode(value) {
      if (value === null) return new Uint8Array(bytes).fill(NO_DATA);
      const out = encode(value);
      if (out.length !== bytes) throw new RangeError(`${id}: internal width error`);
      return out;
    },
  };
}

function toBcdByte(n: number): number {
  return (Math.floor(n / 10) << 4) | (n % 10);
}

// ---------------------------------------------------------------------------------------------------------
// Plain BCD numbers: A.4–A.11, A.13, A.14, A.22, A.23, A.25–A.27
// ---------------------------------------------------------------------------------------------------------

interface NumericSpec {
  readonly bytes: number;
  /** Digits after the decimal point. */
  readonly decimals: number;
  /** Sign S in D7 of the most significant byte; that byte's high digit then has only 3 bits (0..7). */
  readonly signed: boolean;
}

/**
 * The BCD digits of `buffer[at .. at + n)` (least significant pair first) as an integer, or -1 on a bad
 * nibble. `topMask` clears bits of the most significant byte first (0x7f drops a sign bit S).
 */
function bcdIntegerAt(buffer: Uint8Array, at: number, n: number, topMask: number): number {
  let magnitude = BCD_PAIR_VALUE[(buffer[at + n - 1] as number) & topMask] as number;
  if (magnitude < 0) return -1;
  for (let i = at + n - 2; i >= at; i--) {
    const pair = BCD_PAIR_VALUE[buffer[i] as number] as number;
    if (pair < 0) return -1;
    magnitude = magnitude * 100 + pair;
  }
  return magnitude;
}

function encodeScaled(
  id: FormatId,
  magnitude: number,
  negative: boolean,
  n: number,
  signed: boolean,
): Uint8Array {
  const limit = 10 ** (2 * n) / (signed ? 1.25 : 1); // signed: top digit 0..7 → 8 × 10^(2n−1)
  if (!Number.isSafeInteger(magnitude) || magnitude < 0 || magnitude >= limit) {
    throw new RangeError(`${id}: magnitude ${magnitude} out of range`);
  }
  const out = new Uint8Array(n);
  let rest = magnitude;
  for (let i = 0; i < n; i++) {
    out[i] = toBcdByte(rest % 100);
    rest = Math.floor(rest / 100);
  }
  if (signed && negative && magnitude !== 0) out[n - 1] = (out[n - 1] as number) | 0x80;
  return out;
}

/** A finite number with at most `decimals` decimals → its scaled integer; throws otherwise. */
function scaleExactly(id: FormatId, value: Value, decimals: number): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new RangeError(`${id}: expected a finite number, got ${JSON.stringify(value)}`);
  }
  const scaled = nearestInteger(value * 10 ** decimals);
  if (scaled === undefined) throw new RangeError(`${id}: ${value} has more than ${decimals} decimals`);
  return scaled;
}

/**
 * `x` rounded when it is an integer up to binary floating-point noise (so 0.1 + 0.2 encodes as 0.3 in a
 * 1-decimal format), undefined when it has a real fractional part (220.15 in a 1-decimal format).
 */
function nearestInteger(x: number): number | undefined {
  const n = Math.round(x);
  return Math.abs(x - n) <= Math.max(1e-9, Math.abs(n) * 1e-12) ? n : undefined;
}

function numeric(id: FormatId, spec: NumericSpec): FormatCodec {
  const factor = 10 ** spec.decimals;
  const n = spec.bytes;
  const topMask = spec.signed ? 0x7f : 0xff;
  return withNoData(
    id,
    n,
    (buffer, at) => {
      const magnitude = bcdIntegerAt(buffer, at, n, topMask);
      if (magnitude < 0) return undefined;
      const abs = magnitude / factor;
      const negative = spec.signed && ((buffer[at + n - 1] as number) & 0x80) !== 0;
      return negative && magnitude !== 0 ? -abs : abs;
    },
    (value) => {
      const scaled = scaleExactly(id, value, spec.decimals);
      if (scaled < 0 && !spec.signed)
        throw new RangeError(`${id}: negative value ${value} in an unsigned format`);
      return encodeScaled(id, Math.abs(scaled), scaled < 0, spec.bytes, spec.signed);
    },
  );
}

// ---------------------------------------------------------------------------------------------------------
// A.2: ±XXX × 10^k with the exponent in G3..G1 (b2 = [G3 G2 G1 S][hundreds])
// ---------------------------------------------------------------------------------------------------------

/** G3G2G1 code → decimal exponent: 000 → 10⁴ … 100 → 10⁰ … 111 → 10⁻³ (LIM code, §5 [H]). */
const A2_EXPONENTS = [4, 3, 2, 1, 0, -1, -2, -3] as const;

function a2Value(mantissa: number, exponent: number): number {
  return exponent < 0 ? mantissa / 10 ** -exponent : mantissa * 10 ** exponent;
}

const FORMAT_A2 = withNoData(
  "A.2",
  2,
  (buffer, at) => {
    const b2 = buffer[at + 1] as number;
    const low = BCD_PAIR_VALUE[buffer[at] as number] as number;
    const hundreds = b2 & 0x0f;
    if (low < 0 || hundreds > 9) return undefined;
    const exponent = A2_EXPONENTS[b2 >> 5] as number;
    const mantissa = hundreds * 100 + low;
    const magnitude = a2Value(mantissa, exponent);
    const negative = (b2 & 0x10) !== 0 && mantissa !== 0;
    return { value: negative ? -magnitude : magnitude, exponent };
  },
  (value) => {
    const { number, exponent: given } = readNumberWith(value, "A.2", "exponent");
    const code = A2_EXPONENTS.indexOf(given as (typeof A2_EXPONENTS)[number]);
    if (code < 0) throw new RangeError(`A.2: exponent ${JSON.stringify(given)} is not one of 4..-3`);
    const exponent = A2_EXPONENTS[code] as number;
    const magnitude = Math.abs(number);
    const mantissa = nearestInteger(exponent < 0 ? magnitude * 10 ** -exponent : magnitude / 10 ** exponent);
    if (mantissa === undefined || mantissa > 999) {
      throw new RangeError(`A.2: ${number} is not a 3-digit mantissa × 10^${exponent}`);
    }
    const sign = number < 0 && mantissa !== 0 ? 0x10 : 0;
    return Uint8Array.of(toBcdByte(mantissa % 100), (code << 5) | sign | Math.floor(mantissa / 100));
  },
);

/** Reads `{ value: number, [key]: … }` for the formats whose value carries an extra qualifier. */
function readNumberWith(value: Value, id: FormatId, key: string): { number: number; exponent: Value } {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new RangeError(`${id}: expected { value, ${key} }, got ${JSON.stringify(value)}`);
  }
  const record = value as { readonly [k: string]: Value };
  const number = record.value;
  if (typeof number !== "number" || !Number.isFinite(number)) {
    throw new RangeError(`${id}: value must be a finite number`);
  }
  return { number, exponent: record[key] ?? null };
}

// ---------------------------------------------------------------------------------------------------------
// A.3: ±XXXXXXX with unit flag G (b4 = [0][G][0][S][millions])
// G = 0 → kWh (or 厘 = 0.001 CNY for money fields), G = 1 → MWh (or 元 = CNY). The value keeps the wire
// number and names the unit so that nothing is lost; money fields read "kWh" as 厘 and "MWh" as 元.
// ---------------------------------------------------------------------------------------------------------

const FORMAT_A3 = withNoData(
  "A.3",
  4,
  (buffer, at) => {
    const b4 = buffer[at + 3] as number;
    if ((b4 & 0xa0) !== 0 || (b4 & 0x0f) > 9) return undefined;
    const low = bcdIntegerAt(buffer, at, 3, 0xff);
    if (low < 0) return undefined;
    const magnitude = (b4 & 0x0f) * 1_000_000 + low;
    const negative = (b4 & 0x10) !== 0 && magnitude !== 0;
    return { value: negative ? -magnitude : magnitude, unit: (b4 & 0x40) !== 0 ? "MWh" : "kWh" };
  },
  (value) => {
    const { number, exponent: unit } = readNumberWith(value, "A.3", "unit");
    if (unit !== "kWh" && unit !== "MWh") throw new RangeError(`A.3: unit must be "kWh" or "MWh"`);
    if (!Number.isInteger(number) || Math.abs(number) > 9_999_999) {
      throw new RangeError(`A.3: ${number} is not an integer of at most 7 digits`);
    }
    const magnitude = Math.abs(number);
    const out = new Uint8Array(4);
    out.set(encodeScaled("A.3", magnitude % 1_000_000, false, 3, false));
    const sign = number < 0 ? 0x10 : 0;
    out[3] = (unit === "MWh" ? 0x40 : 0) | sign | Math.floor(magnitude / 1_000_000);
    return out;
  },
);

// ---------------------------------------------------------------------------------------------------------
// Dates and times: fixed readable strings, years 20YY
// ---------------------------------------------------------------------------------------------------------

type Part = "ss" | "mm" | "hh" | "DD" | "MM" | "YY";

const RANGES: Record<Part, readonly [number, number]> = {
  ss: [0, 59],
  mm: [0, 59],
  hh: [0, 23],
  DD: [1, 31],
  MM: [1, 12],
  YY: [0, 99],
};

const PATTERN_PART: Record<Part, string> = { ss: "ss", mm: "mm", hh: "hh", DD: "DD", MM: "MM", YY: "20YY" };

/**
 * The text reader of a timestamp (wire order, text pattern, valid ranges): returns undefined on a bad nibble or
 * a part out of range. `masks[i]` is ANDed into wire byte i first (A.1 keeps the weekday in the month byte).
 */
function timeTextReader(
  wire: readonly Part[],
  pattern: string,
  ranges: Record<Part, readonly [number, number]>,
  masks: readonly number[] = [],
): (buffer: Uint8Array, at: number) => string | undefined {
  // Hot path (every frozen-data answer carries several timestamps): check each wire byte against its range,
  // then spell the pattern with one generated call (text-template.ts).
  const pieces: TextPiece[] = [];
  for (const token of patternTokens(pattern)) {
    if (!isPart(token)) {
      pieces.push({ literal: token });
      continue;
    }
    const byte = wire.indexOf(token);
    if (byte < 0) throw new RangeError(`format table: ${token} of "${pattern}" is not on the wire`);
    if (token === "YY") pieces.push({ literal: "20" });
    const mask = masks[byte] ?? 0xff;
    pieces.push({ byte, high: true, mask }, { byte, high: false, mask });
  }
  const spell = textTemplate(pieces);
  const wireMask = wire.map((_, i) => masks[i] ?? 0xff);
  const wireMin = wire.map((part) => ranges[part][0]);
  const wireMax = wire.map((part) => ranges[part][1]);
  const n = wire.length;
  return (buffer, at) => {
    for (let i = 0; i < n; i++) {
      const value = BCD_PAIR_VALUE[(buffer[at + i] as number) & (wireMask[i] as number)] as number;
      // a bad nibble is -1, below every minimum
      if (value < (wireMin[i] as number) || value > (wireMax[i] as number)) return undefined;
    }
    return spell(buffer, at);
  };
}

function patternTokens(pattern: string): string[] {
  return pattern.split(/(YY|MM|DD|hh|mm|ss)/).filter((t) => t !== "");
}

function isPart(token: string): token is Part {
  return token in RANGES;
}

/**
 * A timestamp format given by its wire order (first byte first) and its text pattern, e.g.
 * `["mm","hh","DD","MM","YY"]` with `"YY-MM-DD hh:mm"` (the pattern writes `YY` as the 4-digit year 20YY).
 */
function timestamp(
  id: FormatId,
  wire: readonly Part[],
  pattern: string,
  overrides: Partial<Record<Part, readonly [number, number]>> = {},
): FormatCodec {
  const ranges: Record<Part, readonly [number, number]> = { ...RANGES, ...overrides };
  const inRange = (part: Part, n: number): boolean => n >= ranges[part][0] && n <= ranges[part][1];
  const tokens = patternTokens(pattern);
  const regex = new RegExp(
    `^${tokens.map((t) => (isPart(t) ? (t === "YY" ? "20(\\d\\d)" : "(\\d\\d)") : escapeRegex(t))).join("")}$`,
  );
  const order = tokens.filter(isPart);
  return withNoData(id, wire.length, timeTextReader(wire, pattern, ranges), (value) => {
    const match = typeof value === "string" ? regex.exec(value) : null;
    if (match === null)
      throw new RangeError(`${id}: expected "${patternText(pattern)}", got ${JSON.stringify(value)}`);
    const parts = new Map<Part, number>();
    order.forEach((part, i) => {
      const n = Number(match[i + 1]);
      if (!inRange(part, n))
        throw new RangeError(`${id}: ${PATTERN_PART[part]} ${n} out of range in "${value}"`);
      parts.set(part, n);
    });
    return Uint8Array.from(wire, (part) => toBcdByte(parts.get(part) ?? 0));
  });
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function patternText(pattern: string): string {
  return pattern.replace("YY", "20YY");
}

/** A.1: ss mm hh DD [weekday D7..D5 | month] YY → `{ time: "2023-11-15 14:30:05", weekday: 0..7 }`. */
const A1_WIRE: readonly Part[] = ["ss", "mm", "hh", "DD", "MM", "YY"];
const A1_PATTERN = "YY-MM-DD hh:mm:ss";
const A1_TIME = timestamp("A.1", A1_WIRE, A1_PATTERN);
/** The A.1 time text with the weekday bits of the month byte masked off. */
const A1_TIME_TEXT = timeTextReader(A1_WIRE, A1_PATTERN, RANGES, [0xff, 0xff, 0xff, 0xff, 0x1f, 0xff]);

const FORMAT_A1 = withNoData(
  "A.1",
  6,
  (buffer, at) => {
    const time = A1_TIME_TEXT(buffer, at);
    // weekday 0 = not given (vector X22), 1..7 = Monday..Sunday
    return time === undefined ? undefined : { time, weekday: (buffer[at + 4] as number) >> 5 };
  },
  (value) => {
    const { number: weekday, exponent: time } = readA1(value);
    const bytes = A1_TIME.encode(time);
    bytes[4] = (bytes[4] as number) | (weekday << 5);
    return bytes;
  },
);

function readA1(value: Value): { number: number; exponent: Value } {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new RangeError(`A.1: expected { time, weekday }, got ${JSON.stringify(value)}`);
  }
  const record = value as { readonly [k: string]: Value };
  const weekday = record.weekday;
  if (typeof weekday !== "number" || !Number.isInteger(weekday) || weekday < 0 || weekday > 7) {
    throw new RangeError(`A.1: weekday must be 0 (not given) or 1..7 (Mon..Sun)`);
  }
  if (typeof record.time !== "string") throw new RangeError(`A.1: time must be "20YY-MM-DD hh:mm:ss"`);
  return { number: weekday, exponent: record.time };
}

// ---------------------------------------------------------------------------------------------------------
// Digit strings: A.12 (12 digits, meter/collector addresses)
// ---------------------------------------------------------------------------------------------------------

function digitString(id: FormatId, bytes: number): FormatCodec {
  const spell = lastByteFirstText(bytes);
  return withNoData(
    id,
    bytes,
    (buffer, at) => {
      for (let i = at; i < at + bytes; i++)
        if ((BCD_PAIR_VALUE[buffer[i] as number] as number) < 0) return undefined;
      return spell(buffer, at);
    },
    (value) => {
      if (typeof value !== "string" || !/^\d+$/.test(value) || value.length !== 2 * bytes) {
        throw new RangeError(`${id}: expected a ${2 * bytes}-digit string, got ${JSON.stringify(value)}`);
      }
      const out = new Uint8Array(bytes);
      for (let i = 0; i < bytes; i++) {
        const at = value.length - 2 * (i + 1);
        out[i] = toBcdByte(Number(value.slice(at, at + 2)));
      }
      return out;
    },
  );
}

/** The table of appendix-A formats. */
export const FORMATS: Readonly<Record<FormatId, FormatCodec>> = {
  "A.1": FORMAT_A1,
  "A.2": FORMAT_A2,
  "A.3": FORMAT_A3,
  // A.4: [S0][tens 3 bits][units], a percentage; S0 = 1 means "downward" and decodes as a negative number.
  "A.4": numeric("A.4", { bytes: 1, decimals: 0, signed: true }),
  "A.5": numeric("A.5", { bytes: 2, decimals: 1, signed: true }),
  "A.6": numeric("A.6", { bytes: 2, decimals: 2, signed: true }),
  "A.7": numeric("A.7", { bytes: 2, decimals: 1, signed: false }),
  "A.8": numeric("A.8", { bytes: 2, decimals: 0, signed: false }),
  "A.9": numeric("A.9", { bytes: 3, decimals: 4, signed: true }),
  "A.10": numeric("A.10", { bytes: 3, decimals: 0, signed: false }),
  "A.11": numeric("A.11", { bytes: 4, decimals: 2, signed: false }),
  "A.12": digitString("A.12", 6),
  "A.13": numeric("A.13", { bytes: 4, decimals: 4, signed: false }),
  "A.14": numeric("A.14", { bytes: 5, decimals: 4, signed: false }),
  "A.15": timestamp("A.15", ["mm", "hh", "DD", "MM", "YY"], "YY-MM-DD hh:mm"),
  "A.16": timestamp("A.16", ["ss", "mm", "hh", "DD"], "DD hh:mm:ss"),
  "A.17": timestamp("A.17", ["mm", "hh", "DD", "MM"], "MM-DD hh:mm"),
  // A.18 accepts day 00: AFN04 F33's broadcast time-sync time is sent as `00 00 00` by a real master
  // (vector X18), read as "every day" [M].
  "A.18": timestamp("A.18", ["mm", "hh", "DD"], "DD hh:mm", { DD: [0, 31] }),
  "A.19": timestamp("A.19", ["mm", "hh"], "hh:mm"),
  "A.20": timestamp("A.20", ["DD", "MM", "YY"], "YY-MM-DD"),
  "A.21": timestamp("A.21", ["MM", "YY"], "YY-MM"),
  "A.22": numeric("A.22", { bytes: 1, decimals: 1, signed: false }),
  "A.23": numeric("A.23", { bytes: 3, decimals: 4, signed: false }),
  // A.24 [L]: "day/hour pair", no source found (§5, §8.4). Most plausible reading, by analogy with A.18:
  // byte 1 = hour (BCD), byte 2 = day (BCD), shown as "DD hh". Verify against a device before relying on it.
  "A.24": timestamp("A.24", ["hh", "DD"], "DD hh"),
  "A.25": numeric("A.25", { bytes: 3, decimals: 3, signed: true }),
  "A.26": numeric("A.26", { bytes: 2, decimals: 3, signed: false }),
  // A.27: 8 BCD digits, low pair first. Decoded as a number (counts such as purchase numbers), not a string.
  "A.27": numeric("A.27", { bytes: 4, decimals: 0, signed: false }),
};

/** Every format id, in appendix order (for tests and tools). */
export const FORMAT_IDS = Object.keys(FORMATS) as readonly FormatId[];
