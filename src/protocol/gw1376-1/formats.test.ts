import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { fromHex, toHex } from "../common/hex.ts";
import { FORMAT_IDS, FORMATS } from "./formats.ts";
import type { FormatId, Value } from "./layout.ts";
import { arbitraryFormatValue, FORMAT_SHAPES, validFormatBytes } from "./layout-arbitrary.ts";

function hex(text: string): Uint8Array {
  const bytes = fromHex(text);
  if (bytes === undefined) throw new Error(`bad hex in test: ${text}`);
  return bytes;
}

/** Every example of shared/protocol/gw1376-1.md §5 and §6.2, as bytes ↔ value. */
const EXAMPLES: readonly (readonly [FormatId, string, Value])[] = [
  // A.1: 05 s, 30 min, 14 h, day 15, 71 = weekday 3 (Wed) + month 11, year 23
  ["A.1", "05 30 14 15 71 23", { time: "2023-11-15 14:30:05", weekday: 3 }],
  // A.1 with weekday bits 000 (vector X22): accepted as "not given"
  ["A.1", "51 20 23 07 10 18", { time: "2018-10-07 23:20:51", weekday: 0 }],
  // A.1 vector X25: month byte 52 = Tuesday + December
  ["A.1", "49 48 11 15 52 15", { time: "2015-12-15 11:48:49", weekday: 2 }],
  // A.1 vector S15: E1 = weekday 7 (Sunday) + month 1
  ["A.1", "33 00 00 22 E1 17", { time: "2017-01-22 00:00:33", weekday: 7 }],
  // A.2: 50 = tens 5 units 0; C1 = G 110 (10^-2), S 0, hundreds 1 → 150 × 10^-2
  ["A.2", "50 C1", { value: 1.5, exponent: -2 }],
  // A.2: G 000 = 10^4, S 1 → −(123 × 10^4)
  ["A.2", "23 11", { value: -1230000, exponent: 4 }],
  // A.3: 1234567 kWh, then the same number with G=1 (MWh) and S=1
  ["A.3", "67 45 23 01", { value: 1234567, unit: "kWh" }],
  ["A.3", "67 45 23 51", { value: -1234567, unit: "MWh" }],
  // A.4: 85 = S0 1 (downward), tens 0, units 5 → −5 %
  ["A.4", "85", -5],
  // A.5: b2 89 = S 1, hundreds 0, tens 9; b1 95 = units 9, tenths 5
  ["A.5", "95 89", -99.5],
  ["A.6", "34 12", 12.34],
  // A.7: 01 = units 0 tenths 1; 22 = hundreds 2 tens 2 → 220.1 V
  ["A.7", "01 22", 220.1],
  ["A.8", "34 12", 1234],
  // A.9: −12.3456 kW
  ["A.9", "56 34 92", -12.3456],
  ["A.10", "56 34 12", 123456],
  ["A.11", "78 56 34 12", 123456.78],
  // A.12: least significant pair first
  ["A.12", "78 56 34 12 18 20", "201812345678"],
  ["A.13", "78 56 34 12", 1234.5678],
  // A.14: 12345.6789 kWh; KSY L15 total 0.0100
  ["A.14", "89 67 45 23 01", 12345.6789],
  ["A.14", "00 01 00 00 00", 0.01],
  // A.15: mm hh DD MM YY → 2018-08-28 16:18
  ["A.15", "18 16 28 08 18", "2018-08-28 16:18"],
  ["A.16", "05 30 14 15", "15 14:30:05"],
  ["A.17", "30 14 15 11", "11-15 14:30"],
  ["A.18", "30 14 15", "15 14:30"],
  // A.18 day 00 (vector X18: AFN04 F33 broadcast time-sync time)
  ["A.18", "00 00 00", "00 00:00"],
  // A.19: 23:00 → 00 23
  ["A.19", "00 23", "23:00"],
  // A.20: 14 Nov 2023 → 14 11 23
  ["A.20", "14 11 23", "2023-11-14"],
  // A.21: Oct 2023 → 10 23
  ["A.21", "10 23", "2023-10"],
  ["A.22", "45", 4.5],
  ["A.23", "56 34 12", 12.3456],
  ["A.24", "14 15", "15 14"],
  // A.25: −1.234 A → 34 12 80
  ["A.25", "34 12 80", -1.234],
  ["A.26", "34 12", 1.234],
  ["A.27", "78 56 34 12", 12345678],
];

test("formats: every reference example decodes to its value and encodes back to its bytes", () => {
  for (const [id, bytesText, expected] of EXAMPLES) {
    const value = expected;
    const bytes = hex(bytesText);
    assert.deepEqual(FORMATS[id].decode(bytes), value, `${id} decode ${bytesText}`);
    assert.equal(toHex(FORMATS[id].encode(value)), toHex(bytes), `${id} encode ${JSON.stringify(value)}`);
  }
});

test("formats: all-EE decodes to null and null encodes to all-EE, for every format", () => {
  for (const id of FORMAT_IDS) {
    const codec = FORMATS[id];
    const ee = new Uint8Array(codec.bytes).fill(0xee);
    assert.equal(codec.decode(ee), null, id);
    assert.equal(toHex(codec.encode(null)), toHex(ee), id);
  }
});

test("formats: a partly EE field is invalid content, not no-data (KSY vectors L16 and L20)", () => {
  assert.equal(FORMATS["A.11"].decode(hex("EE EE 00 00")), undefined);
  assert.equal(FORMATS["A.14"].decode(hex("00 EE EE EE EE")), undefined);
  assert.equal(FORMATS["A.1"].decode(hex("05 30 14 15 EE 23")), undefined);
});

test("formats: a nibble above 9 in any digit position is invalid content (undefined)", () => {
  for (const id of FORMAT_IDS) {
    const codec = FORMATS[id];
    fc.assert(
      fc.property(
        validFormatBytes(id),
        fc.nat(codec.bytes - 1),
        fc.boolean(),
        fc.integer({ min: 10, max: 15 }),
        (valid, at, high, nibble) => {
          const bytes = Uint8Array.from(valid);
          const old = bytes[at] as number;
          // Only low nibbles everywhere, and high nibbles where the whole nibble is a digit, are tested: the
          // high nibble of a signed top byte (or A.1 month byte / A.2 and A.3 flag byte) also carries flags.
          const flagByte = isFlagByte(id, at, bytes.length);
          if (high && flagByte) return;
          bytes[at] = high ? (nibble << 4) | (old & 0x0f) : (old & 0xf0) | nibble;
          if (bytes.every((b) => b === 0xee)) return;
          assert.equal(codec.decode(bytes), undefined, `${id} ${toHex(bytes)}`);
        },
      ),
      { numRuns: 40 },
    );
  }
});

function isFlagByte(id: FormatId, at: number, length: number): boolean {
  const shape = FORMAT_SHAPES[id];
  if (shape.kind === "numeric") return shape.signed && at === length - 1;
  if (shape.kind === "A.1") return at === 4;
  return (shape.kind === "A.2" && at === 1) || (shape.kind === "A.3" && at === 3);
}

test("formats: out-of-range dates and times are invalid content", () => {
  assert.equal(FORMATS["A.15"].decode(hex("60 16 28 08 18")), undefined, "minute 60");
  assert.equal(FORMATS["A.15"].decode(hex("18 24 28 08 18")), undefined, "hour 24");
  assert.equal(FORMATS["A.15"].decode(hex("18 16 00 08 18")), undefined, "day 0");
  assert.equal(FORMATS["A.15"].decode(hex("18 16 32 08 18")), undefined, "day 32");
  assert.equal(FORMATS["A.20"].decode(hex("14 13 23")), undefined, "month 13");
  assert.equal(FORMATS["A.1"].decode(hex("05 30 14 15 60 23")), undefined, "A.1 month 0 with weekday 3");
  assert.equal(FORMATS["A.16"].decode(hex("60 30 14 15")), undefined, "second 60");
  assert.throws(() => FORMATS["A.15"].encode("2023-13-01 00:00"), /A\.15: MM 13 out of range/);
  assert.throws(() => FORMATS["A.15"].encode("1999-01-01 00:00"), RangeError);
  assert.throws(() => FORMATS["A.1"].encode({ time: "2023-11-15 14:30:05", weekday: 8 }), /weekday/);
});

test("formats: encode rejects values the format cannot carry, naming the format", () => {
  assert.throws(() => FORMATS["A.7"].encode(-1), /A\.7: negative/);
  assert.throws(() => FORMATS["A.7"].encode(220.15), /A\.7: 220\.15 has more than 1 decimals/);
  assert.throws(() => FORMATS["A.5"].encode(800), /A\.5: magnitude 8000 out of range/);
  assert.throws(() => FORMATS["A.14"].encode(Number.NaN), /A\.14: expected a finite number/);
  assert.throws(() => FORMATS["A.12"].encode("12345"), /A\.12: expected a 12-digit string/);
  assert.throws(() => FORMATS["A.2"].encode({ value: 1.5, exponent: 5 }), /A\.2: exponent 5/);
  assert.throws(() => FORMATS["A.2"].encode({ value: 1234, exponent: 0 }), /A\.2: 1234 is not a 3-digit/);
  assert.throws(() => FORMATS["A.3"].encode({ value: 1, unit: "Wh" }), /A\.3: unit/);
  assert.throws(() => FORMATS["A.3"].encode({ value: 1.5, unit: "kWh" }), /A\.3: 1\.5 is not an integer/);
});

test("formats: binary floating-point noise is forgiven, real extra decimals are not", () => {
  assert.equal(toHex(FORMATS["A.5"].encode(0.1 + 0.2)), "03 00");
  assert.equal(toHex(FORMATS["A.14"].encode(1000.0001 + 2000.0002)), "03 00 00 30 00");
  assert.deepEqual(FORMATS["A.2"].decode(FORMATS["A.2"].encode({ value: 0.1 + 0.2, exponent: -1 })), {
    value: 0.3,
    exponent: -1,
  });
  assert.throws(() => FORMATS["A.14"].encode(1.00005), /more than 4 decimals/);
});

test("formats: negative zero is never produced", () => {
  assert.equal(Object.is(FORMATS["A.5"].decode(hex("00 80")), 0), true);
  assert.equal(toHex(FORMATS["A.5"].encode(-0)), "00 00");
  assert.deepEqual(FORMATS["A.2"].decode(hex("00 B0")), { value: 0, exponent: -1 });
  const a2 = FORMATS["A.2"].decode(hex("00 B0")) as { value: number };
  assert.equal(Object.is(a2.value, 0), true);
});

/** Decimal places and sign of each plain numeric format (§5), to generate values independently. */
const NUMERIC: readonly (readonly [FormatId, number, number, boolean])[] = [
  // [format, digits, decimals, signed]
  ["A.4", 2, 0, true],
  ["A.5", 4, 1, true],
  ["A.6", 4, 2, true],
  ["A.7", 4, 1, false],
  ["A.8", 4, 0, false],
  ["A.9", 6, 4, true],
  ["A.10", 6, 0, false],
  ["A.11", 8, 2, false],
  ["A.13", 8, 4, false],
  ["A.14", 10, 4, false],
  ["A.22", 2, 1, false],
  ["A.23", 6, 4, false],
  ["A.25", 6, 3, true],
  ["A.26", 4, 3, false],
  ["A.27", 8, 0, false],
];

test("formats: decode(encode(v)) === v for generated values in engineering units", () => {
  for (const [id, digits, decimals, signed] of NUMERIC) {
    const max = signed ? 8 * 10 ** (digits - 1) - 1 : 10 ** digits - 1;
    fc.assert(
      fc.property(fc.integer({ min: signed ? -max : 0, max }), (scaled) => {
        const value = scaled === 0 ? 0 : scaled / 10 ** decimals;
        assert.equal(FORMATS[id].decode(FORMATS[id].encode(value)), value, `${id} ${value}`);
      }),
      { numRuns: 60 },
    );
  }
  fc.assert(
    fc.property(
      fc.integer({ min: -999, max: 999 }),
      fc.integer({ min: -3, max: 4 }),
      (mantissa, exponent) => {
        const value =
          mantissa === 0 ? 0 : exponent < 0 ? mantissa / 10 ** -exponent : mantissa * 10 ** exponent;
        assert.deepEqual(FORMATS["A.2"].decode(FORMATS["A.2"].encode({ value, exponent })), {
          value,
          exponent,
        });
      },
    ),
    { numRuns: 100 },
  );
  fc.assert(
    fc.property(fc.integer({ min: -9_999_999, max: 9_999_999 }), fc.boolean(), (n, mwh) => {
      const value = { value: n === 0 ? 0 : n, unit: mwh ? "MWh" : "kWh" };
      assert.deepEqual(FORMATS["A.3"].decode(FORMATS["A.3"].encode(value)), value);
    }),
    { numRuns: 100 },
  );
});

test("formats: decode(encode(v)) === v for generated values of every format (incl. dates and null)", () => {
  for (const id of FORMAT_IDS) {
    fc.assert(
      fc.property(arbitraryFormatValue(id), (value) => {
        assert.deepEqual(FORMATS[id].decode(FORMATS[id].encode(value)), value);
      }),
      { numRuns: 60 },
    );
  }
});

test("formats: encode(decode(b)) === b for generated valid bytes of every format", () => {
  for (const id of FORMAT_IDS) {
    fc.assert(
      fc.property(validFormatBytes(id), (bytes) => {
        const value = FORMATS[id].decode(bytes);
        assert.notEqual(value, undefined, `${id} ${toHex(bytes)}`);
        assert.equal(toHex(FORMATS[id].encode(value as Value)), toHex(bytes), id);
      }),
      { numRuns: 80 },
    );
  }
});

test("formats: random bytes never throw, and anything decoded re-encodes to the same bytes", () => {
  for (const id of FORMAT_IDS) {
    const codec = FORMATS[id];
    fc.assert(
      fc.property(fc.uint8Array({ minLength: codec.bytes, maxLength: codec.bytes }), (bytes) => {
        const value = codec.decode(bytes);
        if (value === undefined) return;
        // Negative zero is the one lossy case: it comes back with the sign bit clear.
        const again = codec.encode(value);
        assert.deepEqual(codec.decode(again), value, `${id} ${toHex(bytes)}`);
      }),
      { numRuns: 100 },
    );
    assert.equal(codec.decode(new Uint8Array(codec.bytes + 1)), undefined, `${id} wrong width`);
  }
});
