import assert from "node:assert/strict";
import { test } from "node:test";
import { AFN01_ROWS } from "./afn01.ts";
import { findFnRow } from "./fn-table.ts";
import { assertGolden, firstUnit } from "./layout-arbitrary.ts";

test("AFN01: F1..F4 reset rows exist, with no body", () => {
  assert.deepEqual(
    AFN01_ROWS.map((r) => [r.fn, r.down?.length ?? 0, r.up]),
    [
      [1, 0, undefined],
      [2, 0, undefined],
      [3, 0, undefined],
      [4, 0, undefined],
    ],
  );
});

test("AFN01 golden: S4 hardware reset and X29 data-area init carry only PW + Tp after DA/DT", () => {
  // S4: 41 | A | 01 | SEQ F0 (TpV) | p0 F1 | PW 00×16 | Tp 00 28 53 13 07 05
  const s4 = firstUnit(
    "68 8A 00 8A 00 68 41 00 02 34 12 04 01 F0 00 00 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 28 53 13 07 05 19 16",
    true,
  );
  assert.equal(s4.dt, "01 00");
  assertGolden(findFnRow(0x01, 1)?.down, s4.body, {});
  // X29: p0 F2 | PW | Tp
  const x29 = firstUnit(
    "68 8A 00 8A 00 68 41 03 44 07 00 02 01 F1 00 00 02 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 C1 37 58 10 17 00 FC 16",
    true,
  );
  assert.equal(x29.dt, "02 00");
  assertGolden(findFnRow(0x01, 2)?.down, x29.body, {});
});
