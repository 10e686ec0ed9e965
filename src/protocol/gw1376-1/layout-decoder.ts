/**
 * The decoding direction of the declarative layouts (layout.ts), compiled. On first use each `Field[]` becomes
 * one specialised reader, cached per layout array, so that decoding a body does no per-field dispatch:
 *
 * - every field kind is turned into a closure once (format codec, width, bit masks, count source resolved);
 * - a record is built by a small generated function (generated.ts) that calls those closures in order and
 *   returns one object literal; a bitfield's parts likewise, with the masks as numbers in the text;
 * - hex and digit texts are spelled by one generated `String.fromCharCode` call per width (text-template.ts);
 * - bytes are read in place (`ByteReader.take`), never through a view object;
 * - error paths are built only when an error is raised: a list leaves `reader.path` alone and inserts
 *   `name[i]` into the error it catches.
 *
 * Values, errors (code, field path, offset) and their order are exactly those the declaration means
 * (layout-codec.ts describes them); this file only makes reading them cheap.
 */

import { BCD_PAIR_VALUE } from "../common/bcd.ts";
import type { ByteReader } from "../common/byte-reader.ts";
import { DecodeFailure, decodeError, raise } from "../common/decode-error.ts";
import { toHexRange } from "../common/hex.ts";
import { FORMATS } from "./formats.ts";
import { generated, propertyKey } from "./generated.ts";
import type { BitPart, Field, Record_, RepeatCount, Value } from "./layout.ts";
import { fieldsMinLength } from "./layout-length.ts";
import { hexText, lastByteFirstText } from "./text-template.ts";

/** Reads one record of a layout; raises (via the reader sentinel) `truncated` or `bad-value`. */
export type RecordReader = (reader: ByteReader) => Record_;

/** Reads one field. `countSource` is the value of the sibling that a repeat's count refers to. */
type FieldReader = (reader: ByteReader, countSource: Value | undefined) => Value;

/** Most entries a count may announce when an entry can be zero bytes long (bounds memory). */
const MAX_ZERO_WIDTH_ENTRIES = 4096;

const compiled = new WeakMap<readonly Field[], RecordReader>();
const minLengths = new WeakMap<readonly Field[], number>();

/** The compiled reader of `fields` (compiled on first use, then cached). */
export function recordReader(fields: readonly Field[]): RecordReader {
  let reader = compiled.get(fields);
  if (reader === undefined) {
    reader = compileRecord(fields);
    compiled.set(fields, reader);
  }
  return reader;
}

function minLength(fields: readonly Field[]): number {
  let min = minLengths.get(fields);
  if (min === undefined) {
    min = fieldsMinLength(fields);
    minLengths.set(fields, min);
  }
  return min;
}

// ---------------------------------------------------------------------------------------------------------
// Records
// ---------------------------------------------------------------------------------------------------------

function compileRecord(fields: readonly Field[]): RecordReader {
  const readers = fields.map(compileField);
  const steps: string[] = [];
  const entries: string[] = [];
  fields.forEach((field, i) => {
    const source = countSourceIndex(fields, i);
    steps.push(`const v${i} = r${i}(reader, ${source < 0 ? "undefined" : `v${source}`});`);
    entries.push(`${propertyKey(field.name)}: v${i}`);
  });
  const params = readers.map((_, i) => `r${i}`);
  const body = `return function readRecord(reader) {\n${steps.join("\n")}\nreturn { ${entries.join(", ")} };\n};`;
  return generated<RecordReader>(params, body, readers);
}

/** The index of the earlier sibling a repeat's count names (its latest occurrence), or -1. */
function countSourceIndex(fields: readonly Field[], index: number): number {
  const field = fields[index];
  if (field === undefined || field.type !== "repeat" || typeof field.count === "number") return -1;
  const head = countHead(field.count.field);
  for (let i = index - 1; i >= 0; i--) if (fields[i]?.name === head) return i;
  return -1;
}

function countHead(ref: string): string {
  const dot = ref.indexOf(".");
  return dot < 0 ? ref : ref.slice(0, dot);
}

// ---------------------------------------------------------------------------------------------------------
// Fields
// ---------------------------------------------------------------------------------------------------------

function compileField(field: Field): FieldReader {
  const name = field.name;
  switch (field.type) {
    case "format": {
      const codec = FORMATS[field.format];
      const n = codec.bytes;
      const expected = `data format ${field.format}`;
      return (reader) => {
        const at = reader.take(n, name);
        const value = codec.decodeAt(reader.bytes, at);
        if (value === undefined) badValueAt(reader, name, at, expected, toHexRange(reader.bytes, at, at + n));
        return value;
      };
    }
    case "bin":
      return uintReader(field.bytes, name);
    case "bits": {
      if (field.bytes <= 4) return uintReader(field.bytes, name);
      const n = field.bytes;
      const spell = lastByteFirstText(n);
      return (reader) => spell(reader.bytes, reader.take(n, name));
    }
    case "bitfield": {
      const readRaw = uintReader(field.bytes, name);
      const split = bitfieldSplitter(field.parts);
      return (reader) => split(readRaw(reader, undefined) as number);
    }
    case "ascii": {
      const n = field.bytes;
      return (reader) => {
        const at = reader.take(n, name);
        const bytes = reader.bytes;
        let end = at + n;
        while (end > at && bytes[end - 1] === 0) end--;
        let text = "";
        for (let i = at; i < end; i++) text += String.fromCharCode(bytes[i] as number);
        return text;
      };
    }
    case "bcd": {
      const n = field.bytes;
      const spell = lastByteFirstText(n);
      return (reader) => {
        const at = reader.take(n, name);
        const bytes = reader.bytes;
        if (n > 0 && isAllNoData(bytes, at, n)) return null;
        for (let i = at; i < at + n; i++) {
          if ((BCD_PAIR_VALUE[bytes[i] as number] as number) < 0) {
            badValueAt(reader, name, at, "BCD digits", toHexRange(bytes, at, at + n));
          }
        }
        return spell(bytes, at);
      };
    }
    case "bytes": {
      const n = field.bytes;
      const spell = hexText(n, " ");
      return (reader) => spell(reader.bytes, reader.take(n, name));
    }
    case "ipv4":
      return (reader) => {
        const at = reader.take(4, name);
        const b = reader.bytes;
        return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
      };
    case "list": {
      const entry = recordReader(field.fields);
      const min = minLength(field.fields);
      const readCount = uintReader(field.countBytes, name);
      const countMask = field.countMask ?? mask(8 * field.countBytes);
      const expected = `count with only bits 0x${countMask.toString(16)}`;
      return (reader) => {
        const at = reader.offset;
        const raw = readCount(reader, undefined) as number;
        if ((raw & ~countMask) !== 0) badValueAt(reader, name, at - reader.base, expected, raw);
        return readEntries(entry, min, raw & countMask, reader, name);
      };
    }
    case "repeat": {
      const entry = recordReader(field.fields);
      const min = minLength(field.fields);
      const count = field.count;
      if (typeof count === "number") return (reader) => readEntries(entry, min, count, reader, name);
      const resolve = countResolver(count, name);
      return (reader, source) => readEntries(entry, min, resolve(reader, source), reader, name);
    }
    case "lengthPrefixed": {
      const readLength = uintReader(field.lengthBytes, name);
      return (reader) => {
        const length = readLength(reader, undefined) as number;
        const at = reader.take(length, name);
        return toHexRange(reader.bytes, at, at + length);
      };
    }
    case "rest":
      return (reader) => {
        const at = reader.take(reader.remaining, name);
        return toHexRange(reader.bytes, at, reader.bytes.length);
      };
    case "custom": {
      const codec = field.codec;
      return (reader) => {
        // custom codecs may build their own error fields from `reader.path`, so they get it in full
        const saved = reader.path;
        reader.path = saved === "" ? name : `${saved}.${name}`;
        try {
          return codec.decode(reader);
        } finally {
          reader.path = saved;
        }
      };
    }
    default:
      return unreachable(field);
  }
}

function uintReader(bytes: number, name: string): FieldReader {
  switch (bytes) {
    case 1:
      return (reader) => reader.u8(name);
    case 2:
      return (reader) => reader.u16le(name);
    case 3:
      return (reader) => reader.u24le(name);
    case 4:
      return (reader) => reader.u32le(name);
    default:
      throw new RangeError(`layout error: ${bytes}-byte integer at ${name}`);
  }
}

/** `{ part: (raw >>> shift) & mask, … }` as one generated function (masks are precomputed numbers). */
function bitfieldSplitter(parts: readonly BitPart[]): (raw: number) => Record_ {
  const entries = parts.map((p) => `${propertyKey(p.name)}: (raw >>> ${p.shift | 0}) & ${mask(p.width)}`);
  return generated<(raw: number) => Record_>(
    [],
    `return function split(raw) { return { ${entries.join(", ")} }; };`,
    [],
  );
}

/** How a repeat finds its count in the sibling value it was given (`field` or `field.part`, + `plus`). */
function countResolver(
  count: Exclude<RepeatCount, number>,
  name: string,
): (reader: ByteReader, source: Value | undefined) => number {
  const dot = count.field.indexOf(".");
  const part = dot < 0 ? undefined : count.field.slice(dot + 1);
  const plus = count.plus ?? 0;
  const expected = `a count from ${count.field}`;
  return (reader, source) => {
    let raw: Value | undefined = source;
    if (part !== undefined) {
      raw =
        typeof source !== "object" || source === null || Array.isArray(source)
          ? undefined
          : (source as Record_)[part];
    }
    const n = typeof raw === "number" && Number.isInteger(raw) ? raw + plus : undefined;
    if (n === undefined || n < 0) {
      return badValueAt(reader, name, reader.position, expected, JSON.stringify(raw));
    }
    return n;
  };
}

/** `count` entries of `entry`; a failing entry's error gets `name[i]` in its field path. */
function readEntries(
  entry: RecordReader,
  min: number,
  count: number,
  reader: ByteReader,
  name: string,
): Value[] {
  // Check the announced count against the bytes present before allocating anything (bounded memory).
  const fits = min > 0 ? count * min <= reader.remaining : count <= MAX_ZERO_WIDTH_ENTRIES;
  if (!fits) {
    raise({
      code: "truncated",
      field: reader.fieldName(name),
      offset: reader.offset,
      expected: `${count} entries of at least ${min} bytes`,
      actual: `${reader.remaining} bytes`,
    });
  }
  const entries: Value[] = [];
  let i = 0;
  try {
    for (; i < count; i++) entries.push(entry(reader));
  } catch (caught) {
    throw caught instanceof DecodeFailure ? entryFailure(caught, reader.path, name, i) : caught;
  }
  return entries;
}

/** The failure of entry `i` of list `name` read at `path`, with `name[i]` inserted into its field. */
function entryFailure(failure: DecodeFailure, path: string, name: string, i: number): DecodeFailure {
  const e = failure.error;
  let field = e.field;
  if (path === "") field = `${name}[${i}].${field}`;
  else if (field.startsWith(`${path}.`)) field = `${path}.${name}[${i}]${field.slice(path.length)}`;
  return new DecodeFailure(decodeError({ ...e, field }));
}

/** True when the `n` bytes at `at` are all `EE` ("no data"). */
function isAllNoData(bytes: Uint8Array, at: number, n: number): boolean {
  for (let i = at; i < at + n; i++) if (bytes[i] !== 0xee) return false;
  return true;
}

/** Raises `bad-value` for field `name` whose bytes start at `at` (an index into `reader.bytes`). */
function badValueAt(
  reader: ByteReader,
  name: string,
  at: number,
  expected: string,
  actual: string | number,
): never {
  return raise({
    code: "bad-value",
    field: reader.fieldName(name),
    offset: reader.base + at,
    expected,
    actual,
  });
}

function mask(width: number): number {
  return width >= 32 ? 0xffffffff : 2 ** width - 1;
}

function unreachable(field: never): never {
  throw new RangeError(`layout error: unknown field kind ${JSON.stringify(field)}`);
}
