/**
 * Declarative body layouts for Q/GDW 1376.2 data units (architecture: "byte layouts are declared once, as
 * data; both directions are derived from the declaration"). A body is a list of `Field`s; `decodeFields` and
 * `encodeFields` are the two directions.
 */
import { type ByteReader, ByteWriter, raise } from "../common/index.ts";
import { isAddress, readAddress, writeAddress } from "./frame.ts";

export type Field =
  /** Unsigned little-endian binary. */
  | { readonly name: string; readonly type: "u8" | "u16" | "u32" }
  /** A 6-byte node address, as 12 hex digits (most significant first). */
  | { readonly name: string; readonly type: "address" }
  /** BCD digits, least significant byte first, as a digit string. */
  | { readonly name: string; readonly type: "bcd"; readonly bytes: number }
  /** ASCII text in wire order, fixed length. */
  | { readonly name: string; readonly type: "ascii"; readonly bytes: number }
  /** Fixed-length opaque bytes. */
  | { readonly name: string; readonly type: "raw"; readonly bytes: number }
  /** Bytes preceded by their 1- or 2-byte length. */
  | { readonly name: string; readonly type: "frame"; readonly lengthBytes: 1 | 2 }
  /** Bit-packed little-endian integer split into named parts covering all bits. */
  | {
      readonly name: string;
      readonly type: "bits";
      readonly bytes: 1 | 2 | 4;
      readonly parts: readonly { readonly name: string; readonly shift: number; readonly width: number }[];
    }
  /** A 1- or 2-byte count followed by that many records. */
  | {
      readonly name: string;
      readonly type: "list";
      readonly countBytes: 1 | 2;
      readonly fields: readonly Field[];
    }
  /** Records repeated until the data unit ends (e.g. rate lists whose count sits in a bit field). */
  | { readonly name: string; readonly type: "tail"; readonly fields: readonly Field[] };

export type Value = number | string | Uint8Array | readonly Body[] | Body;
export interface Body {
  readonly [key: string]: Value;
}

function readField(r: ByteReader, f: Field, out: Record<string, Value>): void {
  switch (f.type) {
    case "u8":
      out[f.name] = r.u8(f.name);
      return;
    case "u16":
      out[f.name] = r.u16le(f.name);
      return;
    case "u32":
      out[f.name] = r.u32le(f.name);
      return;
    case "address":
      out[f.name] = readAddress(r, f.name);
      return;
    case "bcd":
      out[f.name] = r.bcdDigitsLE(f.bytes, f.name);
      return;
    case "ascii": {
      const at = r.offset;
      const view = r.bytesView(f.bytes, f.name);
      for (const b of view) {
        if (b < 0x20 || b > 0x7e) {
          raise({
            code: "bad-value",
            field: r.fieldName(f.name),
            offset: at,
            expected: "printable ASCII",
            actual: b,
          });
        }
      }
      out[f.name] = String.fromCharCode(...view);
      return;
    }
    case "raw":
      out[f.name] = r.bytesView(f.bytes, f.name).slice();
      return;
    case "frame": {
      const n = f.lengthBytes === 1 ? r.u8(`${f.name}.length`) : r.u16le(`${f.name}.length`);
      out[f.name] = r.bytesView(n, f.name).slice();
      return;
    }
    case "bits": {
      const v = f.bytes === 1 ? r.u8(f.name) : f.bytes === 2 ? r.u16le(f.name) : r.u32le(f.name);
      const parts: Record<string, Value> = {};
      for (const p of f.parts) parts[p.name] = Math.floor(v / 2 ** p.shift) % 2 ** p.width;
      out[f.name] = parts;
      return;
    }
    case "list": {
      const n = f.countBytes === 1 ? r.u8(`${f.name}.count`) : r.u16le(`${f.name}.count`);
      const items: Body[] = [];
      const path = r.path;
      for (let i = 0; i < n; i++) {
        r.path = `${path === "" ? "" : `${path}.`}${f.name}[${i}]`;
        items.push(readRecord(r, f.fields));
      }
      r.path = path;
      out[f.name] = items;
      return;
    }
    case "tail": {
      const items: Body[] = [];
      const path = r.path;
      while (!r.atEnd) {
        r.path = `${path === "" ? "" : `${path}.`}${f.name}[${items.length}]`;
        items.push(readRecord(r, f.fields));
      }
      r.path = path;
      out[f.name] = items;
      return;
    }
  }
}

function readRecord(r: ByteReader, fields: readonly Field[]): Body {
  const out: Record<string, Value> = {};
  for (const f of fields) readField(r, f, out);
  return out;
}

/** Decodes `fields` from the reader, which must end exactly with the body (else `trailing-bytes`). */
export function decodeFields(r: ByteReader, fields: readonly Field[]): Body {
  const body = readRecord(r, fields);
  r.expectEnd("data");
  return body;
}

function need<T>(
  value: Value | undefined,
  check: (v: Value) => v is T & Value,
  what: string,
  name: string,
): T {
  if (value === undefined || !check(value)) throw new RangeError(`field "${name}" must be ${what}`);
  return value as T;
}

const isNumber = (v: Value): v is number => typeof v === "number";
const isString = (v: Value): v is string => typeof v === "string";
const isBytes = (v: Value): v is Uint8Array => v instanceof Uint8Array;
const isList = (v: Value): v is readonly Body[] => Array.isArray(v);
const isRecord = (v: Value): v is Body =>
  typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);

function uint(v: number, max: number, name: string): number {
  if (!Number.isInteger(v) || v < 0 || v > max)
    throw new RangeError(`field "${name}" = ${v} out of 0..${max}`);
  return v;
}

function writeField(w: ByteWriter, f: Field, body: Body): void {
  const v = body[f.name];
  switch (f.type) {
    case "u8":
      w.u8(uint(need(v, isNumber, "a number", f.name), 0xff, f.name));
      return;
    case "u16":
      w.u16le(uint(need(v, isNumber, "a number", f.name), 0xffff, f.name));
      return;
    case "u32":
      w.u32le(uint(need(v, isNumber, "a number", f.name), 0xffffffff, f.name));
      return;
    case "address": {
      const a = need(v, isString, "12 hex digits", f.name);
      if (!isAddress(a)) throw new RangeError(`field "${f.name}" must be 12 hex digits`);
      writeAddress(w, a);
      return;
    }
    case "bcd":
      w.bcdDigitsLE(need(v, isString, "a digit string", f.name), f.bytes);
      return;
    case "ascii": {
      const s = need(v, isString, "text", f.name);
      if (s.length !== f.bytes || !/^[\x20-\x7e]*$/.test(s)) {
        throw new RangeError(`field "${f.name}" must be ${f.bytes} printable ASCII characters`);
      }
      for (let i = 0; i < s.length; i++) w.u8(s.charCodeAt(i));
      return;
    }
    case "raw": {
      const b = need(v, isBytes, "bytes", f.name);
      if (b.length !== f.bytes) throw new RangeError(`field "${f.name}" must be ${f.bytes} bytes`);
      w.bytes(b);
      return;
    }
    case "frame": {
      const b = need(v, isBytes, "bytes", f.name);
      if (f.lengthBytes === 1) w.u8(uint(b.length, 0xff, f.name));
      else w.u16le(uint(b.length, 0xffff, f.name));
      w.bytes(b);
      return;
    }
    case "bits": {
      const parts = need(v, isRecord, "an object", f.name);
      let total = 0;
      for (const p of f.parts) {
        const pv = uint(
          need(parts[p.name], isNumber, "a number", `${f.name}.${p.name}`),
          2 ** p.width - 1,
          p.name,
        );
        total += pv * 2 ** p.shift;
      }
      if (f.bytes === 1) w.u8(total);
      else if (f.bytes === 2) w.u16le(total);
      else w.u32le(total);
      return;
    }
    case "list": {
      const items = need(v, isList, "a list", f.name);
      if (f.countBytes === 1) w.u8(uint(items.length, 0xff, f.name));
      else w.u16le(uint(items.length, 0xffff, f.name));
      for (const item of items) encodeFieldsInto(w, f.fields, item);
      return;
    }
    case "tail": {
      for (const item of need(v, isList, "a list", f.name)) encodeFieldsInto(w, f.fields, item);
      return;
    }
  }
}

export function encodeFieldsInto(w: ByteWriter, fields: readonly Field[], body: Body): void {
  for (const f of fields) writeField(w, f, body);
}

/** Encodes a body; throws RangeError naming the field when a value does not fit the layout. */
export function encodeFields(fields: readonly Field[], body: Body): Uint8Array {
  const w = new ByteWriter(64);
  encodeFieldsInto(w, fields, body);
  return w.finish();
}
