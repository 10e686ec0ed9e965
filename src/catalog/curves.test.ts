/**
 * The catalogue's curve rows: for every curve row and edition, a virtual meter's answer (real DL/T 645
 * frames) gives a point that the 1376.1 curve layout encodes and decodes back unchanged, and equals the meter
 * model's instantaneous value or register read directly from the model (not through the row's conversion).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { exchangeWithMeter } from "../../test/support/memory-channel.ts";
import { itemsFor } from "../collect/reading-scheme.ts";
import { ManualClock } from "../common/clock.ts";
import { decodeDiData } from "../protocol/dlt645/data.ts";
import type { Dlt645Edition } from "../protocol/dlt645/functions.ts";
import { findFnRow } from "../protocol/gw1376-1/fn-table.ts";
import { decodeBody, encodeBody } from "../protocol/gw1376-1/layout-codec.ts";
import type { MeterModel } from "../sim/meter-model.ts";
import { VirtualMeter } from "../sim/virtual-meter.ts";
import {
  CURVE_ITEMS,
  type CurveItem,
  curveIdentifiers,
  curvePoint,
  curveReadable,
  energyAmount,
  findCurveItem,
} from "./curves.ts";
import type { Answer } from "./values.ts";

const NOW = Date.UTC(2026, 10, 26, 2, 30);
const round2 = (v: number): number => Math.round(v * 100) / 100;

/** The model's value for each read curve (Fn → value), per edition, as the meter's own display gives it. */
function oracle(m: MeterModel, edition: Dlt645Edition, fn: number): number | undefined {
  const v = m.instant();
  const e = m.energies();
  const e97 = edition === "1997";
  const combined = (a: number[], b: number[]): number => round2((a[0] ?? 0) + (b[0] ?? 0));
  // 1997 meters give voltage without decimals, current and reactive power with two (virtual-meter.ts).
  const table: Record<number, number | undefined> = {
    81: v.activeKw[0],
    82: v.activeKw[1],
    83: v.activeKw[2],
    84: v.activeKw[3],
    89: e97 ? Math.round(v.voltage[0] ?? 0) : v.voltage[0],
    90: v.voltage[1],
    91: v.voltage[2],
    92: e97 ? round2(v.current[0] ?? 0) : v.current[0],
    93: v.current[1],
    94: v.current[2],
    95: 0,
    101: round2(e.positiveActive[0] ?? 0),
    102: combined(e.reactiveQ1, e.reactiveQ2),
    103: round2(e.reverseActive[0] ?? 0),
    104: combined(e.reactiveQ3, e.reactiveQ4),
  };
  for (let i = 0; i < 4; i++) {
    table[85 + i] = e97 ? round2(v.reactiveKvar[i] ?? 0) : v.reactiveKvar[i];
    table[105 + i] = Math.round((v.powerFactor[i] ?? 0) * 1000) / 10;
  }
  return table[fn];
}

function answers(
  meter: VirtualMeter,
  edition: Dlt645Edition,
  dis: readonly number[],
): (di: number) => Answer {
  const out = new Map<number, Answer>();
  for (const di of dis) {
    const result = exchangeWithMeter(meter, edition, meter.address, di);
    assert.ok(result.ok, `DI ${di.toString(16)}: ${result.ok ? "" : result.reason}`);
    const decoded = decodeDiData(edition, di, result.data);
    assert.ok(decoded.ok, decoded.ok ? "" : decoded.error.message);
    out.set(di, decoded.value.value);
  }
  return (di) => out.get(di);
}

describe("curve rows of the catalogue", () => {
  it("every row is a 1376.1 Td_c curve whose point format is the row's", () => {
    for (const item of CURVE_ITEMS) {
      const row = findFnRow(0x0d, item.fn);
      assert.ok(row, `F${item.fn}: no AFN0D layout`);
      const values = row.up?.find((f) => f.name === "values");
      assert.ok(values && values.type === "repeat", `F${item.fn}: not a curve`);
      const point = values.fields[0];
      assert.equal(point && "format" in point ? point.format : undefined, item.format, `F${item.fn}: format`);
    }
    assert.deepEqual(
      CURVE_ITEMS.map((i) => i.fn),
      [
        81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 97, 98, 99, 100, 101, 102, 103, 104,
      ].concat([105, 106, 107, 108]),
    );
  });

  for (const edition of ["2007", "1997"] as const) {
    it(`${edition} meter: each readable point encodes and equals the meter model`, () => {
      const clock = new ManualClock(NOW);
      const meter = VirtualMeter.create(edition === "2007" ? "000000000017" : "000000000097", clock, {
        edition,
        utcOffsetMinutes: 480,
        historyDays: 5,
      });
      const read = CURVE_ITEMS.filter((i) => i.amountOf === undefined && i.sources[edition] !== undefined);
      assert.ok(read.length >= (edition === "2007" ? 23 : 22), `only ${read.length} rows`);
      const got = answers(meter, edition, curveIdentifiers(read, edition));
      for (const item of read) {
        const value = curvePoint(item, edition, got);
        assert.notEqual(value, undefined, `F${item.fn}: nothing built`);
        const layout = findFnRow(0x0d, item.fn)?.up ?? [];
        const data = { start: "2026-11-26 10:30", density: 1, points: 1, values: [{ value: value ?? null }] };
        const back = decodeBody(layout, encodeBody(layout, data));
        assert.ok(back.ok, `F${item.fn}: ${back.ok ? "" : back.error.message}`);
        assert.deepEqual(back.value, data, `F${item.fn}: codec round trip`);
        assert.equal(value, oracle(meter.model, edition, item.fn), `F${item.fn}: differs from the model`);
      }
    });
  }

  it("identifiers are shared: F81–F84 read one 2007 block, amounts read their reading's register", () => {
    const pick = (...fns: number[]) => fns.map((fn) => findCurveItem(fn) as CurveItem);
    assert.deepEqual(curveIdentifiers(pick(81, 82, 84), "2007"), [0x0203ff00]);
    assert.deepEqual(curveIdentifiers(pick(81, 82), "1997"), [0xb630, 0xb631]);
    assert.deepEqual(curveIdentifiers(pick(97, 101), "2007"), [0x00010000]);
    assert.equal(curveReadable(findCurveItem(97) as CurveItem, "1997"), true);
    assert.equal(curveReadable(findCurveItem(95) as CurveItem, "1997"), false);
  });

  it("an amount is the difference of two readings; a missing or decreasing reading gives no amount", () => {
    const f97 = findCurveItem(97) as CurveItem;
    assert.equal(energyAmount(f97, 1234.56, 1235.01), 0.45);
    assert.equal(energyAmount(f97, undefined, 1235.01), null);
    assert.equal(energyAmount(f97, 1235.01, 12.5), null);
  });

  it("values a point format cannot hold are 'no data', a 'no such data' answer is nothing", () => {
    const f102 = findCurveItem(102) as CurveItem; // combined reactive: signed in DL/T, A.11 unsigned
    assert.equal(
      curvePoint(f102, "2007", () => -5),
      null,
    );
    assert.equal(
      curvePoint(findCurveItem(81) as CurveItem, "2007", () => null),
      undefined,
    );
  });

  it("F39 enables curves per class; without it no curve is collected", () => {
    const target = { address: "000000000001", edition: "2007" as const, port: 2, point: 1, serial: 1 };
    const f39 = {
      bigClass: 0,
      smallClasses: [
        { smallClass: 0, groups: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0b11, 0, 0x10].map((fns) => ({ fns })) },
      ],
    };
    const fns = (t: typeof target & { bigClass: number; smallClass: number }, value: unknown) =>
      itemsFor(t, undefined, value).curve.map((i) => i.fn);
    // Group 11 (F81–F88) bits 0,1 → F81, F82; group 13 (F97–F104) bit 4 → F101.
    assert.deepEqual(fns({ ...target, bigClass: 0, smallClass: 0 }, f39), [81, 82, 101]);
    assert.deepEqual(fns({ ...target, bigClass: 0, smallClass: 0 }, undefined), []);
    assert.deepEqual(fns({ ...target, bigClass: 1, smallClass: 0 }, f39), []);
  });
});
