/**
 * Test support: fast-check generators of valid values for data formats and declarative layouts. Used by the
 * format, layout-codec and table property tests. The generators are written from shared/protocol §5 on
 * their own (not from formats.ts), so they also act as an independent check of the codecs.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { toHex } from "../common/hex.ts";
import { FORMATS } from "./formats.ts";
import { decodeFrame } from "./frame.ts";
import type { Field, FormatId, Record_, Value } from "./layout.ts";
import { type ArbitraryTools, decodeBody, encodeBody, isDescribedCustomCodec } from "./layout-codec.ts";
import { PROFILE_TOLERANT } from "./profile.ts";

type Shape =
  | { readonly kind: "numeric"; readonly bytes: number; readonly signed: boolean }
  | { readonly kind: "time"; readonly parts: readonly TimePart[]; readonly dayFrom?: number }
  | { readonly kind: "A.1" | "A.2" | "A.3" };

type TimePart = "ss" | "mm" | "hh" | "DD" | "MM" | "YY";

const PART_RANGE: Record<TimePart, readonly [number, number]> = {
  ss: [0, 59],
  mm: [0, 59],
  hh: [0, 23],
  DD: [1, 31],
  MM: [1, 12],
  YY: [0, 99],
};

/** Wire shape of every format (§5), independent of formats.ts. */
export const FORMAT_SHAPES: Readonly<Record<FormatId, Shape>> = {
  "A.1": { kind: "A.1" },
  "A.2": { kind: "A.2" },
  "A.3": { kind: "A.3" },
  "A.4": { kind: "numeric", bytes: 1, signed: true },
  "A.5": { kind: "numeric", bytes: 2, signed: true },
  "A.6": { kind: "numeric", bytes: 2, signed: true },
  "A.7": { kind: "numeric", bytes: 2, signed: false },
  "A.8": { kind: "numeric", bytes: 2, signed: false },
  "A.9": { kind: "numeric", bytes: 3, signed: true },
  "A.10": { kind: "numeric", bytes: 3, signed: false },
  "A.11": { kind: "numeric", bytes: 4, signed: false },
  "A.12": { kind: "numeric", bytes: 6, signed: false },
  "A.13": { kind: "numeric", bytes: 4, signed: false },
  "A.14": { kind: "numeric", bytes: 5, signed: false },
  "A.15": { kind: "time", parts: ["mm", "hh", "DD", "MM", "YY"] },
  "A.16": { kind: "time", parts: ["ss", "mm", "hh", "DD"] },
  "A.17": { kind: "time", parts: ["mm", "hh", "DD", "MM"] },
  "A.18": { kind: "time", parts: ["mm", "hh", "DD"], dayFrom: 0 }, // day 00 seen in vector X18
  "A.19": { kind: "time", parts: ["mm", "hh"] },
  "A.20": { kind: "time", parts: ["DD", "MM", "YY"] },
  "A.21": { kind: "time", parts: ["MM", "YY"] },
  "A.22": { kind: "numeric", bytes: 1, signed: false },
  "A.23": { kind: "numeric", bytes: 3, signed: false },
  "A.24": { kind: "time", parts: ["hh", "DD"] },
  "A.25": { kind: "numeric", bytes: 3, signed: true },
  "A.26": { kind: "numeric", bytes: 2, signed: false },
  "A.27": { kind: "numeric", bytes: 4, signed: false },
};

const bcdByte = (max = 99): fc.Arbitrary<number> =>
  fc.integer({ min: 0, max }).map((n) => (Math.floor(n / 10) << 4) | (n % 10));

const bcdBytes = (n: number): fc.Arbitrary<number[]> => fc.array(bcdByte(), { minLength: n, maxLength: n });

/** Valid wire bytes of a format other than all-EE (negative zero excluded: it canonicalises to +0). */
export function validFormatBytes(id: FormatId): fc.Arbitrary<Uint8Array> {
  const shape = FORMAT_SHAPES[id];
  switch (shape.kind) {
    case "numeric": {
      if (!shape.signed) return bcdBytes(shape.bytes).map((b) => Uint8Array.from(b));
      return fc.tuple(bcdBytes(shape.bytes - 1), bcdByte(79), fc.boolean()).map(([low, top, negative]) => {
        const zero = top === 0 && low.every((b) => b === 0);
        return Uint8Array.from([...low, top | (negative && !zero ? 0x80 : 0)]);
      });
    }
    case "time":
      return fc
        .tuple(
          ...shape.parts.map((p) => bcdByte(PART_RANGE[p][1]).filter((b) => bcdValue(b) >= PART_RANGE[p][0])),
        )
        .map((b) => Uint8Array.from(b));
    case "A.1":
      return fc
        .tuple(validFormatBytes("A.15"), bcdByte(59), fc.integer({ min: 0, max: 7 }))
        .map(([t, ss, weekday]) =>
          Uint8Array.of(
            ss,
            t[0] as number,
            t[1] as number,
            t[2] as number,
            (t[3] as number) | (weekday << 5),
            t[4] as number,
          ),
        );
    case "A.2":
      return fc
        .tuple(bcdByte(), fc.integer({ min: 0, max: 7 }), fc.boolean(), fc.integer({ min: 0, max: 9 }))
        .map(([b1, g, negative, hundreds]) => {
          const zero = b1 === 0 && hundreds === 0;
          return Uint8Array.of(b1, (g << 5) | (negative && !zero ? 0x10 : 0) | hundreds);
        });
    case "A.3":
      return fc
        .tuple(bcdBytes(3), fc.boolean(), fc.boolean(), fc.integer({ min: 0, max: 9 }))
        .map(([low, mwh, negative, millions]) => {
          const zero = millions === 0 && low.every((b) => b === 0);
          return Uint8Array.from([...low, (mwh ? 0x40 : 0) | (negative && !zero ? 0x10 : 0) | millions]);
        });
    default:
      throw new RangeError(`no shape for ${id}`);
  }
}

function bcdValue(byte: number): number {
  return (byte >> 4) * 10 + (byte & 0x0f);
}

/** Valid values of a format: decoded valid bytes, sometimes `null` (all-EE). */
export function arbitraryFormatValue(id: FormatId): fc.Arbitrary<Value> {
  const codec = FORMATS[id];
  return fc.oneof(
    { weight: 9, arbitrary: validFormatBytes(id).map((b) => codec.decode(b) as Value) },
    { weight: 1, arbitrary: fc.constant(null) },
  );
}

const hexBytes = (min: number, max: number): fc.Arbitrary<string> =>
  fc.uint8Array({ minLength: min, maxLength: max }).map((b) => toHex(b));

const TOOLS: ArbitraryTools = {
  fc,
  forFields: (fields) => arbitraryForFields(fields),
  forFormat: (format) => arbitraryFormatValue(format),
};

/** A field whose layout has a custom codec without a generator (such rows must be skipped, with a reason). */
export function undescribedCustomField(fields: readonly Field[]): string | undefined {
  for (const field of fields) {
    if (field.type === "custom" && !isDescribedCustomCodec(field.codec)) return field.name;
    if (field.type === "list" || field.type === "repeat") {
      const inner = undescribedCustomField(field.fields);
      if (inner !== undefined) return `${field.name}.${inner}`;
    }
  }
  return undefined;
}

/**
 * Valid records for a field list. Repeats whose count comes from a sibling are generated together with that
 * count: one count per referenced field, shared by every repeat that names it (e.g. AFN0C F33's four
 * per-tariff blocks all follow `tariffCount`).
 */
export function arbitraryForFields(fields: readonly Field[]): fc.Arbitrary<Record_> {
  const refs = new Map<string, number>(); // count field → smallest count keeping every entry count ≥ 0
  for (const field of fields) {
    if (field.type !== "repeat" || typeof field.count === "number") continue;
    const min = Math.max(0, -(field.count.plus ?? 0));
    refs.set(field.count.field, Math.max(refs.get(field.count.field) ?? 0, min));
  }
  const counts: Record<string, fc.Arbitrary<number>> = {};
  for (const [ref, min] of refs) counts[ref] = fc.integer({ min, max: min + 3 });
  return fc.record(counts).chain((chosen) => {
    const model: Record<string, fc.Arbitrary<Value>> = {};
    for (const field of fields) {
      if (field.type === "repeat" && typeof field.count !== "number") {
        const length = (chosen[field.count.field] as number) + (field.count.plus ?? 0);
        model[field.name] = fc.array(arbitraryForFields(field.fields), {
          minLength: length,
          maxLength: length,
        });
      } else {
        model[field.name] = arbitraryForField(field);
      }
    }
    return fc.record(model).map((record) => {
      const out = { ...record } as { [key: string]: Value };
      for (const [ref, count] of Object.entries(chosen)) setCount(out, ref, count);
      return out;
    });
  });
}

function setCount(record: { [key: string]: Value }, ref: string, count: number): void {
  const [head, part] = ref.split(".", 2) as [string, string | undefined];
  if (part === undefined) {
    record[head] = count;
    return;
  }
  record[head] = { ...(record[head] as Record_), [part]: count };
}

function arbitraryForField(field: Field): fc.Arbitrary<Value> {
  switch (field.type) {
    case "format":
      return arbitraryFormatValue(field.format);
    case "bin":
      return fc.integer({ min: 0, max: 2 ** (8 * field.bytes) - 1 });
    case "bits":
      return field.bytes <= 4
        ? fc.integer({ min: 0, max: 2 ** (8 * field.bytes) - 1 })
        : fc.uint8Array({ minLength: field.bytes, maxLength: field.bytes }).map((b) => toHex(b, ""));
    case "bitfield": {
      const parts: Record<string, fc.Arbitrary<Value>> = {};
      for (const part of field.parts) parts[part.name] = fc.integer({ min: 0, max: 2 ** part.width - 1 });
      // plain objects, as the decoder builds them (fast-check may give null-prototype records)
      return fc.record(parts).map((record) => ({ ...record }));
    }
    case "ascii":
      return fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: field.bytes }).map((codes) => {
        // a trailing NUL is padding on the wire, so generated text never ends in one
        while (codes.length > 0 && codes[codes.length - 1] === 0) codes.pop();
        return String.fromCharCode(...codes);
      });
    case "bcd":
      return fc.oneof(
        { weight: 9, arbitrary: fc.stringMatching(new RegExp(`^\\d{${2 * field.bytes}}$`)) },
        { weight: 1, arbitrary: fc.constant(null) },
      );
    case "bytes":
      return hexBytes(field.bytes, field.bytes);
    case "ipv4":
      return fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join("."));
    case "list": {
      const max = Math.min(3, field.countMask ?? 3);
      return fc.array(arbitraryForFields(field.fields), { maxLength: max });
    }
    case "repeat": {
      // counts from a sibling are generated by arbitraryForFields; here only fixed counts remain
      const length = typeof field.count === "number" ? field.count : 0;
      return fc.array(arbitraryForFields(field.fields), { minLength: length, maxLength: length });
    }
    case "lengthPrefixed":
      return hexBytes(0, 8);
    case "rest":
      return hexBytes(0, 8);
    case "custom": {
      const codec = field.codec;
      if (!isDescribedCustomCodec(codec)) throw new RangeError(`custom field ${field.name} has no generator`);
      return codec.arbitrary(TOOLS);
    }
    default:
      throw new RangeError(`unknown field kind ${JSON.stringify(field)}`);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Golden-vector helpers (test support)
// ---------------------------------------------------------------------------------------------------------

/**
 * The data-unit area of a golden frame (between SEQ and the AUX tail), as the frame layer sees it. Decoded
 * with the tolerant profile so that PID-1 and quirky captures work too.
 */
export function unitArea(frameHex: string): Uint8Array {
  const frame = decodeFrame(fromHexStrict(frameHex), PROFILE_TOLERANT);
  if (!frame.ok) throw new Error(`golden frame does not decode: ${frame.error.message}`);
  return frame.value.userData;
}

/**
 * The first data unit of a 1376.1 frame given as hex: DA, DT and the bytes after them up to the AUX
 * (shared/protocol §1.1, §2.4): PW (16) when `pw` is set, EC (2) when DIR=1 and ACD=1, Tp (6) when TpV=1.
 */
export function firstUnit(frameHex: string, pw: boolean): { da: string; dt: string; body: Uint8Array } {
  let bytes = fromHexStrict(frameHex);
  while (bytes[0] === 0xfe) bytes = bytes.subarray(1);
  const l1 = ((bytes[1] as number) | ((bytes[2] as number) << 8)) >> 2;
  const c = bytes[6] as number;
  const seq = bytes[13] as number;
  const aux = (pw ? 16 : 0) + ((c & 0x80) !== 0 && (c & 0x20) !== 0 ? 2 : 0) + ((seq & 0x80) !== 0 ? 6 : 0);
  const end = 6 + l1 - aux;
  return {
    da: toHex(bytes.subarray(14, 16)),
    dt: toHex(bytes.subarray(16, 18)),
    body: bytes.subarray(18, end),
  };
}

export function fromHexStrict(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, "");
  if (!/^([0-9a-fA-F]{2})*$/.test(clean)) throw new Error(`bad hex in test: ${text}`);
  return Uint8Array.from(clean.match(/../g) ?? [], (h) => Number.parseInt(h, 16));
}

/** Golden check both ways: the body decodes to `expected`, and `expected` encodes to exactly the body. */
export function assertGolden(
  fields: readonly Field[] | undefined,
  body: Uint8Array,
  expected: Record_,
): void {
  const layout = fields ?? [];
  const decoded = decodeBody(layout, body);
  if (!decoded.ok) assert.fail(decoded.error.message);
  assert.deepEqual(decoded.value, expected);
  assert.equal(toHex(encodeBody(layout, expected)), toHex(body));
}

/** Any valid Tp time label (§2.4): PFC, day/hour/minute/second, allowed delay. */
export const arbTimeLabel = fc.record({
  pfc: fc.integer({ min: 0, max: 255 }),
  day: fc.integer({ min: 1, max: 31 }),
  hour: fc.integer({ min: 0, max: 23 }),
  minute: fc.integer({ min: 0, max: 59 }),
  second: fc.integer({ min: 0, max: 59 }),
  delay: fc.integer({ min: 0, max: 255 }),
});
