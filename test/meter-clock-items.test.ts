/**
 * AFN0C F27 (meter clock, programming and clearing counters) through the data service: a master's request
 * for a named point is read live from the virtual meter behind the engine's channel (DL/T 645-2007 and
 * -1997), the answer carries the meter's own counts and event times, the reading is stored and served from
 * the store afterwards; a point without a meter or data is left out and, alone, denied.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EngineFieldAccess } from "../src/collect/live.ts";
import { CapturingLogger } from "../src/common/logger.ts";
import type { DataItem } from "../src/protocol/gw1376-1/data-units.ts";
import type { MeterEvent, WallTime } from "../src/sim/meter-model.ts";
import { serveCurrentData } from "../src/terminal/data-service/current-data.ts";
import { Dispatcher } from "../src/terminal/dispatcher.ts";
import { local, type PortSpec, startCollectFixture } from "./support/collect-fixture.ts";
import { runUntil } from "./support/sim-time.ts";

const SPECS: readonly PortSpec[] = [
  { port: 2, meters: 1, firstAddress: 3001, firstPoint: 1 },
  { port: 3, meters: 1, firstAddress: 4001, firstPoint: 2, edition: "1997" },
];

const two = (n: number) => String(n).padStart(2, "0");
/** A model wall time as an A.1 event time: DL/T 645 event records carry no weekday (A.1 weekday 0). */
function a1(w: WallTime): { time: string; weekday: number } {
  return {
    time: `${w.year}-${two(w.month)}-${two(w.day)} ${two(w.hour)}:${two(w.minute)}:${two(w.second)}`,
    weekday: 0,
  };
}
const seconds = (a: { time: string }) => Date.parse(`${a.time.replace(" ", "T")}Z`) / 1000;

describe("AFN0C F27 meter clock and programming/clearing counters", () => {
  it("is read live from 2007 and 1997 meters with their own counts and times, then served from the store", async () => {
    const fx = startCollectFixture({ start: local(2026, 11, 26, 10, 0), specs: SPECS });
    try {
      const m07 = fx.meters.find((m) => m.point === 1)?.meter.model;
      const m97 = fx.meters.find((m) => m.point === 2)?.meter.model;
      assert.ok(m07 && m97);
      // Things happen at the meters: programming twice, a demand clear, a clock set (2007); programming (1997).
      m07.programmed([0x04000101], 0x11);
      await runUntil(fx.clock, fx.clock.now() + 90_000);
      m07.programmed([0x04000b01], 0x11);
      m07.clearDemand(0x12);
      const w = m07.wallNow();
      m07.setTime(
        { year: w.year, month: w.month, day: w.day, hour: w.hour, minute: w.minute, second: 0 },
        0x13,
      );
      m97.programmed([0xc010], 0x21);

      const field = new EngineFieldAccess(fx.engine, fx.core);
      const clockBefore = seconds(a1(m07.wallNow()));
      const pending = serveCurrentData({ core: fx.core, field }, [
        { pn: 1, fn: 27, data: {} },
        { pn: 2, fn: 27, data: {} },
        { pn: 9, fn: 27, data: {} },
      ]);
      await runUntil(fx.clock, fx.clock.now() + 30_000);
      const answers = await pending;
      const clockAfter = seconds(a1(m07.wallNow()));
      assert.deepEqual(
        answers.map((a) => a.pn),
        [1, 2],
        "p9 has no meter: left out",
      );
      const [p1, p2] = answers as [DataItem, DataItem];

      const last = (events: readonly MeterEvent[] | undefined) => {
        const e = events?.[0];
        assert.ok(e, "the meter has the event");
        return a1(e.at);
      };
      const d1 = p1.data as Record<string, unknown>;
      assert.equal(d1.programmingCount, m07.eventCounts.get("programming"));
      assert.equal(d1.programmingCount, 2);
      assert.deepEqual(d1.lastProgrammingTime, last(m07.events.get("programming")));
      assert.equal(d1.demandClearCount, 1);
      assert.deepEqual(d1.lastDemandClearTime, last(m07.events.get("maximum demand clear")));
      assert.equal(d1.clockSetCount, 1);
      const clockSet = m07.events.get("clock set")?.[0]?.timeBefore;
      assert.ok(clockSet);
      assert.deepEqual(
        d1.lastClockSetTime,
        a1(clockSet),
        "when it happened, by the clock before the setting",
      );
      // Never cleared: zero count and the all-zero "never" time.
      assert.equal(d1.meterClearCount, m07.eventCounts.get("meter clear") ?? 0);
      assert.equal(d1.eventClearCount, 0);
      assert.equal(d1.lastEventClearTime, "unset");
      assert.equal(d1.batteryMinutes, null, "no identifier for the battery time: EE");
      // The meter clock as read: the model's clock at some moment while the request ran.
      const clock1 = d1.meterClock as { time: string };
      assert.ok(seconds(clock1) >= clockBefore && seconds(clock1) <= clockAfter, clock1.time);

      const d2 = p2.data as Record<string, unknown>;
      assert.equal(d2.programmingCount, m97.eventCounts.get("programming"));
      // 1997 times have no year and no seconds: the year is the meter's, the seconds 00.
      const programmed97 = m97.events.get("programming")?.[0];
      assert.ok(programmed97);
      assert.deepEqual(d2.lastProgrammingTime, a1({ ...programmed97.at, second: 0 }));
      assert.equal(d2.demandClearCount, m97.eventCounts.get("maximum demand clear") ?? 0);
      assert.equal(d2.meterClearCount, null, "no 1997 identifier");

      // Stored as the current reading; served from the store without the field.
      assert.deepEqual(fx.core.store.readings.get(1, "0C:F27")?.value, p1.data);
      const stored = await serveCurrentData({ core: fx.core }, [{ pn: 1, fn: 27, data: {} }]);
      assert.deepEqual(stored[0]?.data, p1.data);

      // A request that names only the point without a meter is denied.
      const dispatcher = new Dispatcher(fx.core, new CapturingLogger());
      dispatcher.field = field;
      const denied = dispatcher.handle({
        afn: 0x0c,
        groups: [{ pns: [9], fns: [27], items: [{ pn: 9, fn: 27, data: {} }] }],
      } as unknown as Parameters<Dispatcher["handle"]>[0]);
      await runUntil(fx.clock, fx.clock.now() + 30_000);
      assert.equal((await denied).kind, "deny");
    } finally {
      fx.close();
    }
  });
});
