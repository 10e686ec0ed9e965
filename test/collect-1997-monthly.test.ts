/**
 * DL/T 645-1997 meters on simulated time across a month change: the engine collects their monthly frozen
 * items from the 1997 "last month" identifiers (94xx/95xx energies, A4xx/B4xx maximum demand), each equal to
 * the meter model's settlement record, and a master's AFN0D request for them is answered from the store.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Record_ } from "../src/protocol/gw1376-1/layout.ts";
import type { DemandValue, EnergySet } from "../src/sim/meter-model.ts";
import { serveFrozenData } from "../src/terminal/data-service/frozen-data.ts";
import { dataClassBody, local, type PortSpec, startCollectFixture } from "./support/collect-fixture.ts";
import { runUntil } from "./support/sim-time.ts";

const SPECS: readonly PortSpec[] = [
  { port: 3, meters: 2, firstAddress: 2001, firstPoint: 1, edition: "1997" },
];
/** Monthly items to collect (AFN04 F39 for class 0/0): energies F177–F184, max demand F193/F195. */
const MONTHLY_FNS = [177, 178, 179, 180, 181, 182, 183, 184, 193, 195];

const two = (n: number): string => String(n).padStart(2, "0");
const round2 = (v: number): number => Math.round(v * 100) / 100;
const entries = (values: readonly number[]): { value: number }[] => values.map((value) => ({ value }));

/** F177–F184 in 1376.1 order from the model's energies (oracle: reads the model, not the catalogue). */
function monthlyEnergies(e: EnergySet): Record<number, number[]> {
  const sum = (a: number[], b: number[]) => a.map((v, i) => round2(v + (b[i] ?? 0)));
  return {
    177: e.positiveActive,
    178: sum(e.reactiveQ1, e.reactiveQ2),
    179: e.reverseActive,
    180: sum(e.reactiveQ3, e.reactiveQ4),
    181: e.reactiveQ1,
    182: e.reactiveQ2,
    183: e.reactiveQ3,
    184: e.reactiveQ4,
  };
}

/** A.23 demand with its A.17 time ("MM-DD hh:mm": 1997 demand times carry no year). */
const demandPairs = (list: readonly DemandValue[]): Record_[] =>
  list.map((d) => ({
    demand: d.kw,
    time: `${two(d.at.month)}-${two(d.at.day)} ${two(d.at.hour)}:${two(d.at.minute)}`,
  }));

describe("DL/T 645-1997 monthly frozen data", () => {
  it("is collected from the last-month identifiers across a month change and served to the master", async () => {
    const fx = startCollectFixture({
      start: local(2026, 11, 30, 23, 30),
      specs: SPECS,
      parameters: [{ fn: 39, body: dataClassBody(MONTHLY_FNS) }],
    });
    try {
      // Before the month closes there is nothing for November.
      await runUntil(fx.clock, local(2026, 11, 30, 23, 55));
      const store = fx.core.store;
      for (const { point } of fx.meters) assert.equal(store.monthly.get(point, "0D:F177", 202611), undefined);

      await runUntil(fx.clock, local(2026, 12, 1, 3, 0));
      for (const { point, meter } of fx.meters) {
        const settled = meter.model.settlements[0];
        assert.ok(settled, `p${point}: the model settled no month`);
        assert.equal(settled.at.month, 12, "settled on 1 December (the close of November)");
        const expected = monthlyEnergies(settled.energies);
        for (const fn of [177, 178, 179, 180, 181, 182, 183, 184]) {
          const stored = store.monthly.get(point, `0D:F${fn}`, 202611);
          assert.ok(stored, `p${point}: no F${fn} for 2026-11`);
          assert.deepEqual(
            (stored.value as { energy: unknown }).energy,
            entries(expected[fn] as number[]),
            `p${point} F${fn}`,
          );
        }
        for (const [fn, list] of [
          [193, settled.positiveDemand],
          [195, settled.reverseDemand],
        ] as const) {
          const stored = store.monthly.get(point, `0D:F${fn}`, 202611);
          assert.ok(stored, `p${point}: no F${fn} for 2026-11`);
          assert.deepEqual((stored.value as { maxDemand: unknown }).maxDemand, demandPairs(list));
        }
        // The month's maximum is a real one (not the reset of the new month) and differs from the current.
        assert.ok((settled.positiveDemand[0]?.kw ?? 0) > 0, `p${point}: no demand in November`);
        assert.notDeepEqual(meter.model.demand().positive, settled.positiveDemand);
      }

      // The master asks AFN0D F177 and F193 for November, for both points and a point without a meter.
      const answers = await serveFrozenData({ core: fx.core }, [
        { pn: 1, fn: 177, data: { Td_m: "2026-11" } },
        { pn: 2, fn: 177, data: { Td_m: "2026-11" } },
        { pn: 2, fn: 193, data: { Td_m: "2026-11" } },
        { pn: 9, fn: 177, data: { Td_m: "2026-11" } },
      ]);
      assert.deepEqual(
        answers.map((a) => [a.pn, a.fn]),
        [
          [1, 177],
          [2, 177],
          [2, 193],
        ],
      );
      for (const answer of answers) {
        const meter = fx.meters.find((m) => m.point === answer.pn)?.meter;
        const settled = meter?.model.settlements[0];
        assert.ok(settled);
        const data = answer.data as Record_;
        assert.equal(data.Td_m, "2026-11");
        if (answer.fn === 177) assert.deepEqual(data.energy, entries(settled.energies.positiveActive));
        else assert.deepEqual(data.maxDemand, demandPairs(settled.positiveDemand));
      }
    } finally {
      fx.close();
    }
  });

  it("a 1997 meter silent to the quadrant identifiers it lacks still has its other monthly data collected", async () => {
    const fx = startCollectFixture({
      start: local(2026, 11, 30, 23, 30),
      specs: SPECS,
      parameters: [{ fn: 39, body: dataClassBody([177, 181]) }],
    });
    try {
      // Meter 1 ignores last month's quadrant registers (9530–9560 blocks) instead of refusing them.
      const silent = fx.meters.find((m) => m.point === 1)?.meter;
      assert.ok(silent);
      silent.faults = { silentTo: [0x953f, 0x954f, 0x955f, 0x956f] };
      await runUntil(fx.clock, local(2026, 12, 1, 3, 0));
      const store = fx.core.store;
      for (const { point, meter } of fx.meters) {
        const settled = meter.model.settlements[0];
        assert.ok(settled);
        const f177 = store.monthly.get(point, "0D:F177", 202611);
        assert.ok(f177, `p${point}: F177 collected`);
        assert.deepEqual(
          (f177.value as { energy: unknown }).energy,
          entries(settled.energies.positiveActive),
        );
        const f181 = store.monthly.get(point, "0D:F181", 202611);
        if (point === 1) assert.equal(f181, undefined, "the quadrant item the meter lacks stays missing");
        else assert.ok(f181, `p${point}: F181 collected`);
      }
    } finally {
      fx.close();
    }
  });
});
