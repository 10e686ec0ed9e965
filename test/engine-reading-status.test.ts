/**
 * The web's reading figures from the engine's view (daemon/collect-wiring.ts): a day counts a meter as read
 * when one of its daily items is stored under the day that closed; a meter that never answers is listed as
 * missing with its failures.
 */
import assert from "node:assert/strict";
import { it } from "node:test";
import { EngineReadingStatus } from "../src/daemon/collect-wiring.ts";
import { local, type PortSpec, startCollectFixture } from "./support/collect-fixture.ts";
import { runUntil } from "./support/sim-time.ts";

const SPECS: readonly PortSpec[] = [
  { port: 2, meters: 3, firstAddress: 1001, firstPoint: 1 },
  { port: 3, meters: 2, firstAddress: 2001, firstPoint: 4 },
];

it("per port and day from the engine's targets; the dead meter is the one missing", async () => {
  const fx = startCollectFixture({ start: local(2026, 11, 26, 0, 0), specs: SPECS });
  try {
    const dead = fx.meters.find((m) => m.point === 5)?.meter;
    assert.ok(dead);
    dead.faults = { noAnswer: 1 };
    await runUntil(fx.clock, local(2026, 11, 26, 2, 0));
    const status = new EngineReadingStatus(fx.engine, fx.core);
    const rows = status.dailySuccess(2);
    assert.deepEqual(
      rows.map((r) => [r.day, r.port, r.due, r.read]),
      [
        [20261124, 2, 3, 3],
        [20261124, 3, 2, 1],
        [20261125, 2, 3, 3],
        [20261125, 3, 2, 1],
      ],
    );
    const missing = status.missingToday(0, 10);
    assert.equal(missing.total, 1);
    assert.equal(missing.meters[0]?.point, 5);
    assert.ok((missing.meters[0]?.consecutiveFailures ?? 0) > 0);
  } finally {
    fx.close();
  }
});
