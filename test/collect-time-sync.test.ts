/**
 * Meter time on simulated time, with virtual meters whose clocks are off by chosen amounts: the daily
 * broadcast corrects small errors (the meters' own ±5 min rule), a 5–10 min error gets an addressed clock
 * set (DL/T 645-2007 and -1997), a larger one raises ERC12 once and restores it when the clock is right
 * again; AFN05 F30 switches the function and asks for an immediate round.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { clockVerdict, meterClock, TimeSyncPlanner } from "../src/collect/time-sync.ts";
import { decodeErcRecord } from "../src/protocol/gw1376-1/erc.ts";
import type { Record_ } from "../src/protocol/gw1376-1/layout.ts";
import { toWall } from "../src/sim/meter-model.ts";
import type { VirtualMeter } from "../src/sim/virtual-meter.ts";
import { handleAfn05 } from "../src/terminal/handlers/afn05-control.ts";
import type { HandlerContext } from "../src/terminal/handlers/handler.ts";
import type { TerminalCore } from "../src/terminal/terminal-core.ts";
import { local, OFFSET, type PortSpec, startCollectFixture } from "./support/collect-fixture.ts";
import { runUntil } from "./support/sim-time.ts";

const MINUTE = 60_000;
const SPECS: readonly PortSpec[] = [
  { port: 2, meters: 4, firstAddress: 1001, firstPoint: 1 },
  { port: 3, meters: 1, firstAddress: 2001, firstPoint: 5, edition: "1997" },
];

/** Puts a meter's clock `offsetMs` away from true time (as if it drifted there). */
function skew(meter: VirtualMeter, now: number, offsetMs: number): void {
  meter.model.setTime(toWall(now + offsetMs + OFFSET * MINUTE));
}

const errorMs = (meter: VirtualMeter, now: number): number => meter.model.meterMs(now) - now;

function erc12(core: TerminalCore): { pn: number; occurred: number }[] {
  const out: { pn: number; occurred: number }[] = [];
  for (const ring of ["important", "general"] as const) {
    for (const event of core.store.events.latest(ring)) {
      if (event.erc !== 12) continue;
      const decoded = decodeErcRecord(event.record);
      assert.ok(decoded.ok);
      const { pn, occurred } = (
        (decoded.value as Record_).data as { point: { pn: number; occurred: number } }
      ).point;
      out.push({ pn, occurred });
    }
  }
  return out;
}

describe("meter time sync", () => {
  it("classifies deviations by the thresholds and parses meter clocks", () => {
    assert.equal(clockVerdict(4.9 * MINUTE, 5, 10), "ok");
    assert.equal(clockVerdict(-5 * MINUTE, 5, 10), "set");
    assert.equal(clockVerdict(10 * MINUTE, 5, 10), "set");
    assert.equal(clockVerdict(-10.1 * MINUTE, 5, 10), "event");
    assert.equal(meterClock("2026-11-10 w02", "12:34:56", OFFSET), local(2026, 11, 10, 12, 34) + 56_000);
    assert.equal(meterClock("2026-13-10 w02", "12:34:56", OFFSET), undefined);
    assert.equal(meterClock(null, "12:34:56", OFFSET), undefined);
  });

  it("broadcasts, sets 5–10 min clocks, raises ERC12 once beyond 10 min and restores it", async () => {
    const fx = startCollectFixture({ start: local(2026, 11, 10, 20, 0), specs: SPECS });
    try {
      const planner = TimeSyncPlanner.install(fx.engine, fx.core);
      const [small, medium, large, fine, old] = fx.meters.map((m) => m.meter);
      assert.ok(small && medium && large && fine && old);
      const now = fx.clock.now();
      skew(small, now, 2 * MINUTE);
      skew(medium, now, 7 * MINUTE);
      skew(large, now, -15 * MINUTE);
      skew(old, now, -8 * MINUTE);
      await runUntil(fx.clock, local(2026, 11, 10, 20, 55));
      assert.equal(planner.counters.broadcasts, 0, "nothing before the default 21:00 broadcast");

      await runUntil(fx.clock, local(2026, 11, 10, 22, 0));
      // One broadcast per protocol on each port: 2007 on port 2, 1997 on port 3.
      assert.equal(planner.counters.broadcasts, 2);
      const t = fx.clock.now();
      assert.ok(Math.abs(errorMs(small, t)) < 10_000, `broadcast corrected 2 min (${errorMs(small, t)} ms)`);
      assert.ok(
        Math.abs(errorMs(medium, t)) < 10_000,
        `clock set corrected 7 min (${errorMs(medium, t)} ms)`,
      );
      assert.ok(Math.abs(errorMs(old, t)) < 10_000, `1997 clock set corrected 8 min (${errorMs(old, t)} ms)`);
      assert.ok(Math.abs(errorMs(large, t) + 15 * MINUTE) < 10_000, "a 15 min error is left for a person");
      assert.equal(planner.counters.clockSets, 2);
      assert.deepEqual(
        fx.core.store.meterEvents
          .list()
          .filter((e) => e.kind === "clock set by terminal")
          .map((e) => e.point)
          .sort(),
        [2, 5],
      );
      assert.deepEqual(erc12(fx.core), [{ pn: 3, occurred: 1 }]);

      // The next day: still wrong, still one ERC12.
      await runUntil(fx.clock, local(2026, 11, 11, 22, 0));
      assert.deepEqual(erc12(fx.core), [{ pn: 3, occurred: 1 }]);
      assert.equal(planner.counters.broadcasts, 4);

      // Someone fixes the meter; the next check restores the event.
      skew(large, fx.clock.now(), 0);
      await runUntil(fx.clock, local(2026, 11, 12, 22, 0));
      assert.deepEqual(erc12(fx.core), [
        { pn: 3, occurred: 1 },
        { pn: 3, occurred: 0 },
      ]);
    } finally {
      fx.close();
    }
  });

  it("AFN05 F30 switches meter time sync off, and on with an immediate round", async () => {
    const fx = startCollectFixture({ start: local(2026, 11, 10, 10, 0), specs: SPECS });
    try {
      const planner = TimeSyncPlanner.install(fx.engine, fx.core);
      const f30 = (enabled: number) =>
        handleAfn05({
          core: fx.core,
          items: [{ pn: 0, fn: 30, data: { enabled } }],
        } as unknown as HandlerContext);
      const medium = fx.meters[1]?.meter;
      assert.ok(medium);
      skew(medium, fx.clock.now(), 6 * MINUTE);

      await f30(0);
      await runUntil(fx.clock, local(2026, 11, 10, 23, 0));
      assert.equal(planner.counters.broadcasts, 0, "switched off: no 21:00 broadcast");
      assert.equal(planner.counters.checks, 0);

      await f30(1);
      await runUntil(fx.clock, local(2026, 11, 10, 23, 10));
      assert.equal(planner.counters.broadcasts, 2, "switched on: broadcast at once");
      assert.ok(planner.counters.checks >= 5, "and every meter checked");
      assert.ok(Math.abs(errorMs(medium, fx.clock.now())) < 10_000);
      const refused = (await handleAfn05({
        core: fx.core,
        items: [{ pn: 0, fn: 30, data: { enabled: 7 } }],
      } as unknown as HandlerContext)) as unknown;
      assert.notDeepEqual(refused, undefined);
    } finally {
      fx.close();
    }
  });
});
