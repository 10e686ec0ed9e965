/**
 * A meter that freezes while the terminal reads its records: at 23:59:58 on the 29th the marker says record 1
 * closes the 28th; the meter's midnight passes, and the values read next already close the 29th. They must
 * not be stored as the 28th's (this happened under load in the restart must-show: a day's data one day off).
 */
import assert from "node:assert/strict";
import { it } from "node:test";
import { findItem, RECORDS } from "../src/catalog/catalog.ts";
import type { MeterReadRequest } from "../src/channels/meter-channel.ts";
import { collectFrozen } from "../src/collect/frozen.ts";
import type { PortWorker } from "../src/collect/port-worker.ts";
import { RANK } from "../src/collect/port-worker.ts";
import type { ReadTarget } from "../src/collect/targets.ts";
import { ManualClock } from "../src/common/clock.ts";
import { installedMeter, local, OFFSET } from "./support/collect-fixture.ts";
import { exchangeWithMeter } from "./support/memory-channel.ts";

const ADDRESS = "000000000042";
const TARGET: ReadTarget = {
  address: ADDRESS,
  edition: "2007",
  port: 2,
  point: 1,
  serial: 1,
  bigClass: 0,
  smallClass: 0,
};

/** Collects the 28th from 23:59:58 on the 29th; the meter's midnight passes after `freezeAfterReads` reads. */
async function collectAcrossMidnight(freezeAfterReads: number | undefined) {
  const clock = new ManualClock(local(2026, 11, 30, 0, 0) - 2_000);
  const meter = installedMeter(ADDRESS, clock);
  const marker1 = RECORDS.daily["2007"].marker?.(1);
  assert.ok(marker1 !== undefined);
  const asked: number[] = [];
  const worker = {
    read: async (request: Omit<MeterReadRequest, "priority">) => {
      asked.push(request.di);
      const answer = exchangeWithMeter(meter, "2007", ADDRESS, request.di);
      // The meter's midnight (its clock is a few minutes off the terminal's) passes after this many exchanges.
      clock.advance(asked.length === freezeAfterReads ? 20 * 60_000 : 1);
      return answer;
    },
  } as unknown as PortWorker;
  const f161 = findItem(0x0d, 161);
  assert.ok(f161);
  const outcome = await collectFrozen(
    { worker, now: () => clock.now(), utcOffsetMinutes: OFFSET, terminalFreezeMinutes: 120 },
    TARGET,
    { current: [], daily: [f161], monthly: [], readingDay: [], curve: [] },
    { daily: [20261128], monthly: [] },
    RANK.frozen,
  );
  return { outcome, meter, asked, marker1 };
}

it("values read after the meter froze are not filed under the period the marker named before", async () => {
  // Without a freeze in between: the 28th is collected with the meter's own record of the 28th.
  const calm = await collectAcrossMidnight(undefined);
  assert.equal(calm.outcome.collected.length, 1);
  const stored = calm.outcome.collected[0]?.records[0]?.value as { energy: { value: number }[] };
  assert.deepEqual(
    stored.energy.map((e) => e.value),
    calm.meter.model.daily[0]?.energies.positiveActive,
  );
  assert.equal(calm.asked.filter((di) => di === calm.marker1).length, 2, "the marker is asked again");

  // The meter freezes right after the first marker read: nothing is kept, the 28th stays missing.
  const shifted = await collectAcrossMidnight(1);
  assert.equal(shifted.outcome.answered, true);
  assert.deepEqual(shifted.outcome.collected, [], "no values of the 29th filed as the 28th");
  assert.deepEqual(shifted.outcome.absent, [{ kind: "daily", period: 20261128 }]);
  assert.equal(shifted.outcome.failure, undefined);
});
