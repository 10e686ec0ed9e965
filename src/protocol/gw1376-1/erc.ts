/**
 * The ERC event-record table (Q/GDW 1376.1 appendix; shared/protocol/gw1376-1.md §4.8) and the record codec
 * shared by AFN0E answers and the terminal's event store.
 *
 * A record is `ERC(1) Le(1) content(Le)`; Le counts the content only (NUC, GY, TMNL — the LIM oracle's
 * "Le includes ERC and Le" is a defect, §4.8). Records are decoded by Le, never by a fixed length (§8.2):
 * the first declared layout (the row's own, then its variants) that consumes exactly Le bytes wins; when none
 * does, or the ERC is unknown, the record is kept as raw hex with its ERC number. Only a Le running past the
 * end of the data is an error (`truncated`).
 *
 * Decoded shapes:  { erc, data }  |  { erc, variant, data }  |  { erc, raw: "<spaced hex>" }
 */

import { ByteReader } from "../common/byte-reader.ts";
import { ByteWriter } from "../common/byte-writer.ts";
import { catchDecode, type Result, raise } from "../common/decode-error.ts";
import { fromHex, toHex } from "../common/hex.ts";
import { bin, eventTime, fmt } from "./afn0c.ts";
import type { Field, Record_, Value } from "./layout.ts";
import {
  type ArbitraryTools,
  type DescribedCustomCodec,
  decodeFields,
  encodeFields,
  entriesUntilEnd,
} from "./layout-codec.ts";

/** An alternative content layout of one ERC, chosen when Le matches it (§8.2). */
export interface ErcVariant {
  readonly variant: string;
  readonly fields: readonly Field[];
}

export interface ErcRow {
  readonly erc: number;
  readonly name: string;
  /** The content layout; undefined when the reference gives none (records stay raw). */
  readonly fields: readonly Field[] | undefined;
  readonly variants?: readonly ErcVariant[];
  readonly confidence?: "M" | "L";
}

// ---- common content fields --------------------------------------------------------------------------------

/** Event time, A.15 (§4.8: "times are A.15 unless stated"). */
const TIME = fmt("time", "A.15");

/** "pn + start/stop": D11..D0 measurement point, D15 = 1 occurred / 0 restored. */
const POINT: Field = {
  name: "point",
  type: "bitfield",
  bytes: 2,
  parts: [
    { name: "pn", shift: 0, width: 12 },
    { name: "reserved", shift: 12, width: 3 },
    { name: "occurred", shift: 15, width: 1 },
  ],
};

const bits1 = (name: string): Field => ({ name, type: "bits", bytes: 1 });
const opaque = (name: string, bytes: number): Field => ({ name, type: "bytes", bytes });
const voltages = ["voltageA", "voltageB", "voltageC"].map((n) => fmt(n, "A.7"));
const currents = ["currentA", "currentB", "currentC"].map((n) => fmt(n, "A.25"));

/** ERC9/ERC10: current / voltage circuit anomaly (28 bytes). */
const CIRCUIT_ANOMALY: readonly Field[] = [
  TIME,
  POINT,
  bits1("anomalyType"),
  ...voltages,
  ...currents,
  fmt("positiveActive", "A.14"),
];

/** ERC28/ERC29: energy before/after and the threshold (18 bytes). */
const ENERGY_DEVIATION: readonly Field[] = [
  TIME,
  POINT,
  fmt("before", "A.14"),
  fmt("after", "A.14"),
  fmt("threshold", "A.22"),
];

/** ERC31/ERC39: reading failure with the last successful values (21 bytes). */
const READ_FAILURE: readonly Field[] = [
  TIME,
  POINT,
  fmt("lastOkTime", "A.15"),
  fmt("positiveActive", "A.14"),
  fmt("positiveReactive", "A.11"),
];

/** ERC37/ERC38 snapshot: +P, −P, Q1..Q4 (A.11 each). */
function coverSnapshot(prefix: string): Field[] {
  return ["PositiveActive", "NegativeActive", "Quadrant1", "Quadrant2", "Quadrant3", "Quadrant4"].map((n) =>
    fmt(`${prefix}${n}`, "A.11"),
  );
}

/** ERC37/ERC38: cover opened (70 bytes). */
const COVER_OPENED: readonly Field[] = [
  TIME,
  bin("pn", 2),
  fmt("openCount", "A.10"),
  eventTime("start"),
  eventTime("end"),
  ...coverSnapshot("before"),
  ...coverSnapshot("after"),
];

/** ERC41 (NUC, 14 bytes): pn, time before and after the sync. */
const TIME_SYNC: readonly Field[] = [bin("pn", 2), eventTime("before"), eventTime("after")];

// ---- the table ----------------------------------------------------------------------------------------------

/** ERC1–ERC45 (§4.8). Rows without a layout keep their records raw. */
export const ERC_ROWS: readonly ErcRow[] = [
  {
    erc: 1,
    name: "data initialisation / version change",
    fields: [
      TIME,
      {
        name: "flags",
        type: "bitfield",
        bytes: 1,
        parts: [
          { name: "init", shift: 0, width: 1 },
          { name: "versionChange", shift: 1, width: 1 },
          { name: "reserved", shift: 2, width: 6 },
        ],
      },
      { name: "oldVersion", type: "ascii", bytes: 4 },
      { name: "newVersion", type: "ascii", bytes: 4 },
    ],
  },
  {
    erc: 2,
    name: "parameter loss",
    fields: [
      TIME,
      {
        name: "flags",
        type: "bitfield",
        bytes: 1,
        parts: [
          { name: "terminalParams", shift: 0, width: 1 },
          { name: "pointParams", shift: 1, width: 1 },
          { name: "reserved", shift: 2, width: 6 },
        ],
      },
    ],
  },
  {
    erc: 3,
    name: "parameter change",
    // 6 + 4k: k DA/DT pairs fill the rest of Le.
    fields: [
      TIME,
      bin("msa", 1),
      { name: "changed", type: "custom", codec: entriesUntilEnd([bin("da", 2), bin("dt", 2)]) },
    ],
  },
  { erc: 4, name: "state-input change", fields: [TIME, bits1("changes"), bits1("states")] },
  {
    erc: 5,
    name: "remote trip",
    fields: [TIME, bits1("round"), fmt("powerAtTrip", "A.2"), fmt("powerAfter2Min", "A.2")],
    confidence: "M",
  },
  {
    erc: 6,
    name: "power-control trip",
    fields: [
      TIME,
      bin("group", 1),
      bits1("round"),
      bin("controlType", 1),
      fmt("powerBefore", "A.2"),
      fmt("powerAfter", "A.2"),
      fmt("setpoint", "A.2"),
    ],
    confidence: "M",
  },
  {
    erc: 7,
    name: "energy-control trip",
    fields: [
      TIME,
      bin("group", 1),
      bits1("round"),
      bin("controlType", 1),
      fmt("energy", "A.3"),
      fmt("setpoint", "A.3"),
    ],
    confidence: "M",
  },
  { erc: 8, name: "meter parameter change", fields: [TIME, bin("pn", 2), bits1("changeFlags")] },
  { erc: 9, name: "current-circuit anomaly", fields: CIRCUIT_ANOMALY },
  { erc: 10, name: "voltage-circuit anomaly", fields: CIRCUIT_ANOMALY },
  {
    erc: 11,
    name: "phase-sequence anomaly",
    fields: [
      TIME,
      POINT,
      ...["voltageA", "voltageB", "voltageC", "currentA", "currentB", "currentC"].map((n) =>
        fmt(`${n}Angle`, "A.5"),
      ),
      fmt("positiveActive", "A.14"),
    ],
    confidence: "M",
  },
  { erc: 12, name: "meter clock deviation", fields: [TIME, POINT] },
  { erc: 13, name: "meter fault", fields: [TIME, POINT, bits1("faultFlags")] },
  {
    erc: 14,
    name: "terminal power off / on",
    // 2013 text: 10 bytes. The power-on time is EE until power returns.
    fields: [fmt("powerOffTime", "A.15"), fmt("powerOnTime", "A.15")],
    // State Grid notice of 2014-01-15: an attribute byte (D0 normal/abnormal, D1 valid/invalid) first. [M]
    variants: [
      {
        variant: "attribute",
        fields: [bits1("attribute"), fmt("powerOffTime", "A.15"), fmt("powerOnTime", "A.15")],
      },
    ],
  },
  // ERC15: Le 49 known, content not: time + opaque. [M]
  { erc: 15, name: "harmonic limit exceeded", fields: [TIME, opaque("data", 44)], confidence: "M" },
  {
    erc: 16,
    name: "DC analogue limit",
    fields: [TIME, bits1("portFlag"), bits1("flag"), fmt("value", "A.2")],
    confidence: "M",
  },
  {
    erc: 17,
    name: "voltage/current unbalance",
    fields: [
      TIME,
      POINT,
      bits1("flag"),
      fmt("voltageUnbalance", "A.5"),
      fmt("currentUnbalance", "A.5"),
      ...voltages,
      ...currents,
    ],
    confidence: "M",
  },
  // ERC18: Le 16 [L], content not known: time + opaque.
  { erc: 18, name: "capacitor lock", fields: [TIME, opaque("data", 11)], confidence: "L" },
  {
    erc: 19,
    name: "purchase parameter set",
    fields: [
      TIME,
      bin("group", 1),
      bin("purchaseNo", 4),
      bin("mode", 1),
      ...["amount", "alarm", "trip", "before", "after"].map((n) => fmt(n, "A.3")),
    ],
    confidence: "M",
  },
  { erc: 20, name: "message authentication error", fields: [TIME, opaque("pw", 16), bin("msa", 1)] },
  // Fault codes: 1 main memory, 2 clock, 3 main-board comm, 4 RS-485 reading, 5 display, 6 PLC channel [M].
  { erc: 21, name: "terminal fault", fields: [TIME, bin("faultCode", 1)] },
  // ERC22: variable (≥ 31), layout unknown [L]: time + the rest.
  {
    erc: 22,
    name: "active energy differential",
    fields: [TIME, { name: "data", type: "rest" }],
    confidence: "L",
  },
  { erc: 23, name: "energy-control alarm", fields: [TIME, opaque("data", 11)], confidence: "M" },
  {
    erc: 24,
    name: "voltage limit",
    fields: [
      TIME,
      POINT,
      {
        name: "flag",
        type: "bitfield",
        bytes: 1,
        parts: [
          { name: "phases", shift: 0, width: 3 },
          { name: "reserved", shift: 3, width: 3 },
          { name: "kind", shift: 6, width: 2 },
        ],
      },
      ...voltages,
    ],
  },
  // ERC25: 17 bytes; GY's 14-byte reading (2-byte currents of unknown format) is left raw. [M]
  { erc: 25, name: "current limit", fields: [TIME, POINT, bits1("flag"), ...currents], confidence: "M" },
  {
    erc: 26,
    name: "apparent power limit",
    fields: [TIME, POINT, bits1("flag"), fmt("value", "A.23"), fmt("limit", "A.23")],
  },
  {
    erc: 27,
    name: "energy reading decreased",
    fields: [TIME, POINT, fmt("before", "A.14"), fmt("after", "A.14")],
  },
  { erc: 28, name: "energy over-deviation", fields: ENERGY_DEVIATION, confidence: "M" },
  { erc: 29, name: "meter running fast", fields: ENERGY_DEVIATION, confidence: "M" },
  {
    erc: 30,
    name: "meter stopped",
    fields: [TIME, POINT, fmt("energy", "A.14"), bin("threshold", 1)],
    confidence: "M",
  },
  { erc: 31, name: "meter reading failure", fields: READ_FAILURE },
  { erc: 32, name: "traffic over threshold", fields: [TIME, bin("monthBytes", 4), bin("thresholdBytes", 4)] },
  {
    erc: 33,
    name: "meter run-status word change",
    fields: [
      TIME,
      bin("pn", 2),
      { name: "changeFlags", type: "repeat", count: 7, fields: [{ name: "word", type: "bits", bytes: 2 }] },
      { name: "statusWords", type: "repeat", count: 7, fields: [{ name: "word", type: "bits", bytes: 2 }] },
    ],
  },
  { erc: 34, name: "CT anomaly", fields: [TIME, POINT, bits1("flags")], confidence: "M" },
  {
    erc: 35,
    name: "unknown meter found",
    fields: [
      TIME,
      bin("port", 1),
      {
        name: "meters",
        type: "list",
        countBytes: 1,
        fields: [fmt("address", "A.12"), { name: "attributes", type: "bits", bytes: 2 }],
      },
    ],
    confidence: "M",
  },
  {
    erc: 36,
    name: "control-loop switch change",
    fields: [TIME, bits1("changes"), bits1("states")],
    confidence: "M",
  },
  { erc: 37, name: "meter cover opened", fields: COVER_OPENED },
  { erc: 38, name: "terminal-block cover opened", fields: COVER_OPENED },
  { erc: 39, name: "re-read failure", fields: READ_FAILURE },
  {
    erc: 40,
    name: "magnetic interference",
    fields: [TIME, POINT, bin("kind", 1), fmt("meterAddress", "A.12"), bin("anomalyType", 1)],
    confidence: "M",
  },
  // ERC41: NUC 14 bytes vs GY 19 (time first) — both accepted by Le. [L]
  {
    erc: 41,
    name: "time-sync record",
    fields: TIME_SYNC,
    variants: [{ variant: "with-time", fields: [TIME, ...TIME_SYNC] }],
    confidence: "L",
  },
  // ERC42 (GY only): variable, content beyond the time not known. [L]
  {
    erc: 42,
    name: "meter event with time and snapshots",
    fields: [TIME, { name: "data", type: "rest" }],
    confidence: "L",
  },
  { erc: 43, name: "reserved (no layout known)", fields: undefined, confidence: "L" },
  { erc: 44, name: "reserved (no layout known)", fields: undefined, confidence: "L" },
  { erc: 45, name: "terminal battery failure", fields: [TIME], confidence: "M" },
];

const BY_ERC = new Map<number, ErcRow>(ERC_ROWS.map((row) => [row.erc, row]));

/** The table row of an ERC number, or undefined. */
export function findErcRow(erc: number): ErcRow | undefined {
  return BY_ERC.get(erc);
}

/** Every layout a row accepts, the row's own first. */
function layoutsOf(
  row: ErcRow,
): readonly { readonly variant: string | undefined; readonly fields: readonly Field[] }[] {
  const own = row.fields === undefined ? [] : [{ variant: undefined, fields: row.fields }];
  return [...own, ...(row.variants ?? [])];
}

// ---- record codec ---------------------------------------------------------------------------------------------

/**
 * Reads one record from `reader`. Raises `truncated` when the header or Le bytes run past the end; an unknown
 * ERC or content that fits no declared layout becomes `{ erc, raw }` (never an error).
 */
export function readErcRecord(reader: ByteReader): Record_ {
  const erc = reader.u8("erc");
  const le = reader.u8("le");
  const contentOffset = reader.offset;
  const content = reader.bytesView(le, "content");
  const row = BY_ERC.get(erc);
  if (row !== undefined) {
    for (const layout of layoutsOf(row)) {
      const decoded = catchDecode(() => {
        const sub = new ByteReader(content, contentOffset, reader.fieldName(`erc${erc}`));
        const data = decodeFields(layout.fields, sub);
        sub.expectEnd("end");
        return data;
      });
      if (decoded.ok) {
        return layout.variant === undefined
          ? { erc, data: decoded.value }
          : { erc, variant: layout.variant, data: decoded.value };
      }
    }
  }
  return { erc, raw: toHex(content) };
}

/** Writes one record; throws RangeError naming what is wrong with `value` (as `encodeFields` does). */
export function writeErcRecord(writer: ByteWriter, value: Value): void {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new RangeError(`ERC record: expected a record, got ${JSON.stringify(value)}`);
  }
  const record = value as Record_;
  const erc = record.erc;
  if (typeof erc !== "number" || !Number.isInteger(erc) || erc < 0 || erc > 255) {
    throw new RangeError(`ERC record: erc must be 0..255, got ${JSON.stringify(erc)}`);
  }
  const content = ercContent(erc, record);
  if (content.length > 255)
    throw new RangeError(`ERC${erc}: content is ${content.length} bytes, Le holds at most 255`);
  writer.u8(erc).u8(content.length).bytes(content);
}

function ercContent(erc: number, record: Record_): Uint8Array {
  if (Object.hasOwn(record, "raw")) {
    const bytes = typeof record.raw === "string" ? fromHex(record.raw) : undefined;
    if (bytes === undefined) throw new RangeError(`ERC${erc}.raw: expected hex bytes`);
    expectKeys(record, ["erc", "raw"], erc);
    return bytes;
  }
  const row = BY_ERC.get(erc);
  const variant = record.variant;
  const layout =
    row === undefined ? undefined : layoutsOf(row).find((l) => l.variant === (variant ?? undefined));
  if (layout === undefined)
    throw new RangeError(
      `ERC${erc}: no layout${variant === undefined ? "" : ` "${String(variant)}"`}; use raw`,
    );
  expectKeys(record, variant === undefined ? ["erc", "data"] : ["erc", "variant", "data"], erc);
  const data = record.data;
  if (typeof data !== "object" || data === null || Array.isArray(data))
    throw new RangeError(`ERC${erc}.data: expected a record`);
  const sub = new ByteWriter(64);
  encodeFields(layout.fields, data as Record_, sub, `ERC${erc}.data`);
  return sub.finish();
}

function expectKeys(record: Record_, allowed: readonly string[], erc: number): void {
  for (const key of Object.keys(record)) {
    if (!allowed.includes(key)) throw new RangeError(`ERC${erc}.${key}: unknown field`);
  }
}

/** Decodes exactly one record from `bytes` (e.g. from the event store). */
export function decodeErcRecord(bytes: Uint8Array): Result<Record_> {
  return catchDecode(() => {
    const reader = new ByteReader(bytes, 0, "record");
    const record = readErcRecord(reader);
    reader.expectEnd("end");
    return record;
  });
}

/** Encodes one record; a value that fits no layout is a `bad-value` DecodeError (the store never throws). */
export function encodeErcRecord(record: Record_): Result<Uint8Array> {
  return catchDecode(() => {
    const writer = new ByteWriter(32);
    try {
      writeErcRecord(writer, record);
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      raise({
        code: "bad-value",
        field: "record",
        offset: 0,
        expected: "an encodable ERC record",
        actual: error.message,
      });
    }
    return writer.finish();
  });
}

// ---- property-test generator ----------------------------------------------------------------------------------

/** Valid record values: every declared layout, plus raw records (unknown ERCs, layout-less rows). */
export function arbitraryErcRecord(tools: ArbitraryTools): import("fast-check").Arbitrary<Value> {
  const { fc, forFields } = tools;
  const options: import("fast-check").Arbitrary<Value>[] = [];
  for (const row of ERC_ROWS) {
    for (const layout of layoutsOf(row)) {
      options.push(
        forFields(layout.fields).map(
          (data): Value =>
            layout.variant === undefined
              ? { erc: row.erc, data }
              : { erc: row.erc, variant: layout.variant, data },
        ),
      );
    }
  }
  // Raw records only for ERCs whose content can never decode (no row, or no layout), so that they round-trip.
  const rawErc = fc.integer({ min: 0, max: 255 }).filter((n) => BY_ERC.get(n)?.fields === undefined);
  options.push(
    fc
      .tuple(rawErc, fc.uint8Array({ maxLength: 24 }))
      .map(([erc, content]): Value => ({ erc, raw: toHex(content) })),
  );
  return fc.oneof(...options);
}

// ---- custom codecs for AFN0E bodies -----------------------------------------------------------------------------

/**
 * AFN0E F1/F2 records: as many as the data unit holds. §3.6 says (Pn − Pm) mod 256 records, but a terminal
 * may stop early when the frame is full, so the unit's end (it is the last unit of its frame) ends the list.
 */
export const ERC_RECORDS_TO_END: DescribedCustomCodec = {
  consumesRest: true,
  decode(reader) {
    const records: Value[] = [];
    while (!reader.atEnd) records.push(readErcRecord(reader));
    return records;
  },
  encode(writer, value) {
    if (!Array.isArray(value)) throw new RangeError("records: expected an array");
    for (const record of value) writeErcRecord(writer, record);
  },
  arbitrary: (tools) => tools.fc.array(arbitraryErcRecord(tools), { maxLength: 4 }),
};

/** AFN0E F3 answer: n (BIN 1) then n records (§4.8 [M]). */
export const ERC_RECORDS_COUNTED: DescribedCustomCodec = {
  decode(reader) {
    const count = reader.u8("count");
    // Each record is at least 2 bytes: refuse a count the bytes cannot hold before looping (bounded work).
    if (count * 2 > reader.remaining) {
      raise({
        code: "truncated",
        field: reader.fieldName("records"),
        offset: reader.offset,
        expected: `${count} records`,
        actual: `${reader.remaining} bytes`,
      });
    }
    const records: Value[] = [];
    for (let i = 0; i < count; i++) records.push(readErcRecord(reader));
    return records;
  },
  encode(writer, value) {
    if (!Array.isArray(value) || value.length > 255)
      throw new RangeError("records: expected an array of at most 255");
    writer.u8(value.length);
    for (const record of value) writeErcRecord(writer, record);
  },
  arbitrary: (tools) => tools.fc.array(arbitraryErcRecord(tools), { maxLength: 4 }),
};
