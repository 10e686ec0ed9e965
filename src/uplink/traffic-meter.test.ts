import assert from "node:assert/strict";
import { it } from "node:test";
import { ManualClock } from "../common/clock.ts";
import { silentLogger } from "../common/logger.ts";
import { fromLocalParts } from "../store/calendar.ts";
import { needsFreshTraffic, TrafficMeter } from "./traffic-meter.ts";

const OFFSET = 480;

function setup(start: number, flushIntervalMs = 60_000) {
  const clock = new ManualClock(start);
  const writes: { at: number; up: number; down: number }[] = [];
  let failing = false;
  let flushed = 0;
  const meter = new TrafficMeter({
    store: {
      add(up, down) {
        if (failing) throw new Error("disk full");
        writes.push({ at: clock.now(), up, down });
      },
    },
    clock,
    utcOffsetMinutes: OFFSET,
    logger: silentLogger,
    flushIntervalMs,
    onFlushed: () => flushed++,
  });
  return {
    clock,
    writes,
    meter,
    fail: (on: boolean) => {
      failing = on;
    },
    flushed: () => flushed,
  };
}

it("adds counted bytes to the store periodically (up = out, down = in), not only at the end", () => {
  const t = setup(fromLocalParts({ year: 2026, month: 3, day: 14, hour: 10, minute: 0, second: 0 }, OFFSET));
  t.meter.start();
  t.meter.countIn(100);
  t.meter.countOut(40);
  assert.deepEqual(t.meter.pending, { inBytes: 100, outBytes: 40 });
  t.clock.advance(59_999);
  assert.equal(t.writes.length, 0);
  t.clock.advance(1);
  assert.deepEqual(
    t.writes.map((w) => [w.up, w.down]),
    [[40, 100]],
  );
  assert.deepEqual(t.meter.pending, { inBytes: 0, outBytes: 0 });
  assert.equal(t.flushed(), 1);
  t.clock.advance(60_000);
  assert.equal(t.writes.length, 1, "nothing new: no empty write");
  t.meter.countIn(5);
  t.meter.stop();
  assert.deepEqual(t.writes.at(-1), { at: t.clock.now(), up: 0, down: 5 });
  t.meter.countIn(1);
  t.clock.advance(600_000);
  assert.equal(t.writes.length, 2, "no timer after stop");
});

it("flushes just before local midnight so a day's bytes stay on that day", () => {
  const start = fromLocalParts({ year: 2026, month: 3, day: 14, hour: 23, minute: 59, second: 30 }, OFFSET);
  const t = setup(start, 3_600_000);
  t.meter.start();
  t.meter.countIn(7);
  t.clock.advance(30_000);
  assert.equal(t.writes.length, 1);
  const w = t.writes[0];
  assert.ok(w);
  assert.ok(w.at < start + 30_000, "written before midnight");
  assert.equal(w.down, 7);
  t.meter.countIn(3);
  t.clock.advance(3_600_000);
  assert.equal(t.writes.length, 2);
  assert.ok((t.writes[1]?.at ?? 0) >= start + 30_000, "the next bytes after midnight");
});

it("a failed write keeps the counts pending for the next flush", () => {
  const t = setup(0);
  t.meter.countOut(10);
  t.fail(true);
  t.meter.flush();
  assert.equal(t.meter.flushFailures, 1);
  assert.deepEqual(t.meter.pending, { inBytes: 0, outBytes: 10 });
  t.fail(false);
  t.meter.countOut(1);
  t.meter.flush();
  assert.deepEqual(
    t.writes.map((w) => w.up),
    [11],
  );
});

it("knows which queries need fresh totals", () => {
  const q = (afn: number, fns: number[]) => ({ afn, groups: [{ pns: [0], fns, items: [] }] });
  assert.equal(needsFreshTraffic(q(0x0c, [2, 10])), true);
  assert.equal(needsFreshTraffic(q(0x0c, [2])), false);
  assert.equal(needsFreshTraffic(q(0x0d, [53])), true);
  assert.equal(needsFreshTraffic(q(0x0d, [54])), true);
  assert.equal(needsFreshTraffic(q(0x0d, [161])), false);
  assert.equal(needsFreshTraffic(q(0x0a, [10])), false);
});
