import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { fromHex, toHex } from "../common/hex.ts";
import { AFN0C_ROWS } from "./afn0c.ts";
import { AFN0D_ROWS } from "./afn0d.ts";
import { findFnRow } from "./fn-table.ts";
import type { Field, FnRow, Record_ } from "./layout.ts";
import { arbitraryForFields, unitArea } from "./layout-arbitrary.ts";
import { decodeBody, encodeBody } from "./layout-codec.ts";

/** Data-unit area of a golden frame (see afn0c.test.ts): user data minus C/A/AFN/SEQ and the EC/Tp tail. */
function row(fn: number): FnRow {
  const r = findFnRow(0x0d, fn);
  assert.ok(r !== undefined, `AFN0D F${fn} is in the table`);
  return r;
}

/** decode(bytes) succeeds and encode(decoded) reproduces the bytes. */
function golden(fields: readonly Field[] | undefined, body: Uint8Array): Record_ {
  const decoded = decodeBody(fields ?? [], body);
  assert.ok(decoded.ok, decoded.ok ? "" : decoded.error.message);
  assert.equal(toHex(encodeBody(fields ?? [], decoded.value)), toHex(body));
  return decoded.value;
}

describe("AFN0D golden vectors", () => {
  test("L11 F1 request: Td_d 2018-08-27; L21 F1 answer echoes it with an F33-style block", () => {
    const l11 = unitArea(
      "68 56 00 56 00 68 4B 71 01 22 08 02 0D E5 01 01 01 00 27 08 18 05 05 34 16 28 00 A1 16",
    );
    assert.deepEqual(golden(row(1).down, l11.subarray(4)), { Td_d: "2018-08-27" });
    const l21 = unitArea(
      `68 C2 01 C2 01 68 88 71 01 22 08 02 0D E5 01 01 01 00 27 08 18 59 23 27 08 18 04 00 01 00 00 00 ${"EE ".repeat(80)}05 05 34 16 28 00 06 16`,
    );
    const body = l21.subarray(4);
    assert.equal(body.length, 3 + 6 + 17 * 5);
    const v = golden(row(1).up, body);
    assert.equal(v.Td_d, "2018-08-27");
    assert.equal(v.readTime, "2018-08-27 23:59");
    assert.equal(v.tariffCount, 4);
    assert.deepEqual(
      v.positiveActive,
      [0.01, null, null, null, null].map((value) => ({ value })),
    );
    assert.deepEqual(
      v.quadrant1Reactive,
      [null, null, null, null, null].map((value) => ({ value })),
    );
  });

  test("L23 F2 as captured: total `00 EE EE EE EE` is half EE → bad-value (same quirk as AFN0C L20)", () => {
    const l23 = unitArea(
      `68 C2 01 C2 01 68 88 71 01 22 08 02 0D E6 01 01 02 00 27 08 18 59 23 27 08 18 04 00 ${"EE ".repeat(84)}06 52 40 16 28 00 19 16`,
    );
    const body = l23.subarray(4);
    assert.equal(body.length, 3 + 6 + 17 * 5);
    const r = decodeBody(row(2).up ?? [], body);
    assert.ok(!r.ok && r.error.code === "bad-value" && r.error.field === "data.negativeActive[0].value");
  });

  test("L12/L22 F17 and L13 F18 (monthly label Td_m 2018-07)", () => {
    const l12 = unitArea(
      "68 52 00 52 00 68 4B 71 01 22 08 02 0D E9 01 01 01 02 07 18 09 48 43 16 28 00 D5 16",
    );
    assert.deepEqual(golden(row(17).down, l12.subarray(4)), { Td_m: "2018-07" });
    const l13 = unitArea(
      "68 52 00 52 00 68 4B 71 01 22 08 02 0D EA 01 01 02 02 07 18 0A 40 45 16 28 00 D2 16",
    );
    assert.deepEqual(golden(row(18).down, l13.subarray(4)), { Td_m: "2018-07" });
    const l22 = unitArea(
      `68 BE 01 BE 01 68 88 71 01 22 08 02 0D E9 01 01 01 02 07 18 59 23 31 07 18 04 00 01 00 00 00 ${"EE ".repeat(80)}09 48 43 16 28 00 43 16`,
    );
    const v = golden(row(17).up, l22.subarray(4));
    assert.equal(v.Td_m, "2018-07");
    assert.equal(v.readTime, "2018-07-31 23:59");
  });

  test("SYN-D161REQ/RSP F161: total 12345.6789 and four rates summing to it", () => {
    const req = unitArea("68 3E 00 3E 00 68 4B 01 01 BA 07 02 0D 61 01 01 01 14 14 11 23 DD 16");
    assert.deepEqual(golden(row(161).down, req.subarray(4)), { Td_d: "2023-11-14" });
    const rsp = unitArea(
      "68 C2 00 C2 00 68 A8 01 01 BA 07 02 0D 61 01 01 01 14 14 11 23 05 00 15 11 23 04 89 67 45 23 01 01 00 00 10 00 02 00 00 20 00 03 00 00 30 00 83 67 45 63 00 03 01 E1 16",
    );
    const v = golden(row(161).up, rsp.subarray(4));
    assert.equal(v.Td_d, "2023-11-14");
    assert.equal(v.readTime, "2023-11-15 00:05");
    assert.equal(v.tariffCount, 4);
    const values = (v.energy as readonly Record_[]).map((e) => e.value as number);
    assert.deepEqual(values, [12345.6789, 1000.0001, 2000.0002, 3000.0003, 6345.6783]);
    const rates = values.slice(1).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(rates - (values[0] as number)) < 1e-6);
  });

  test("SYN-D161REQM F177 request: Td_m 2023-10; X16 ten F161/F163 requests for 2011-12-25", () => {
    const m = unitArea("68 3A 00 3A 00 68 4B 01 01 BA 07 02 0D 62 01 01 01 16 10 23 CB 16");
    assert.deepEqual(golden(row(177).down, m.subarray(4)), { Td_m: "2023-10" });
    const x16 = unitArea(
      "68 39 01 39 01 68 4B 02 43 8B 07 14 0D 6F 02 01 01 14 25 12 11 02 01 04 14 25 12 11 04 01 01 14 25 12 11 04 01 04 14 25 12 11 08 01 01 14 25 12 11 08 01 04 14 25 12 11 10 01 01 14 25 12 11 10 01 04 14 25 12 11 20 01 01 14 25 12 11 20 01 04 14 25 12 11 E9 16",
    );
    assert.equal(x16.length, 70);
    for (let i = 0; i < 10; i++) {
      const unit = x16.subarray(i * 7, i * 7 + 7);
      const fn = unit[2] === 0x01 ? 161 : 163; // DT1 bit 0 → F161, bit 2 → F163 (DT2 = 0x14)
      assert.deepEqual(golden(row(fn).down, unit.subarray(4)), { Td_d: "2011-12-25" });
    }
  });
});

describe("AFN0D hand-written bodies", () => {
  test("F89 phase-A voltage curve: Td_c + n A.7 points", () => {
    const body = fromHex(
      "00 10 15 11 23" + // start A.15 = 2023-11-15 10:00
        " 01" + // density 1 = 15 minutes
        " 03" + // n = 3 points
        " 01 22 05 22 EE EE", // 220.1 V, 220.5 V, no data
    );
    assert.ok(body !== undefined);
    const v = golden(row(89).up, body);
    assert.deepEqual(v, {
      start: "2023-11-15 10:00",
      density: 1,
      points: 3,
      values: [{ value: 220.1 }, { value: 220.5 }, { value: null }],
    });
    // The request is the label alone.
    assert.deepEqual(golden(row(89).down, body.subarray(0, 7)), {
      start: "2023-11-15 10:00",
      density: 1,
      points: 3,
    });
  });

  test("F49 supply time and F54 monthly traffic", () => {
    const f49 = fromHex("14 11 23" + " A0 05" + " 02 00"); // Td_d; 1440 minutes; 2 resets
    assert.ok(f49 !== undefined);
    assert.deepEqual(golden(row(49).up, f49), { Td_d: "2023-11-14", supplyMinutes: 1440, resetCount: 2 });
    const f54 = fromHex("10 23" + " 00 10 00 00"); // Td_m Oct 2023; 4096 bytes
    assert.ok(f54 !== undefined);
    assert.deepEqual(golden(row(54).up, f54), { Td_m: "2023-10", trafficBytes: 4096 });
  });

  test("a curve announcing more points than bytes is `truncated`", () => {
    const body = fromHex("00 10 15 11 23 01 FF 01 22"); // n = 255 but one point present
    assert.ok(body !== undefined);
    const r = decodeBody(row(89).up ?? [], body);
    assert.ok(!r.ok && r.error.code === "truncated");
  });
});

describe("AFN0D table properties", () => {
  test("every row: the up body starts with the down body (the time label)", () => {
    for (const r of AFN0D_ROWS) {
      const down = r.down ?? [];
      assert.ok(down.length > 0, `F${r.fn} has a label`);
      assert.deepEqual((r.up ?? []).slice(0, down.length), down, `F${r.fn}`);
    }
  });

  test("daily frozen F161–F168 reuse AFN0C F129–F136 bodies; F1/F9/F17 reuse F33", () => {
    for (let i = 0; i < 8; i++) {
      const c = AFN0C_ROWS.find((r) => r.fn === 129 + i);
      assert.deepEqual(row(161 + i).up?.slice(1), c?.up);
    }
    const f33 = AFN0C_ROWS.find((r) => r.fn === 33)?.up;
    for (const fn of [1, 9, 17]) assert.deepEqual(row(fn).up?.slice(1), f33);
  });

  test("every up and down body round-trips generated values", () => {
    for (const r of AFN0D_ROWS) {
      for (const fields of [r.down ?? [], r.up ?? []]) {
        fc.assert(
          fc.property(arbitraryForFields(fields), (value) => {
            const bytes = encodeBody(fields, value);
            const back = decodeBody(fields, bytes);
            assert.ok(back.ok, `F${r.fn}: ${back.ok ? "" : back.error.message}`);
            assert.equal(toHex(encodeBody(fields, back.value)), toHex(bytes));
          }),
          { numRuns: 15 },
        );
      }
    }
  });

  test("random bytes into every up/down body give a Result, never an exception", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        for (const r of AFN0D_ROWS) {
          decodeBody(r.up ?? [], bytes);
          decodeBody(r.down ?? [], bytes);
        }
      }),
      { numRuns: 150 },
    );
  });
});
