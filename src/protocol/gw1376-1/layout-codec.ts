/**
 * Both directions of a declarative data-unit layout (`Field[]`, see layout.ts): `decodeFields` reads a record
 * from a `ByteReader`, `encodeFields` writes one to a `ByteWriter`. The declaration is the only description
 * of a body, so the two directions cannot drift apart (architecture: "byte layouts are declared once").
 *
 * Value shapes, per field kind:
 *   format         → the format's value (formats.ts), `null` for all-EE
 *   bin            → number                       bits ≤ 4 bytes → number; above → hex string, MSB first
 *   bitfield       → { [part]: number }            ascii → string (latin1; trailing NULs dropped)
 *   bcd            → digit string (null for all-EE) bytes / lengthPrefixed / rest → spaced hex
 *   ipv4           → "a.b.c.d"                     list / repeat → array of records
 * A repeat's count refers to an earlier sibling by name; `"name.part"` reads one part of a sibling bitfield
 * (used where a count shares its byte with flags, e.g. AFN04 F2). On encode the count field must agree with
 * the array length; a mismatch is a RangeError, never a silently corrected value. A count that is `null`
 * (EE, "no data") is a bad value: the number of entries that follow is unknown (e.g. vector L17).
 */

import type { Arbitrary } from "fast-check";
import { ByteReader } from "../common/byte-reader.ts";
import { ByteWriter } from "../common/byte-writer.ts";
import { catchDecode, type Result, raise } from "../common/decode-error.ts";
import { fromHex, toHex } from "../common/hex.ts";
import { FORMATS } from "./formats.ts";
import type { CustomCodec, Field, FormatId, Record_, RepeatCount, Value } from "./layout.ts";
import { recordReader } from "./layout-decoder.ts";
import { fieldsMinLength } from "./layout-length.ts";

export { fieldsFixedLength, fieldsMinLength } from "./layout-length.ts";

/**
 * Decodes `fields` in order from `reader`; raises (via the reader sentinel) `truncated` or `bad-value`.
 * The layout is compiled into a specialised reader on first use (layout-decoder.ts).
 */
export function decodeFields(fields: readonly Field[], reader: ByteReader): Record_ {
  return recordReader(fields)(reader);
}

/** Encodes `value` per `fields` into `writer`; throws RangeError naming the field path on a bad value. */
export function encodeFields(fields: readonly Field[], value: Record_, writer: ByteWriter, path = ""): void {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new RangeError(`${path || "value"}: expected a record, got ${JSON.stringify(value)}`);
  }
  const known = fieldNames(fields);
  for (const key of Object.keys(value)) {
    if (!known.has(key)) throw new RangeError(`${join(path, key)}: unknown field`);
  }
  for (const field of fields) {
    const fieldPath = join(path, field.name);
    if (!Object.hasOwn(value, field.name)) throw new RangeError(`${fieldPath}: missing`);
    encodeField(field, value[field.name] as Value, value, writer, fieldPath);
  }
}

const namesOf = new WeakMap<readonly Field[], ReadonlySet<string>>();

/** The names of `fields` (cached per layout: the encoder checks every record's keys against them). */
function fieldNames(fields: readonly Field[]): ReadonlySet<string> {
  let names = namesOf.get(fields);
  if (names === undefined) {
    names = new Set(fields.map((f) => f.name));
    namesOf.set(fields, names);
  }
  return names;
}

/** Decodes a whole body: every byte must be consumed. For tools and tests; the frame layer has its own. */
export function decodeBody(fields: readonly Field[], bytes: Uint8Array, path = "data"): Result<Record_> {
  return catchDecode(() => {
    const reader = new ByteReader(bytes, 0, path);
    const value = decodeFields(fields, reader);
    reader.expectEnd("end");
    return value;
  });
}

/** Encodes a whole body to bytes (throws RangeError on a bad value). */
export function encodeBody(fields: readonly Field[], value: Record_): Uint8Array {
  const writer = new ByteWriter(64);
  encodeFields(fields, value, writer);
  return writer.finish();
}

/** The value of `field` or `field.part` among the already decoded siblings. */
function lookupCount(siblings: Record_, ref: string): Value | undefined {
  const dot = ref.indexOf(".");
  const head = dot < 0 ? ref : ref.slice(0, dot);
  const part = dot < 0 ? undefined : ref.slice(dot + 1);
  const value = siblings[head];
  if (part === undefined) return value;
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  return (value as Record_)[part];
}

function withPath<T>(reader: ByteReader, segment: string, run: () => T): T {
  const saved = reader.path;
  reader.path = segment.startsWith("[") || saved === "" ? `${saved}${segment}` : `${saved}.${segment}`;
  try {
    return run();
  } finally {
    reader.path = saved;
  }
}

function badValue(
  reader: ByteReader,
  name: string,
  offset: number,
  expected: string,
  actual: string | number,
): never {
  return raise({ code: "bad-value", field: reader.fieldName(name), offset, expected, actual });
}

// ---------------------------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------------------------

function encodeField(field: Field, value: Value, siblings: Record_, writer: ByteWriter, path: string): void {
  switch (field.type) {
    case "format": {
      try {
        writer.bytes(FORMATS[field.format].encode(value));
      } catch (error) {
        throw new RangeError(`${path}: ${error instanceof Error ? error.message : String(error)}`);
      }
      return;
    }
    case "bin":
      writeUint(writer, field.bytes, expectUint(value, field.bytes, path), path);
      return;
    case "bits": {
      if (field.bytes <= 4) {
        writeUint(writer, field.bytes, expectUint(value, field.bytes, path), path);
        return;
      }
      const bytes = typeof value === "string" && /^[0-9a-fA-F]*$/.test(value) ? fromHex(value) : undefined;
      if (bytes === undefined || bytes.length !== field.bytes) {
        throw new RangeError(`${path}: expected ${2 * field.bytes} hex digits (MSB first)`);
      }
      writer.bytes(bytes.reverse());
      return;
    }
    case "bitfield": {
      const parts = expectRecord(value, path);
      let raw = 0;
      for (const part of field.parts) {
        const n = parts[part.name];
        if (typeof n !== "number" || !Number.isInteger(n) || n < 0 || n > mask(part.width)) {
          throw new RangeError(
            `${path}.${part.name}: expected an integer 0..${mask(part.width)}, got ${JSON.stringify(n)}`,
          );
        }
        raw += n * 2 ** part.shift;
      }
      for (const key of Object.keys(parts)) {
        if (!field.parts.some((p) => p.name === key)) throw new RangeError(`${path}.${key}: unknown field`);
      }
      writeUint(writer, field.bytes, raw, path);
      return;
    }
    case "ascii": {
      if (typeof value !== "string" || value.length > field.bytes || !isSingleByteText(value)) {
        throw new RangeError(`${path}: expected text of at most ${field.bytes} single-byte characters`);
      }
      if (value.endsWith("\u0000")) throw new RangeError(`${path}: trailing NUL would be lost`);
      for (let i = 0; i < value.length; i++) writer.u8(value.charCodeAt(i));
      writer.fill(0, field.bytes - value.length);
      return;
    }
    case "bcd": {
      if (value === null) {
        writer.fill(0xee, field.bytes);
        return;
      }
      if (typeof value !== "string" || !/^\d*$/.test(value) || value.length !== 2 * field.bytes) {
        throw new RangeError(`${path}: expected ${2 * field.bytes} digits`);
      }
      writer.bcdDigitsLE(value, field.bytes);
      return;
    }
    case "bytes":
      writer.bytes(expectHex(value, path, field.bytes));
      return;
    case "ipv4": {
      const octets = typeof value === "string" ? value.split(".") : [];
      const valid =
        octets.length === 4 && octets.every((o) => /^(0|[1-9]\d{0,2})$/.test(o) && Number(o) <= 255);
      if (!valid)
        throw new RangeError(`${path}: expected a dotted IPv4 address, got ${JSON.stringify(value)}`);
      for (const o of octets) writer.u8(Number(o));
      return;
    }
    case "list": {
      const entries = expectArray(value, path);
      const countMask = field.countMask ?? mask(8 * field.countBytes);
      if (entries.length > countMask)
        throw new RangeError(`${path}: ${entries.length} entries, at most ${countMask}`);
      writeUint(writer, field.countBytes, entries.length, path);
      encodeEntries(field.fields, entries, writer, path);
      return;
    }
    case "repeat": {
      const entries = expectArray(value, path);
      const expected = expectedCount(field.count, siblings, path);
      if (entries.length !== expected) {
        throw new RangeError(`${path}: ${entries.length} entries but the count says ${expected}`);
      }
      encodeEntries(field.fields, entries, writer, path);
      return;
    }
    case "lengthPrefixed": {
      const bytes = expectHex(value, path);
      const max = mask(8 * field.lengthBytes);
      if (bytes.length > max) throw new RangeError(`${path}: ${bytes.length} bytes, at most ${max}`);
      writeUint(writer, field.lengthBytes, bytes.length, path);
      writer.bytes(bytes);
      return;
    }
    case "rest":
      writer.bytes(expectHex(value, path));
      return;
    case "custom":
      encodeCustom(field.codec, value, writer, path);
      return;
    default:
      unreachable(field);
  }
}

function encodeCustom(codec: CustomCodec, value: Value, writer: ByteWriter, path: string): void {
  try {
    codec.encode(writer, value);
  } catch (error) {
    if (error instanceof RangeError && error.message.startsWith(path)) throw error;
    throw new RangeError(`${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function encodeEntries(
  fields: readonly Field[],
  entries: readonly Value[],
  writer: ByteWriter,
  path: string,
): void {
  entries.forEach((entry, i) => {
    const entryPath = `${path}[${i}]`;
    encodeFields(fields, expectRecord(entry, entryPath), writer, entryPath);
  });
}

function expectedCount(count: RepeatCount, siblings: Record_, path: string): number {
  if (typeof count === "number") return count;
  const raw = lookupCount(siblings, count.field);
  if (typeof raw !== "number" || !Number.isInteger(raw)) {
    throw new RangeError(`${path}: count field ${count.field} is not an integer`);
  }
  return raw + (count.plus ?? 0);
}

function writeUint(writer: ByteWriter, bytes: number, value: number, path: string): void {
  switch (bytes) {
    case 1:
      writer.u8(value);
      return;
    case 2:
      writer.u16le(value);
      return;
    case 3:
      writer.u24le(value);
      return;
    case 4:
      writer.u32le(value);
      return;
    default:
      throw new RangeError(`${path}: layout error, ${bytes}-byte integer`);
  }
}

function expectUint(value: Value, bytes: number, path: string): number {
  const max = 2 ** (8 * bytes) - 1;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`${path}: expected an integer 0..${max}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function expectRecord(value: Value, path: string): Record_ {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new RangeError(`${path}: expected a record, got ${JSON.stringify(value)}`);
  }
  return value as Record_;
}

function expectArray(value: Value, path: string): readonly Value[] {
  if (!Array.isArray(value)) throw new RangeError(`${path}: expected an array, got ${JSON.stringify(value)}`);
  return value;
}

function expectHex(value: Value, path: string, length?: number): Uint8Array {
  const bytes = typeof value === "string" ? fromHex(value) : undefined;
  if (bytes === undefined || (length !== undefined && bytes.length !== length)) {
    const what = length === undefined ? "hex bytes" : `${length} hex bytes`;
    throw new RangeError(`${path}: expected ${what}, got ${JSON.stringify(value)}`);
  }
  return bytes;
}

function mask(width: number): number {
  return width >= 32 ? 0xffffffff : 2 ** width - 1;
}

function join(path: string, name: string): string {
  return path === "" ? name : `${path}.${name}`;
}

function unreachable(field: never): never {
  throw new RangeError(`layout error: unknown field kind ${JSON.stringify(field)}`);
}

// ---------------------------------------------------------------------------------------------------------
// Reusable custom codecs for layouts that are not a plain field list
// ---------------------------------------------------------------------------------------------------------

/** What a custom codec's `arbitrary` hook receives: fast-check and the generator for a field list. */
export interface ArbitraryTools {
  readonly fc: typeof import("fast-check").default;
  forFields(fields: readonly Field[]): Arbitrary<Record_>;
  /** Valid values of a data format, including `null` (all-EE). */
  forFormat(format: FormatId): Arbitrary<Value>;
}

/**
 * A custom codec that can describe its valid values for property tests. The hook receives fast-check as a
 * parameter, so production code never imports it (only its types).
 */
export interface DescribedCustomCodec extends CustomCodec {
  readonly arbitrary: (tools: ArbitraryTools) => Arbitrary<Value>;
  /** True when the codec reads to the end of the data unit (only valid as the last field of the last unit). */
  readonly consumesRest?: boolean;
}

/**
 * Entries of `fields` repeated until the data unit ends (no count on the wire), e.g. AFN00 F3's
 * `[DA DT ERR]` list. Only valid as the last field of the last data unit of a frame.
 */
export function entriesUntilEnd(fields: readonly Field[]): DescribedCustomCodec {
  const min = Math.max(1, fieldsMinLength(fields));
  return {
    consumesRest: true,
    decode(reader) {
      const entries: Value[] = [];
      for (let i = 0; !reader.atEnd; i++) {
        const before = reader.position;
        entries.push(withPath(reader, `[${i}]`, () => decodeFields(fields, reader)));
        // an entry that reads nothing would repeat forever: refuse instead
        if (reader.position === before) {
          raise({
            code: "bad-value",
            field: `${reader.path}[${i}]`,
            offset: reader.offset,
            expected: "a non-empty entry",
          });
        }
      }
      return entries;
    },
    encode(writer, value) {
      encodeEntries(fields, expectArray(value, ""), writer, "");
    },
    arbitrary: ({ fc, forFields }) =>
      fc.array(forFields(fields), { maxLength: Math.max(1, Math.floor(12 / min)) }),
  };
}

/** A 1-byte length m (≤ `max`) followed by m single-byte characters, e.g. AFN04 F7 user name / password. */
export function lengthPrefixedText(max: number): DescribedCustomCodec {
  return {
    decode(reader) {
      const at = reader.offset;
      const length = reader.u8("length");
      if (length > max) badValue(reader, "length", at, `0..${max}`, length);
      return String.fromCharCode(...reader.bytesView(length, "text"));
    },
    encode(writer, value) {
      if (typeof value !== "string" || value.length > max || !isSingleByteText(value)) {
        throw new RangeError(`expected text of at most ${max} single-byte characters`);
      }
      writer.u8(value.length);
      for (let i = 0; i < value.length; i++) writer.u8(value.charCodeAt(i));
    },
    arbitrary: ({ fc }) =>
      fc.string({
        unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)),
        maxLength: max,
      }),
  };
}

/**
 * A data format that is either absent (nothing left in the data unit → `null`) or present in full, e.g. the
 * 2013 heartbeat clock (shared/protocol/gw1376-1.md §0, §3.2 [M-H]). A present all-EE value decodes to
 * the string `"no-data"` so that it stays distinct from "absent" and re-encodes to the same bytes.
 */
export function optionalTrailingFormat(format: FormatId): DescribedCustomCodec {
  const codec = FORMATS[format];
  return {
    consumesRest: true,
    decode(reader) {
      if (reader.atEnd) return null;
      const at = reader.offset;
      const bytes = reader.bytesView(codec.bytes, format);
      const value = codec.decode(bytes);
      if (value === undefined) badValue(reader, format, at, `data format ${format}`, toHex(bytes));
      return value === null ? "no-data" : value;
    },
    encode(writer, value) {
      if (value === null) return;
      writer.bytes(codec.encode(value === "no-data" ? null : value));
    },
    arbitrary: ({ fc, forFormat }) =>
      fc.oneof(
        fc.constant(null),
        fc.constant("no-data"),
        forFormat(format).filter((v) => v !== null),
      ),
  };
}

/** True when `codec` carries a property-test generator. */
export function isDescribedCustomCodec(codec: CustomCodec): codec is DescribedCustomCodec {
  return typeof (codec as { arbitrary?: unknown }).arbitrary === "function";
}

/** True when every character fits one byte (the text fields of 1376.1 are ASCII; latin1 keeps any byte). */
function isSingleByteText(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0xff) return false;
  return true;
}
