/**
 * Declarative data-unit layouts for Q/GDW 1376.1 (architecture: "byte layouts are declared once, as data;
 * both directions are derived from the declaration"). A body is a list of `Field`s; `layout-codec.ts`
 * turns a list into a decoder and an encoder. Values are plain JSON: numbers in engineering units, strings,
 * arrays, objects, and `null` for a field the terminal filled with `EE` (no data).
 */

/** Appendix-A data formats, "A.1" … "A.27" (A.24 is low confidence). */
export type FormatId =
  | "A.1"
  | "A.2"
  | "A.3"
  | "A.4"
  | "A.5"
  | "A.6"
  | "A.7"
  | "A.8"
  | "A.9"
  | "A.10"
  | "A.11"
  | "A.12"
  | "A.13"
  | "A.14"
  | "A.15"
  | "A.16"
  | "A.17"
  | "A.18"
  | "A.19"
  | "A.20"
  | "A.21"
  | "A.22"
  | "A.23"
  | "A.24"
  | "A.25"
  | "A.26"
  | "A.27";

/** A part of a bit-packed field: bits `shift .. shift+width-1`. The parts of one field cover every bit. */
export interface BitPart {
  readonly name: string;
  readonly shift: number;
  readonly width: number;
}

/** How many times a `repeat` runs: a fixed number, or the value of an earlier sibling field (+ `plus`). */
export type RepeatCount = number | { readonly field: string; readonly plus?: number };

export type Field =
  /** Appendix-A data format. */
  | { readonly name: string; readonly type: "format"; readonly format: FormatId }
  /** Unsigned little-endian binary ("BIN"). */
  | { readonly name: string; readonly type: "bin"; readonly bytes: 1 | 2 | 3 | 4 }
  /** Bit string BS8..BS64: a number for ≤ 4 bytes, a hex string (most significant byte first) above. */
  | { readonly name: string; readonly type: "bits"; readonly bytes: 1 | 2 | 4 | 8 | 16 | 32 | 128 | 256 }
  /** Several named values packed in one little-endian integer. */
  | {
      readonly name: string;
      readonly type: "bitfield";
      readonly bytes: 1 | 2;
      readonly parts: readonly BitPart[];
    }
  /** ASCII text, trailing NUL bytes dropped on decode and added on encode. */
  | { readonly name: string; readonly type: "ascii"; readonly bytes: number }
  /** BCD digits, least significant byte first, as a digit string. */
  | { readonly name: string; readonly type: "bcd"; readonly bytes: number }
  /** Opaque bytes, as spaced hex. */
  | { readonly name: string; readonly type: "bytes"; readonly bytes: number }
  /** IPv4 address, first octet first, as dotted text. */
  | { readonly name: string; readonly type: "ipv4" }
  /** A count of `countBytes` (BIN) followed by that many entries; the value is the array of entries. */
  | {
      readonly name: string;
      readonly type: "list";
      readonly countBytes: 1 | 2;
      /** Bits of the count byte that hold the count (the rest must be zero), e.g. 0x3f; default all. */
      readonly countMask?: number;
      readonly fields: readonly Field[];
    }
  /** Entries whose number was given by an earlier field (e.g. tariff count M → M+1 values). */
  | {
      readonly name: string;
      readonly type: "repeat";
      readonly count: RepeatCount;
      readonly fields: readonly Field[];
    }
  /** A 1- or 2-byte BIN length k followed by k opaque bytes (hex). */
  | { readonly name: string; readonly type: "lengthPrefixed"; readonly lengthBytes: 1 | 2 }
  /** Everything left in the data unit, as hex: only valid as the last field of the last unit. */
  | { readonly name: string; readonly type: "rest" }
  /** Escape hatch for layouts that are not a fixed list (e.g. ERC records decoded by Le). */
  | { readonly name: string; readonly type: "custom"; readonly codec: CustomCodec };

/** JSON-compatible decoded value. */
export type Value = number | string | boolean | null | readonly Value[] | { readonly [key: string]: Value };
export type Record_ = { readonly [key: string]: Value };

export interface CustomCodec {
  /** Reads from `reader` (a `ByteReader`); may raise via the reader or `raise`. */
  decode(reader: import("../common/byte-reader.ts").ByteReader): Value;
  encode(writer: import("../common/byte-writer.ts").ByteWriter, value: Value): void;
}

/** What a data unit's point identifier (DA) names for this Fn. */
export type PnKind = "p0" | "point" | "group" | "task" | "port" | "any";

/**
 * One Fn of one AFN. `down` is the body in a master→terminal frame, `up` the body in a terminal→master
 * frame; `undefined` means "no body in that direction" (an empty list means the same). Rows are grouped
 * by AFN in `afnXX.ts` files and collected in `fn-table.ts`.
 */
export interface FnRow {
  readonly afn: number;
  readonly fn: number;
  readonly name: string;
  readonly pn: PnKind;
  readonly down?: readonly Field[];
  readonly up?: readonly Field[];
  /** Protocol-fact confidence from shared/protocol/gw1376-1.md when not high. */
  readonly confidence?: "M" | "L";
}
