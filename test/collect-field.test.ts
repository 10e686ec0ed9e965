/**
 * Must-show (issue 7): a concentrator's real job on simulated time. 200 RS-485 meters on 4 buses and 1,000
 * carrier nodes with 5 % loss per attempt run through three days and a month change:
 *   - every meter's daily frozen data for each day is stored with its meter-side values;
 *   - supplementary reading stops once ≥ 99.6 % of meters have the day (no more reads of dead meters);
 *   - the monthly freeze appears for every meter;
 *   - meters made to fail raise ERC39 once per missing day and ERC31 once, restored when they answer again.
 * A second, smaller field with 2.5 % dead meters shows the cut-off holding: re-reads go on until the cut-off
 * hour and stop there, and a day later the alarms are still raised once.
 * The channels are in-memory (wire timing is not the point here); each exchange costs simulated time.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { FrozenRecord } from "../src/sim/meter-model.ts";
import {
  dataClassBody,
  ercRecords,
  local,
  type PortSpec,
  startCollectFixture,
} from "./support/collect-fixture.ts";
import { runUntil } from "./support/sim-time.ts";

const energies = (record: FrozenRecord | undefined): { value: number }[] =>
  (record?.energies.positiveActive ?? []).map((value) => ({ value }));

/**
 * Daily F161 and monthly F177 only (what a billing master asks of every meter), and no periodic real-time
 * reads, so the reads counted below are frozen-data reads.
 */
const BILLING = [
  { fn: 38, body: dataClassBody([]) },
  { fn: 39, body: dataClassBody([161, 177]) },
];

const FIELD: readonly PortSpec[] = [
  ...[2, 3, 4, 5].map((port, i) => ({
    port,
    meters: 50,
    firstAddress: 100_001 + 100 * i,
    firstPoint: 1 + 50 * i,
    exchangeMs: 300,
    timeoutMs: 1000,
  })),
  {
    port: 31,
    kind: "carrier" as const,
    meters: 1000,
    firstAddress: 300_001,
    firstPoint: 201,
    exchangeMs: 2000,
    timeoutMs: 8000,
    loss: 0.05,
  },
];

describe("must-show: a simulated field through three days and a month change", { timeout: 600_000 }, () => {
  it("stores every meter's own frozen days, applies the 99.6 % rule, the monthly freeze and the alarms", async () => {
    const fx = startCollectFixture({
      start: local(2026, 11, 28, 23, 0),
      specs: FIELD,
      parameters: BILLING,
      config: { cutoffHour: 22, supplementaryIntervalMinutes: 30 },
    });
    try {
      const meter = (point: number) => fx.meters.find((m) => m.point === point)?.meter;
      // Dead all along: one RS-485 meter and two carrier nodes (0.25 % of 1,200 — under the 0.4 % margin).
      const dead = [17, 555, 1000];
      for (const p of dead) (meter(p) ?? assert.fail()).faults = { noAnswer: 1 };
      // Silent for one day only (30 Nov): it must catch up the next day and have its alarm restored.
      const flaky = 120;
      const asked = (point: number): number => {
        const m = fx.meters.find((x) => x.point === point);
        return fx.channels.get(m?.port ?? 0)?.asked.get(m?.meter.address ?? "") ?? 0;
      };
      const deadAsked: Record<string, number> = {};
      await runUntil(fx.clock, local(2026, 12, 2, 0, 0), (now) => {
        if (now === local(2026, 11, 30, 0, 0)) (meter(flaky) ?? assert.fail()).faults = { noAnswer: 1 };
        if (now === local(2026, 12, 1, 0, 0)) (meter(flaky) ?? assert.fail()).faults = {};
        for (const [label, at] of [
          ["29th 20:00", local(2026, 11, 29, 20, 0)],
          ["29th 22:00", local(2026, 11, 29, 22, 0)],
        ] as const) {
          if (now === at) deadAsked[label] = dead.reduce((n, p) => n + asked(p), 0);
        }
      });
      const store = fx.core.store;

      // Every living meter: each closed day from the meter's own record, the month from its settlement.
      const days = [20261130, 20261129, 20261128, 20261127];
      let checked = 0;
      for (const { point, meter: m } of fx.meters) {
        if (dead.includes(point)) {
          for (const day of days) assert.equal(store.daily.get(point, "0D:F161", day), undefined);
          continue;
        }
        days.forEach((day, i) => {
          const stored = store.daily.get(point, "0D:F161", day);
          assert.ok(stored, `p${point}: no daily frozen data for ${day}`);
          assert.deepEqual(
            (stored.value as { energy: unknown }).energy,
            energies(m.model.daily[i]),
            `p${point} ${day}`,
          );
        });
        const month = store.monthly.get(point, "0D:F177", 202611);
        assert.ok(month, `p${point}: no monthly frozen data for 2026-11`);
        assert.deepEqual((month.value as { energy: unknown }).energy, energies(m.model.settlements[0]));
        checked++;
      }
      assert.equal(checked, 1197);

      // 99.6 %: each day's coverage got there, and once it had, the dead meters were left alone until the
      // next day's round (no reads of them in the last two hours before the cut-off).
      for (const day of [20261128, 20261129, 20261130]) {
        assert.ok(fx.engine.coverage("daily", day) >= 0.996, `coverage of ${day}`);
      }
      assert.equal(deadAsked["29th 22:00"], deadAsked["29th 20:00"], "dead meters re-read after 99.6 %");

      // Alarms: ERC39 once per dead meter per day that reached its cut-off (28th, 29th, 30th are cut off on
      // the 29th, 30th and 1st); the flaky meter once for the 29th; ERC31 once per dead meter, and the flaky
      // meter's ERC31 restored when it answered again.
      const erc39 = ercRecords(fx.core, 39);
      const erc31 = ercRecords(fx.core, 31);
      const count = (list: { point: number }[], point: number) =>
        list.filter((e) => e.point === point).length;
      for (const p of dead) {
        assert.equal(count(erc39, p), 3, `ERC39 of dead meter p${p}`);
        assert.equal(count(erc31, p), 1, `ERC31 of dead meter p${p}`);
      }
      assert.equal(count(erc39, flaky), 1, "ERC39 of the meter silent on the 30th");
      assert.deepEqual(
        erc31
          .filter((e) => e.point === flaky)
          .sort((a, b) => a.time.localeCompare(b.time))
          .map((e) => [e.time, e.occurred]),
        [
          ["2026-11-30 22:00", 1],
          ["2026-12-01 00:05", 0],
        ],
        "ERC31 occurred at the cut-off, restored at its first answer the next day",
      );
      const others = [...erc39, ...erc31].filter((e) => !dead.includes(e.point) && e.point !== flaky);
      assert.deepEqual(others, [], "no alarm for a meter that delivered its data");
    } finally {
      fx.close();
    }
  });

  it("keeps re-reading until the cut-off when 99.6 % is out of reach, then stops; alarms are raised once", async () => {
    const specs: readonly PortSpec[] = [2, 3].map((port, i) => ({
      port,
      meters: 60,
      firstAddress: 500_001 + 100 * i,
      firstPoint: 1 + 60 * i,
    }));
    const fx = startCollectFixture({
      start: local(2026, 11, 29, 23, 50),
      specs,
      parameters: BILLING,
      config: { cutoffHour: 20, supplementaryIntervalMinutes: 60 },
    });
    try {
      const dead = [5, 70, 99];
      for (const p of dead) {
        const m = fx.meters.find((x) => x.point === p)?.meter ?? assert.fail();
        m.faults = { noAnswer: 1 };
      }
      const asked = (): number =>
        dead.reduce((n, p) => {
          const m = fx.meters.find((x) => x.point === p);
          return n + (fx.channels.get(m?.port ?? 0)?.asked.get(m?.meter.address ?? "") ?? 0);
        }, 0);
      const seen: Record<string, number> = {};
      await runUntil(fx.clock, local(2026, 12, 1, 21, 0), (now) => {
        for (const [label, at] of [
          ["18:00", local(2026, 11, 30, 18, 0)],
          ["19:59", local(2026, 11, 30, 19, 59)],
          ["20:01", local(2026, 11, 30, 20, 1)],
          ["23:59", local(2026, 11, 30, 23, 59)],
        ] as const) {
          if (now === at) seen[label] = asked();
        }
      });
      assert.ok(
        (seen["19:59"] ?? 0) > (seen["18:00"] ?? 0),
        "re-reads go on while below 99.6 % before the cut-off",
      );
      assert.equal(seen["23:59"], seen["20:01"], "no re-reads between the cut-off and the next day's round");
      assert.ok(fx.engine.coverage("daily", 20261129) < 0.996);
      // Two cut-offs passed (30 Nov for the 29th, 1 Dec for the 30th): ERC39 twice per dead meter, ERC31 once.
      const erc39 = ercRecords(fx.core, 39);
      const erc31 = ercRecords(fx.core, 31);
      for (const p of dead) {
        assert.equal(erc39.filter((e) => e.point === p).length, 2, `ERC39 of p${p}`);
        assert.equal(erc31.filter((e) => e.point === p).length, 1, `ERC31 of p${p}`);
      }
      assert.equal(erc39.length, 6);
      assert.equal(erc31.length, 3);
    } finally {
      fx.close();
    }
  });
});
