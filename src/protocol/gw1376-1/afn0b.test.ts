import assert from "node:assert/strict";
import { test } from "node:test";
import { fromHex, toHex } from "../common/hex.ts";
import { AFN0B_ROWS } from "./afn0b.ts";
import { decodeMessage, encodeMessage, messageItems } from "./message.ts";

// Hand-written: 68 L L 68 | C 4B (DIR 0, PRM 1, FC 11) | A1 4403, A2 7, A3 02 (MSA 1) | AFN 0B |
// SEQ 60 (FIR, FIN, seq 0) | DA p3 (04 01) DT F2 (02 00) | CS | 16
const F2_TASK_3 = "68 32 00 32 00 68 4B 03 44 07 00 02 0B 60 04 01 02 00 0D 16";

test("AFN0B: F1 / F2 request rows (pn = task) with no body, no uplink body declared", () => {
  assert.deepEqual(
    AFN0B_ROWS.map((r) => [r.fn, r.pn, r.down?.length, r.up]),
    [
      [1, "task", 0, undefined],
      [2, "task", 0, undefined],
    ],
  );
});

test("AFN0B F2 for class-2 task 3 decodes to one item and encodes back to the same bytes", () => {
  const bytes = fromHex(F2_TASK_3);
  assert.ok(bytes !== undefined);
  const decoded = decodeMessage(bytes);
  assert.ok(decoded.ok, decoded.ok ? "" : decoded.error.message);
  assert.equal(decoded.value.afn, 0x0b);
  assert.equal(decoded.value.control.fc, 11);
  assert.deepEqual(messageItems(decoded.value), [{ pn: 3, fn: 2, data: {} }]);
  assert.equal(toHex(encodeMessage(decoded.value)), F2_TASK_3);
});

test("AFN0B with a stray byte after the DA/DT is an error naming the next unit, not an item", () => {
  // Same request with one byte 55 after DT: L = 13 bytes of user data, CS + 0x55.
  const bytes = fromHex("68 36 00 36 00 68 4B 03 44 07 00 02 0B 60 04 01 02 00 55 62 16");
  assert.ok(bytes !== undefined);
  const decoded = decodeMessage(bytes);
  assert.ok(!decoded.ok);
  assert.equal(decoded.error.code, "truncated");
  assert.match(decoded.error.field, /units\[1\]/);
});
