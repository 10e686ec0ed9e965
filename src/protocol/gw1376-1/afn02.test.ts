import assert from "node:assert/strict";
import { test } from "node:test";
import { findFnRow } from "./fn-table.ts";
import { assertGolden, firstUnit, fromHexStrict } from "./layout-arbitrary.ts";
import { decodeBody } from "./layout-codec.ts";

const HEARTBEAT = findFnRow(0x02, 3);

test("AFN02 golden: login (L2) and logout (L3) have no body", () => {
  const l2 = firstUnit("68 32 00 32 00 68 C9 71 01 22 08 00 02 78 00 00 01 00 E0 16", false);
  assert.equal(l2.dt, "01 00");
  assertGolden(findFnRow(0x02, 1)?.up, l2.body, {});
  const l3 = firstUnit("68 32 00 32 00 68 C9 71 01 22 08 00 02 71 00 00 02 00 DA 16", false);
  assert.equal(l3.dt, "02 00");
  assertGolden(findFnRow(0x02, 2)?.up, l3.body, {});
});

test("AFN02 F3 golden: the 2009 heartbeat (L1) has no clock, the 2013 one (SYN-HB13) carries A.1", () => {
  const l1 = firstUnit("68 32 00 32 00 68 C9 71 01 22 08 00 02 79 00 00 04 00 E4 16", false);
  assert.equal(l1.dt, "04 00");
  assertGolden(HEARTBEAT?.up, l1.body, { clock: null });
  // SYN-HB13: 05 s | 30 min | 14 h | day 15 | 71 = Wednesday + November | 23
  const hb13 = firstUnit(
    "68 4A 00 4A 00 68 C9 01 01 BA 07 00 02 73 00 00 04 00 05 30 14 15 71 23 F7 16",
    false,
  );
  assertGolden(HEARTBEAT?.up, hb13.body, { clock: { time: "2023-11-15 14:30:05", weekday: 3 } });
});

test("AFN02 F3: a clock cut short is truncated, a clock with bad BCD is a bad value", () => {
  const cut = decodeBody(HEARTBEAT?.up ?? [], fromHexStrict("05 30 14"));
  assert.equal(cut.ok ? "ok" : cut.error.code, "truncated");
  const bad = decodeBody(HEARTBEAT?.up ?? [], fromHexStrict("05 30 14 15 7A 23"));
  assert.equal(bad.ok ? "ok" : bad.error.code, "bad-value");
  if (!bad.ok) assert.equal(bad.error.field, "data.clock.A.1");
});
