import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ManualClock } from "../common/clock.ts";
import { createSimulatedLink, runSimulation } from "./simulated-link.ts";

describe("simulated link", () => {
  it("delivers each write after its line time, one after another, in whole milliseconds", async () => {
    const clock = new ManualClock(0);
    const [a, b] = createSimulatedLink({ clock, bytesPerSecond: 1000 });
    const arrivals: [number, number][] = [];
    b.onData((chunk) => arrivals.push([clock.now(), chunk.length]));
    let sent = false;
    void Promise.all([
      a.write(new Uint8Array(10)),
      a.write(new Uint8Array(5)),
      a.write(new Uint8Array(1)),
    ]).then(() => {
      sent = true;
    });
    await runSimulation(clock, () => sent, 60_000);
    // 10 bytes at 1000 B/s = 10 ms; then 5 more (15 ms); then 1 more (16 ms)
    assert.deepEqual(arrivals, [
      [10, 10],
      [15, 5],
      [16, 1],
    ]);
    const [c, d] = createSimulatedLink({ clock: new ManualClock(0), bytesPerSecond: 3 });
    let at = -1;
    d.onData(() => {
      at = 0;
    });
    void c.write(new Uint8Array(1));
    assert.equal(at, -1, "nothing arrives before the line time");
  });

  it("loses about the asked share of frames, the same ones for the same seed", async () => {
    const lost = (seed: number) => {
      const clock = new ManualClock(0);
      const [a, b] = createSimulatedLink({ clock, bytesPerSecond: 1e6, lossRate: 0.1, seed });
      const got: number[] = [];
      b.onData((chunk) => got.push(chunk[0] as number));
      for (let i = 0; i < 1000; i++) void a.write(Uint8Array.of(i & 0xff));
      clock.advance(1000);
      return { count: a.counters.framesLost, delivered: got.length, first: got.slice(0, 20).join() };
    };
    const one = lost(7);
    assert.ok(one.count > 60 && one.count < 140, `${one.count} of 1000 lost at 10 %`);
    assert.equal(one.delivered, 1000 - one.count);
    assert.deepEqual(lost(7), one);
    assert.notDeepEqual(lost(8).first, one.first);
  });

  it("refuses writes once closed; runSimulation says when nothing is left to happen", async () => {
    const clock = new ManualClock(0);
    const [a, b] = createSimulatedLink({ clock, bytesPerSecond: 100 });
    await b.close();
    assert.equal(a.isOpen, false);
    await assert.rejects(a.write(Uint8Array.of(1)), /closed/);
    await assert.rejects(
      runSimulation(clock, () => false, 1000),
      /stuck/,
    );
  });
});
