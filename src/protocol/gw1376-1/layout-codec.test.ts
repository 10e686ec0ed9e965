import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { ByteReader } from "../common/byte-reader.ts";
import { ByteWriter } from "../common/byte-writer.ts";
import { catchDecode } from "../common/decode-error.ts";
import { fromHex, toHex } from "../common/hex.ts";
import type { Field, Record_ } from "./layout.ts";
import { arbitraryForFields } from "./layout-arbitrary.ts";
import {
  decodeBody,
  decodeFields,
  encodeBody,
  encodeFields,
  entriesUntilEnd,
  fieldsFixedLength,
  lengthPrefixedText,
  optionalTrailingFormat,
} from "./layout-codec.ts";

function hex(text: string): Uint8Array {
  const bytes = fromHex(text);
  if (bytes === undefined) throw new Error(`bad hex in test: ${text}`);
  return bytes;
}

/** One fixture, four checks: decode(bytes) == value, encode(value) == bytes, both round trips. */
function fixture(fields: readonly Field[], bytesText: string, value: Record_): void {
  const decoded = decodeBody(fields, hex(bytesText));
  assert.equal(decoded.ok, true, decoded.ok ? "" : decoded.error.message);
  if (decoded.ok) assert.deepEqual(decoded.value, value);
  assert.equal(toHex(encodeBody(fields, value)), toHex(hex(bytesText)));
}

function decodeError(fields: readonly Field[], bytesText: string): { code: string; field: string } {
  const result = decodeBody(fields, hex(bytesText));
  assert.equal(result.ok, false, "expected a decode error");
  if (result.ok) throw new Error("unreachable");
  return { code: result.error.code, field: result.error.field };
}

test("layout: format, bin, bits, bitfield, ascii, bcd, bytes and ipv4 fields round-trip", () => {
  const fields: readonly Field[] = [
    { name: "voltage", type: "format", format: "A.7" },
    { name: "count", type: "bin", bytes: 2 },
    { name: "days", type: "bits", bytes: 4 },
    { name: "events", type: "bits", bytes: 8 },
    {
      name: "timing",
      type: "bitfield",
      bytes: 2,
      parts: [
        { name: "timeout", shift: 0, width: 12 },
        { name: "resends", shift: 12, width: 2 },
        { name: "reserved", shift: 14, width: 2 },
      ],
    },
    { name: "vendor", type: "ascii", bytes: 4 },
    { name: "phone", type: "bcd", bytes: 2 },
    { name: "raw", type: "bytes", bytes: 2 },
    { name: "ip", type: "ipv4" },
  ];
  fixture(
    fields,
    [
      "01 22", // voltage A.7 220.1
      "34 12", // count 0x1234
      "01 00 00 80", // days: bits 0 and 31
      "FF 00 00 00 00 00 00 01", // events BS64: byte 0 = FF, byte 7 = 01 → MSB-first hex
      "1E 30", // timing: timeout 30, resends 3
      "41 42 00 00", // vendor "AB" + NUL padding
      "34 12", // phone digits 1234
      "AB CD", // raw
      "C0 A8 01 64", // 192.168.1.100
    ].join(" "),
    {
      voltage: 220.1,
      count: 0x1234,
      days: 0x80000001,
      events: "01000000000000FF",
      timing: { timeout: 30, resends: 3, reserved: 0 },
      vendor: "AB",
      phone: "1234",
      raw: "AB CD",
      ip: "192.168.1.100",
    },
  );
  // all-EE format and BCD fields are "no data"
  fixture(
    [
      { name: "v", type: "format", format: "A.14" },
      { name: "d", type: "bcd", bytes: 1 },
    ],
    "EE EE EE EE EE EE",
    { v: null, d: null },
  );
});

const METERS: readonly Field[] = [
  {
    name: "meters",
    type: "list",
    countBytes: 1,
    fields: [
      { name: "port", type: "bin", bytes: 1 },
      { name: "address", type: "format", format: "A.12" },
      {
        name: "windows",
        type: "list",
        countBytes: 1,
        fields: [
          { name: "start", type: "format", format: "A.19" },
          { name: "end", type: "format", format: "A.19" },
        ],
      },
    ],
  },
];

test("layout: nested list, error paths name the entry", () => {
  fixture(
    METERS,
    [
      "02", // two meters
      "01 01 00 00 00 00 00 00", // port 1, address 000000000001, no windows
      "1F 78 56 34 12 18 20 01 00 00 00 23", // port 31, address 201812345678, one window 00:00–23:00
    ].join(" "),
    {
      meters: [
        { port: 1, address: "000000000001", windows: [] },
        { port: 31, address: "201812345678", windows: [{ start: "00:00", end: "23:00" }] },
      ],
    },
  );
  // second meter's address has a nibble > 9
  const error = decodeError(METERS, "02 01 01 00 00 00 00 00 00 1F 7A 56 34 12 18 20 00");
  assert.deepEqual(error, { code: "bad-value", field: "data.meters[1].address" });
  assert.throws(
    () => encodeBody(METERS, { meters: [{ port: 1, address: "12", windows: [] }] }),
    /^RangeError: meters\[0\]\.address: A\.12: expected a 12-digit string/,
  );
  assert.throws(
    () => encodeBody(METERS, { meters: [{ port: 256, address: "000000000001", windows: [] }] }),
    /meters\[0\]\.port: expected an integer 0\.\.255/,
  );
  assert.throws(() => encodeBody(METERS, { meters: [], extra: 1 }), /extra: unknown field/);
  assert.throws(() => encodeBody(METERS, {}), /meters: missing/);
});

test("layout: a count larger than the bytes present is truncated before anything is allocated", () => {
  const big: readonly Field[] = [
    { name: "entries", type: "list", countBytes: 2, fields: [{ name: "v", type: "bin", bytes: 4 }] },
  ];
  const error = decodeError(big, "FF FF 01 02 03 04");
  assert.deepEqual(error, { code: "truncated", field: "data.entries" });
  assert.deepEqual(decodeError(METERS, "03 01"), { code: "truncated", field: "data.meters" });
});

test("layout: list countMask keeps flag bits out of the count", () => {
  const masked: readonly Field[] = [
    {
      name: "items",
      type: "list",
      countBytes: 1,
      countMask: 0x3f,
      fields: [{ name: "v", type: "bin", bytes: 1 }],
    },
  ];
  fixture(masked, "02 07 09", { items: [{ v: 7 }, { v: 9 }] });
  assert.deepEqual(decodeError(masked, "42 07 09"), { code: "bad-value", field: "data.items" });
});

const TARIFFS: readonly Field[] = [
  { name: "time", type: "format", format: "A.15" },
  { name: "tariffCount", type: "bin", bytes: 1 },
  {
    name: "values",
    type: "repeat",
    count: { field: "tariffCount", plus: 1 },
    fields: [{ name: "kwh", type: "format", format: "A.14" }],
  },
];

test("layout: repeat counts come from an earlier sibling (+plus), and from a bitfield part", () => {
  fixture(
    TARIFFS,
    "18 16 28 08 18 01 00 01 00 00 00 EE EE EE EE EE", // time, M=1, total 0.01, tariff 1 no data
    { time: "2018-08-28 16:18", tariffCount: 1, values: [{ kwh: 0.01 }, { kwh: null }] },
  );
  assert.throws(
    () => encodeBody(TARIFFS, { time: "2018-08-28 16:18", tariffCount: 2, values: [{ kwh: 1 }] }),
    /values: 1 entries but the count says 3/,
  );
  const relays: readonly Field[] = [
    {
      name: "control",
      type: "bitfield",
      bytes: 1,
      parts: [
        { name: "count", shift: 0, width: 7 },
        { name: "enabled", shift: 7, width: 1 },
      ],
    },
    {
      name: "relays",
      type: "repeat",
      count: { field: "control.count" },
      fields: [{ name: "a2", type: "bin", bytes: 2 }],
    },
  ];
  fixture(relays, "82 01 00 02 00", { control: { count: 2, enabled: 1 }, relays: [{ a2: 1 }, { a2: 2 }] });
  // a count left as "no data" leaves the number of entries unknown: a bad value at the repeat
  const nullable: readonly Field[] = [
    { name: "m", type: "format", format: "A.8" },
    {
      name: "values",
      type: "repeat",
      count: { field: "m", plus: 1 },
      fields: [{ name: "v", type: "bin", bytes: 1 }],
    },
  ];
  assert.deepEqual(decodeError(nullable, "EE EE 01"), { code: "bad-value", field: "data.values" });
  assert.deepEqual(decodeError(TARIFFS, "18 16 28 08 18 09 00 01 00 00 00"), {
    code: "truncated",
    field: "data.values",
  });
});

test("layout: lengthPrefixed, rest and custom codecs", () => {
  const fields: readonly Field[] = [
    { name: "frame", type: "lengthPrefixed", lengthBytes: 2 },
    { name: "user", type: "custom", codec: lengthPrefixedText(20) },
    { name: "tail", type: "rest" },
  ];
  fixture(fields, "02 00 68 16 03 61 62 63 01 02", { frame: "68 16", user: "abc", tail: "01 02" });
  fixture(fields, "00 00 00", { frame: "", user: "", tail: "" });
  assert.deepEqual(decodeError(fields, "05 00 68"), { code: "truncated", field: "data.frame" });
  assert.deepEqual(decodeError(fields, "00 00 15"), { code: "bad-value", field: "data.user.length" });
  const units: readonly Field[] = [
    { name: "afn", type: "bin", bytes: 1 },
    { name: "units", type: "custom", codec: entriesUntilEnd([{ name: "v", type: "bin", bytes: 2 }]) },
  ];
  fixture(units, "02 01 00 02 00", { afn: 2, units: [{ v: 1 }, { v: 2 }] });
  assert.deepEqual(decodeError(units, "02 01 00 02"), { code: "truncated", field: "data.units[1].v" });
  const empty: readonly Field[] = [{ name: "units", type: "custom", codec: entriesUntilEnd([]) }];
  assert.deepEqual(decodeError(empty, "01"), { code: "bad-value", field: "data.units[0]" });
  const clock: readonly Field[] = [{ name: "clock", type: "custom", codec: optionalTrailingFormat("A.1") }];
  fixture(clock, "", { clock: null });
  fixture(clock, "05 30 14 15 71 23", { clock: { time: "2023-11-15 14:30:05", weekday: 3 } });
  fixture(clock, "EE EE EE EE EE EE", { clock: "no-data" });
});

test("layout: fieldsFixedLength sums fixed fields and is undefined for variable ones", () => {
  assert.equal(
    fieldsFixedLength([
      { name: "a", type: "format", format: "A.1" },
      { name: "b", type: "ipv4" },
      { name: "c", type: "repeat", count: 3, fields: [{ name: "x", type: "bin", bytes: 2 }] },
    ]),
    16,
  );
  assert.equal(fieldsFixedLength(TARIFFS), undefined);
  assert.equal(fieldsFixedLength(METERS), undefined);
  assert.equal(fieldsFixedLength([]), 0);
});

test("layout: decodeFields works on a shared reader and reports absolute offsets", () => {
  const reader = new ByteReader(hex("AA 01 22 02"), 14, "units[0].data");
  reader.u8("skip");
  const result = catchDecode(() =>
    decodeFields(
      [
        { name: "v", type: "format", format: "A.7" },
        { name: "w", type: "bin", bytes: 2 },
      ],
      reader,
    ),
  );
  assert.equal(result.ok, false);
  if (!result.ok) {
    assert.equal(result.error.field, "units[0].data.w");
    assert.equal(result.error.offset, 17);
  }
  const writer = new ByteWriter(1);
  encodeFields([{ name: "v", type: "format", format: "A.7" }], { v: 220.1 }, writer);
  assert.equal(toHex(writer.finish()), "01 22");
});

test("layout: property — decode(encode(v)) deep-equals v for composite layouts; random bytes never throw", () => {
  for (const fields of [METERS, TARIFFS]) {
    fc.assert(
      fc.property(arbitraryForFields(fields), (value) => {
        const bytes = encodeBody(fields, value);
        const decoded = decodeBody(fields, bytes);
        assert.equal(decoded.ok, true);
        if (decoded.ok) {
          assert.deepEqual(decoded.value, value);
          assert.equal(toHex(encodeBody(fields, decoded.value)), toHex(bytes));
        }
      }),
      { numRuns: 100 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        const result = decodeBody(fields, bytes);
        if (result.ok) assert.equal(toHex(encodeBody(fields, result.value)), toHex(bytes));
      }),
      { numRuns: 200 },
    );
  }
});
