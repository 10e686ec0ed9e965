/**
 * DL/T 645 data formats, declared as data: every identifier row in `di-table-2007.ts` / `di-table-1997.ts`
 * names one `DataFormat`, and `decodeValue` / `encodeValue` are derived from it, so a row is enough to both
 * read and answer an identifier.
 *
 * All multi-byte values travel least significant byte first (DL/T 645-2007 §4.3 [H]); the +0x33 scrambling
 * is undone by the frame layer before these functions see the bytes.
 */
import { encodeBcdDigits } from "../common/bcd.ts";
import { ByteReader } from "../common/byte-reader.ts";
import { ByteWriter } from "../common/byte-writer.ts";
import { raise } from "../common/decode-error.ts";

/** Calendar patterns, most significant field first, as the standard writes them (YYMMDDhhmm…). */
export type TimePattern =
  | "YYMMDDhhmmss"
  | "YYMMDDhhmm"
  | "YYMMDDWW"
  | "YYMMDDWWhhmmss"
  | "hhmmss"
  | "MMDDhhmm"
  | "DDhh";

export type DataFormat =
  /** BCD number with `decimals` implied decimals (XXXXXX.XX = 4 bytes, 2 decimals). `signed`: the top bit of
   * the most significant byte is the sign (DL/T 645-2007 Appendix A: "最高位表示方向" [H]). */
  | { readonly kind: "bcd"; readonly bytes: number; readonly decimals: number; readonly signed?: boolean }
  /** Calendar value in BCD, rendered as text such as `2026-11-26 10:52:00`. */
  | { readonly kind: "time"; readonly pattern: TimePattern }
  /** BCD digit string kept as text (addresses, meter numbers). */
  | { readonly kind: "digits"; readonly bytes: number }
  /** Bit string (status words), an unsigned little-endian integer. */
  | { readonly kind: "word"; readonly bytes: 1 | 2 | 3 | 4 }
  /** A fixed sequence of named parts. */
  | {
      readonly kind: "record";
      readonly fields: readonly { readonly name: string; readonly format: DataFormat }[];
    }
  /** `count` values of one format. */
  | { readonly kind: "array"; readonly element: DataFormat; readonly count: number }
  /** A block: between `min` and `max` values of one format, as many as the data holds (tariff blocks). */
  | { readonly kind: "repeat"; readonly element: DataFormat; readonly min: number; readonly max: number };

export type DataValue = number | string | readonly DataValue[] | { readonly [name: string]: DataValue };

/** Fixed length in bytes, or undefined for a `repeat` (variable) format. */
export function formatLength(format: DataFormat): number | undefined {
  switch (format.kind) {
    case "bcd":
    case "digits":
    case "word":
      return format.bytes;
    case "time":
      return TIME_TEMPLATES[format.pattern].bytes;
    case "record": {
      let sum = 0;
      for (const f of format.fields) {
        const n = formatLength(f.format);
        if (n === undefined) return undefined;
        sum += n;
      }
      return sum;
    }
    case "array": {
      const n = formatLength(format.element);
      return n === undefined ? undefined : n * format.count;
    }
    case "repeat":
      return undefined;
  }
}

interface TimeTemplate {
  readonly bytes: number;
  /** Rendering with `{XX}` placeholders, in the pattern's digit order. */
  readonly text: string;
}

/** How each calendar pattern is shown. Years are 20YY (meters carry two digits). */
const TIME_TEMPLATES: Record<TimePattern, TimeTemplate> = {
  YYMMDDhhmmss: { bytes: 6, text: "20{YY}-{MM}-{DD} {hh}:{mm}:{ss}" },
  YYMMDDhhmm: { bytes: 5, text: "20{YY}-{MM}-{DD} {hh}:{mm}" },
  YYMMDDWW: { bytes: 4, text: "20{YY}-{MM}-{DD} w{WW}" },
  YYMMDDWWhhmmss: { bytes: 7, text: "20{YY}-{MM}-{DD} w{WW} {hh}:{mm}:{ss}" },
  hhmmss: { bytes: 3, text: "{hh}:{mm}:{ss}" },
  MMDDhhmm: { bytes: 4, text: "{MM}-{DD} {hh}:{mm}" },
  DDhh: { bytes: 2, text: "{DD} {hh}h" },
};

const TIME_PARSERS = new Map<TimePattern, RegExp>();
function timeParser(pattern: TimePattern): RegExp {
  let re = TIME_PARSERS.get(pattern);
  if (re === undefined) {
    const source = TIME_TEMPLATES[pattern].text
      .split(/\{[A-Za-z]{2}\}/)
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
      .join("(\\d{2})");
    re = new RegExp(`^${source}$`);
    TIME_PARSERS.set(pattern, re);
  }
  return re;
}

function renderTime(pattern: TimePattern, digits: string): string {
  let i = 0;
  return TIME_TEMPLATES[pattern].text.replace(/\{[A-Za-z]{2}\}/g, () => {
    const pair = digits.slice(i, i + 2);
    i += 2;
    return pair;
  });
}

/** Decodes one value; raises (inside `catchDecode`) on short data or bad BCD. */
export function readValue(reader: ByteReader, format: DataFormat, field: string): DataValue {
  switch (format.kind) {
    case "bcd": {
      const at = reader.offset;
      const raw = reader.bytesView(format.bytes, field);
      let negative = false;
      let bytes = raw;
      if (format.signed === true) {
        const top = raw[raw.length - 1] as number;
        negative = (top & 0x80) !== 0;
        bytes = Uint8Array.from(raw);
        bytes[bytes.length - 1] = top & 0x7f;
      }
      const digits = new ByteReader(bytes, at, reader.path).bcdDigitsLE(bytes.length, field);
      const magnitude = Number(digits) / 10 ** format.decimals;
      // Round away binary noise so 12.34 stays 12.34.
      const value = Number(magnitude.toFixed(format.decimals));
      return negative && value !== 0 ? -value : value;
    }
    case "time":
      return renderTime(format.pattern, reader.bcdDigitsLE(TIME_TEMPLATES[format.pattern].bytes, field));
    case "digits":
      return reader.bcdDigitsLE(format.bytes, field);
    case "word": {
      let value = 0;
      const view = reader.bytesView(format.bytes, field);
      for (let i = view.length - 1; i >= 0; i--) value = value * 256 + (view[i] as number);
      return value;
    }
    case "record": {
      const out: Record<string, DataValue> = {};
      for (const f of format.fields) out[f.name] = readValue(reader, f.format, `${field}.${f.name}`);
      return out;
    }
    case "array": {
      const out: DataValue[] = [];
      for (let i = 0; i < format.count; i++) out.push(readValue(reader, format.element, `${field}[${i}]`));
      return out;
    }
    case "repeat": {
      const size = formatLength(format.element) ?? 1;
      const count = Math.floor(reader.remaining / size);
      if (reader.remaining % size !== 0 || count < format.min || count > format.max) {
        raise({
          code: "bad-length",
          field,
          offset: reader.offset,
          expected: `${format.min}..${format.max} × ${size} bytes`,
          actual: `${reader.remaining} bytes`,
        });
      }
      const out: DataValue[] = [];
      for (let i = 0; i < count; i++) out.push(readValue(reader, format.element, `${field}[${i}]`));
      return out;
    }
  }
}

/** Encodes one value; throws RangeError when the value does not fit its format (a caller's bug). */
export function writeValue(writer: ByteWriter, format: DataFormat, value: DataValue, field: string): void {
  switch (format.kind) {
    case "bcd": {
      if (typeof value !== "number" || !Number.isFinite(value))
        throw new RangeError(`${field}: not a number`);
      const scaled = Math.round(Math.abs(value) * 10 ** format.decimals);
      const maxDigits = format.bytes * 2 - (format.signed === true ? 1 : 0);
      const digits = String(scaled);
      if (digits.length > maxDigits || (format.signed !== true && value < 0)) {
        throw new RangeError(`${field}: ${value} does not fit ${format.bytes} BCD bytes`);
      }
      const bytes = encodeBcdDigits(digits, format.bytes, true);
      if (format.signed === true && value < 0 && scaled !== 0) {
        bytes[format.bytes - 1] = (bytes[format.bytes - 1] as number) | 0x80;
      }
      writer.bytes(bytes);
      return;
    }
    case "time": {
      const m = typeof value === "string" ? timeParser(format.pattern).exec(value) : null;
      if (m === null) throw new RangeError(`${field}: "${String(value)}" is not ${format.pattern}`);
      writer.bcdDigitsLE(m.slice(1).join(""), TIME_TEMPLATES[format.pattern].bytes);
      return;
    }
    case "digits":
      if (typeof value !== "string") throw new RangeError(`${field}: not a digit string`);
      writer.bcdDigitsLE(value, format.bytes);
      return;
    case "word": {
      if (typeof value !== "number" || value < 0 || value >= 256 ** format.bytes) {
        throw new RangeError(`${field}: ${String(value)} does not fit ${format.bytes} bytes`);
      }
      let rest = value;
      for (let i = 0; i < format.bytes; i++) {
        writer.u8(rest % 256);
        rest = Math.floor(rest / 256);
      }
      return;
    }
    case "record": {
      if (typeof value !== "object" || Array.isArray(value)) throw new RangeError(`${field}: not a record`);
      const rec = value as { readonly [name: string]: DataValue };
      for (const f of format.fields) {
        const part = rec[f.name];
        if (part === undefined) throw new RangeError(`${field}.${f.name}: missing`);
        writeValue(writer, f.format, part, `${field}.${f.name}`);
      }
      return;
    }
    case "array":
    case "repeat": {
      if (!Array.isArray(value)) throw new RangeError(`${field}: not a list`);
      const list = value as readonly DataValue[];
      const ok =
        format.kind === "array"
          ? list.length === format.count
          : list.length >= format.min && list.length <= format.max;
      if (!ok) throw new RangeError(`${field}: wrong number of values (${list.length})`);
      list.forEach((item, i) => {
        writeValue(writer, format.element, item, `${field}[${i}]`);
      });
      return;
    }
  }
}

/** Encodes a value to bytes (convenience around `writeValue`). */
export function encodeValue(format: DataFormat, value: DataValue, field = "value"): Uint8Array {
  const writer = new ByteWriter(32);
  writeValue(writer, format, value, field);
  return writer.finish();
}

/** Renders a calendar pattern from a JS date's parts (local fields supplied by the caller). */
export function formatTime(
  pattern: TimePattern,
  parts: {
    year: number;
    month: number;
    day: number;
    weekday: number;
    hour: number;
    minute: number;
    second: number;
  },
): string {
  const pad = (n: number): string => String(n).padStart(2, "0");
  const map: Record<string, string> = {
    YY: pad(parts.year % 100),
    MM: pad(parts.month),
    DD: pad(parts.day),
    WW: pad(parts.weekday),
    hh: pad(parts.hour),
    mm: pad(parts.minute),
    ss: pad(parts.second),
  };
  return TIME_TEMPLATES[pattern].text.replace(/\{([A-Za-z]{2})\}/g, (_, key: string) => map[key] ?? "00");
}

/** The digit pairs of a rendered calendar value, keyed by token (for models that parse a written time). */
export function parseTime(pattern: TimePattern, text: string): Record<string, number> | undefined {
  const m = timeParser(pattern).exec(text);
  if (m === null) return undefined;
  const tokens = TIME_TEMPLATES[pattern].text.match(/\{[A-Za-z]{2}\}/g) ?? [];
  const out: Record<string, number> = {};
  tokens.forEach((token, i) => {
    out[token.slice(1, 3)] = Number(m[i + 1]);
  });
  return out;
}
