/**
 * Meter search through the real RS-485 channel: virtual meters on a simulated bus behind an in-memory
 * pipe; the wildcard probes, silences and collisions all cross the channel's exchange logic.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { searchBus } from "../src/channels/rs485/meter-search.ts";
import { Rs485Channel } from "../src/channels/rs485/rs485-channel.ts";
import { ManualClock, SystemClock } from "../src/common/clock.ts";
import { VirtualMeter } from "../src/sim/virtual-meter.ts";
import { pipeField } from "./support/rs485-fixture.ts";

const meterClock = new ManualClock(Date.UTC(2026, 10, 26, 10, 0, 0));

test("wildcard search over the channel finds every meter, resolving a collision on the lowest byte", async () => {
  const addresses = ["000000000012", "000000003412", "000000000099"];
  const meters = addresses.map((a, i) => VirtualMeter.create(a, meterClock, { historyDays: 1, seed: i + 1 }));
  const clock = new SystemClock();
  // A silent probe costs the response timeout: keep it short on this instant (unpaced) line.
  const channel = new Rs485Channel({
    port: 2,
    open: pipeField(meters).open,
    clock,
    timing: { responseBaseMs: 15, responseByteTimes: 0, gapFloorMs: 1, gapByteTimes: 0 },
  });
  try {
    const result = await searchBus((frame) => channel.probe(frame, { priority: "supplementary" }), { clock });
    assert.deepEqual([...result.found].sort(), [...addresses].sort());
    assert.deepEqual(result.conflicts, []);
    assert.equal(result.cursor, undefined);
    // Root, the lowest byte (00..99), then the byte above "12".
    assert.equal(result.probes, 201);
    assert.ok(channel.counters.garbage >= 2, "the root and 12 collided");
  } finally {
    await channel.close();
  }
});

test("a single-meter bus answers the broadcast read-address; a paused port stops a search", async () => {
  const meters = [VirtualMeter.create("202612260001", meterClock, { historyDays: 1 })];
  const clock = new SystemClock();
  const channel = new Rs485Channel({ port: 3, open: pipeField(meters).open, clock });
  try {
    const one = await searchBus((frame) => channel.probe(frame), { clock, maxProbes: 1 });
    assert.deepEqual(one.found, ["202612260001"]);
    assert.equal(one.cursor, undefined);
    channel.pause();
    const paused = await searchBus((frame) => channel.probe(frame, { priority: "supplementary" }), { clock });
    assert.equal(paused.stoppedBy, "port paused");
    assert.equal(paused.probes, 0);
  } finally {
    await channel.close();
  }
});
