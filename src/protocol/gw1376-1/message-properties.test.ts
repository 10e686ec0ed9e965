/**
 * Frame-level round trips for every row of the Fn table, in both directions: a generated body is wrapped in a
 * whole frame (with generated header, PW, EC and Tp), so the data-unit layer, the AUX layer and the layouts are
 * exercised together: decode(encode(m)) == m and encode(decode(bytes)) == bytes.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { toHex } from "../common/hex.ts";
import { ALL_FN_ROWS } from "./fn-table.ts";
import type { FnRow, PnKind } from "./layout.ts";
import { arbitraryForFields, arbTimeLabel, undescribedCustomField } from "./layout-arbitrary.ts";
import { decodeMessage, encodeMessage, type MessageInit, messageItems } from "./message.ts";
import { PROFILE_2013 } from "./profile.ts";

const PN_RANGE: Record<PnKind, [number, number]> = {
  p0: [0, 0],
  point: [1, 2040],
  group: [1, 8],
  task: [1, 64],
  port: [1, 31],
  any: [0, 2040],
};

function arbMessage(row: FnRow, dir: 0 | 1): fc.Arbitrary<MessageInit> | undefined {
  const fields = (dir === 0 ? row.down : row.up) ?? [];
  if (undescribedCustomField(fields) !== undefined) return undefined;
  const [lo, hi] = PN_RANGE[row.pn];
  return fc
    .record({
      pn: fc.integer({ min: lo, max: hi }),
      data: arbitraryForFields(fields),
      fcbAcd: fc.constantFrom(0 as const, 1 as const),
      seq: fc.integer({ min: 0, max: 15 }),
      tpv: fc.boolean(),
      pw: fc.uint8Array({ minLength: 16, maxLength: 16 }),
      ec: fc.record({ ec1: fc.integer({ min: 0, max: 255 }), ec2: fc.integer({ min: 0, max: 255 }) }),
      tp: arbTimeLabel,
    })
    .map((g) => ({
      control: { dir, prm: dir === 0 ? 1 : 0, fcbAcd: g.fcbAcd, fcv: 0, fc: dir === 0 ? 10 : 8 } as const,
      address: { area: "4403", terminal: 1978, master: dir === 0 ? 3 : 3, group: false },
      afn: row.afn,
      seq: { tpv: g.tpv, fir: true, fin: true, con: dir === 0, seq: g.seq },
      groups: [{ pns: [g.pn], fns: [row.fn], items: [{ pn: g.pn, fn: row.fn, data: g.data }] }],
      ...(dir === 0 && PROFILE_2013.pwAfns.includes(row.afn) ? { pw: g.pw } : {}),
      ...(dir === 1 && g.fcbAcd === 1 ? { ec: { ...g.ec } } : {}),
      ...(g.tpv ? { tp: { ...g.tp } } : {}),
    }));
}

function plain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}

test("the Fn table has rows for every AFN the codec serves", () => {
  const afns = new Set(ALL_FN_ROWS.map((r) => r.afn));
  for (const afn of [0x00, 0x01, 0x02, 0x04, 0x05, 0x09, 0x0a, 0x0c, 0x0d, 0x0e, 0x0f, 0x10]) {
    assert.ok(afns.has(afn), `no rows for AFN ${afn.toString(16)}`);
  }
});

const skipped: string[] = [];
for (const row of ALL_FN_ROWS) {
  for (const dir of [0, 1] as const) {
    if ((dir === 0 ? row.down : row.up) === undefined) continue;
    const arb = arbMessage(row, dir);
    const label = `AFN${row.afn.toString(16).padStart(2, "0").toUpperCase()} F${row.fn} ${dir === 0 ? "down" : "up"}`;
    if (arb === undefined) {
      skipped.push(label);
      continue;
    }
    test(`property: ${label} (${row.name}) round-trips as a whole frame`, () => {
      fc.assert(
        fc.property(arb, (message) => {
          const bytes = encodeMessage(message);
          const decoded = decodeMessage(bytes);
          assert.ok(decoded.ok, decoded.ok ? "" : decoded.error.message);
          // JSON normalises fast-check's null-prototype records; values are plain JSON by design.
          assert.deepEqual(plain(messageItems(decoded.value)), plain(messageItems(message)));
          assert.equal(toHex(encodeMessage(decoded.value)), toHex(bytes));
        }),
        { numRuns: 25 },
      );
    });
  }
}

test("every row direction can be generated (custom codecs describe their values)", () => {
  assert.deepEqual(skipped, []);
});
