/**
 * Meter search over the real RS-485 channel (exchange machine, FE preamble, response timeouts) against a
 * simulated bus whose colliding answers arrive as garbled bytes (sim/meter-bus.ts). Real time (the channel
 * waits for bytes from the pipe), with short probe windows: two meters collide at the root, so one round is
 * 1 + 100 probes. No assertion depends on speed; the limits only guard against a hang.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { requestMeterSearch } from "../src/collect/meter-search.ts";
import { OFFSET } from "./support/collect-fixture.ts";
import { collidingSearch } from "./support/rs485-fixture.ts";

test("the wildcard search resolves a collision on a real RS-485 channel and reports the meters (ERC35)", async () => {
  const { clock, meters, field, channel, core, engine, planner } = collidingSearch(OFFSET);
  engine.start();
  try {
    requestMeterSearch(core.store, 2, clock.now());
    const limit = Date.now() + 120_000;
    while (planner.counters.ercs < 2 && Date.now() < limit) await new Promise((r) => setTimeout(r, 100));
    while (planner.round(2) !== undefined && Date.now() < limit) await new Promise((r) => setTimeout(r, 100));
    assert.ok(field.bus.stats.collisions >= 1, `collisions on the bus: ${field.bus.stats.collisions}`);
    assert.equal(planner.counters.collisions, 1);
    assert.equal(planner.round(2), undefined, "round finished");
    const reported = core.store.meterWatch;
    for (const m of meters) assert.equal(reported.get(0, `found:2:${m.address}`), "2007", m.address);
    assert.equal(planner.counters.ercs, 2);
  } finally {
    engine.close();
    core.close();
    await channel.close();
  }
});
