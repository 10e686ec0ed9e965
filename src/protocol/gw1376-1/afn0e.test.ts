import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { fromHex, toHex } from "../common/hex.ts";
import { AFN0E_ROWS } from "./afn0e.ts";
import { findFnRow } from "./fn-table.ts";
import type { Field, FnRow, Record_, Value } from "./layout.ts";
import { arbitraryForFields, unitArea } from "./layout-arbitrary.ts";
import { decodeBody, encodeBody } from "./layout-codec.ts";

/** Data-unit area of a golden frame (see afn0c.test.ts): user data minus C/A/AFN/SEQ and the EC/Tp tail. */
function bytes(hex: string): Uint8Array {
  const b = fromHex(hex);
  assert.ok(b !== undefined);
  return b;
}

function row(fn: number): FnRow {
  const r = findFnRow(0x0e, fn);
  assert.ok(r !== undefined, `AFN0E F${fn} is in the table`);
  return r;
}

function golden(fields: readonly Field[] | undefined, body: Uint8Array): Record_ {
  const decoded = decodeBody(fields ?? [], body);
  assert.ok(decoded.ok, decoded.ok ? "" : decoded.error.message);
  assert.equal(toHex(encodeBody(fields ?? [], decoded.value)), toHex(body));
  return decoded.value;
}

function plain(value: Value): Value {
  return JSON.parse(JSON.stringify(value)) as Value;
}

describe("AFN0E golden vectors", () => {
  test("SYN-E1REQ F1 request: Pm 0, Pn 2", () => {
    const area = unitArea("68 3A 00 3A 00 68 4B 01 01 BA 07 02 0E 63 00 00 01 00 00 02 84 16");
    assert.deepEqual(golden(row(1).down, area.subarray(4)), { pm: 0, pn: 2 });
  });

  test("SYN-E1RSP F1 answer: EC 2/0, Pm 0, Pn 2, ERC1 + ERC14 (frame EC 02 00 is not part of the unit)", () => {
    const area = unitArea(
      "68 BA 00 BA 00 68 A8 01 01 BA 07 02 0E 63 00 00 01 00 02 00 00 02 01 0E 30 08 15 11 23 03 56 31 2E 30 56 31 2E 31 0E 0A 00 09 15 11 23 05 09 15 11 23 02 00 04 16",
    );
    const v = golden(row(1).up, area.subarray(4));
    assert.deepEqual(v, {
      ec1: 2,
      ec2: 0,
      pm: 0,
      pn: 2,
      records: [
        {
          erc: 1,
          data: {
            time: "2023-11-15 08:30",
            flags: { init: 1, versionChange: 1, reserved: 0 },
            oldVersion: "V1.0",
            newVersion: "V1.1",
          },
        },
        { erc: 14, data: { powerOffTime: "2023-11-15 09:00", powerOnTime: "2023-11-15 09:05" } },
      ],
    });
  });
});

describe("AFN0E hand-written bodies", () => {
  test("F2 answer that stopped early: Pn − Pm = 3 but two records, one an unknown ERC kept raw", () => {
    const v = golden(
      row(2).up,
      bytes(
        "05 09" + // EC1 5, EC2 9
          " 06 09" + // Pm 6, Pn 9 (three announced)
          " 15 06 30 08 15 11 23 02" + // ERC21 Le 6: terminal fault, code 2 (clock)
          " 63 02 AA BB", // ERC99 Le 2: unknown → raw
      ),
    );
    assert.deepEqual(plain(v.records ?? null), [
      { erc: 21, data: { time: "2023-11-15 08:30", faultCode: 2 } },
      { erc: 99, raw: "AA BB" },
    ]);
  });

  test("F1 answer with no records (Pm = Pn)", () => {
    assert.deepEqual(golden(row(1).up, bytes("00 00 07 07")), { ec1: 0, ec2: 0, pm: 7, pn: 7, records: [] });
  });

  test("F3 request ERC14 all stored; answer n = 1 + one ERC14 record", () => {
    assert.deepEqual(golden(row(3).down, bytes("0E 00")), { erc: 14, count: 0 }); // ERC 14, n = 0 (all)
    const v = golden(row(3).up, bytes("01" + " 0E 0A 00 09 15 11 23 05 09 15 11 23")); // n = 1 | ERC14 Le 10
    assert.deepEqual(v, {
      records: [{ erc: 14, data: { powerOffTime: "2023-11-15 09:00", powerOnTime: "2023-11-15 09:05" } }],
    });
  });

  test("a record whose Le runs past the unit is `truncated`; an F3 count beyond the bytes too", () => {
    const r1 = decodeBody(row(1).up ?? [], bytes("02 00 00 01 0E 0A 00 09 15"));
    assert.ok(!r1.ok && r1.error.code === "truncated");
    const r2 = decodeBody(row(3).up ?? [], bytes("05 0E 0A 00 09 15 11 23 05 09 15 11 23"));
    assert.ok(!r2.ok && r2.error.code === "truncated");
  });
});

describe("AFN0E table properties", () => {
  test("every up and down body round-trips generated values", () => {
    for (const r of AFN0E_ROWS) {
      for (const fields of [r.down ?? [], r.up ?? []]) {
        fc.assert(
          fc.property(arbitraryForFields(fields), (value) => {
            const encoded = encodeBody(fields, value);
            const back = decodeBody(fields, encoded);
            assert.ok(back.ok, `F${r.fn}: ${back.ok ? "" : back.error.message}`);
            assert.deepEqual(back.value, plain(value));
          }),
          { numRuns: 50 },
        );
      }
    }
  });

  test("random bytes into every up/down body give a Result, never an exception", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (b) => {
        for (const r of AFN0E_ROWS) {
          decodeBody(r.up ?? [], b);
          decodeBody(r.down ?? [], b);
        }
      }),
      { numRuns: 300 },
    );
  });
});
