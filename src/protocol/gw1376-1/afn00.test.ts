import assert from "node:assert/strict";
import { test } from "node:test";
import { AFN00_ROWS } from "./afn00.ts";
import { findFnRow } from "./fn-table.ts";
import { assertGolden, firstUnit, fromHexStrict } from "./layout-arbitrary.ts";
import { decodeBody } from "./layout-codec.ts";

const F1 = findFnRow(0x00, 1);
const F2 = findFnRow(0x00, 2);
const F3 = findFnRow(0x00, 3);

test("AFN00: F1..F4 are indexed in the Fn table", () => {
  assert.deepEqual(
    AFN00_ROWS.map((r) => r.fn),
    [1, 2, 3, 4],
  );
  assert.equal(F3?.pn, "p0");
});

test("AFN00 F1/F2 golden: no body (S2, S5 with EC+Tp, SYN-DENY)", () => {
  // S2: master confirms a login: 0B | A 00 02 34 12 00 | 00 | 61 | p0 F1
  const s2 = firstUnit("68 32 00 32 00 68 0B 00 02 34 12 00 00 61 00 00 01 00 B5 16", false);
  assert.equal(s2.dt, "01 00");
  assertGolden(F1?.down, s2.body, {});
  // S5: terminal confirm with ACD=1 → EC 11 00, TpV=1 → Tp; no body left
  const s5 = firstUnit(
    "68 52 00 52 00 68 A0 00 02 34 12 04 00 E0 00 00 01 00 11 00 00 27 52 13 07 05 76 16",
    false,
  );
  assertGolden(F1?.up, s5.body, {});
  // SYN-DENY: terminal AFN00 F2, C=89
  const deny = firstUnit("68 32 00 32 00 68 89 01 01 BA 07 02 00 69 00 00 02 00 B9 16", false);
  assert.equal(deny.dt, "02 00");
  assertGolden(F2?.up, deny.body, {});
});

test("AFN00 F3 golden: per-unit confirm of a heartbeat (X14, SYN-ACK3) and of a login (X28)", () => {
  const x14 = firstUnit(
    "68 4A 00 4A 00 68 0B 20 21 07 00 00 00 61 00 00 04 00 02 00 00 04 00 00 BE 16",
    false,
  );
  assert.equal(x14.dt, "04 00");
  // 02 = confirmed AFN02 | 00 00 = p0 | 04 00 = F3 heartbeat | 00 = ERR correct
  assertGolden(F3?.down, x14.body, { afn: 2, units: [{ da: "00 00", dt: "04 00", err: 0 }] });
  const ack3 = firstUnit(
    "68 4A 00 4A 00 68 0B 01 01 BA 07 00 00 63 00 00 04 00 02 00 00 04 00 00 3B 16",
    false,
  );
  assertGolden(F3?.down, ack3.body, { afn: 2, units: [{ da: "00 00", dt: "04 00", err: 0 }] });
  // X28: 02 | p0 F1 (login) | ERR 0
  const x28 = firstUnit(
    "68 4A 00 4A 00 68 0B 12 7A 1D 87 00 00 69 00 00 04 00 02 00 00 01 00 00 AB 16",
    false,
  );
  assertGolden(F3?.down, x28.body, { afn: 2, units: [{ da: "00 00", dt: "01 00", err: 0 }] });
});

test("AFN00 F3 hand-written: two units, the second denied with ERR 2 (duplicate meter address)", () => {
  const body = fromHexStrict(
    [
      "04", // AFN04 confirmed
      "00 00 02 01 00", // p0 F10 → ERR 0
      "00 00 01 04 02", // p0 F33 → ERR 2
    ].join(" "),
  );
  assertGolden(F3?.up, body, {
    afn: 4,
    units: [
      { da: "00 00", dt: "02 01", err: 0 },
      { da: "00 00", dt: "01 04", err: 2 },
    ],
  });
  // a partial unit at the end is truncated, never silently dropped
  const cut = decodeBody(F3?.up ?? [], fromHexStrict("04 00 00 02 01"));
  assert.equal(cut.ok, false);
  if (!cut.ok) assert.equal(cut.error.code, "truncated");
});
