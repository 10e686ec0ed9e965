/**
 * Timed report tasks end to end over real TCP (shared/protocol/gw1376-1.md §3.5): a master defines a class-1
 * task with AFN04 F65, starts it with F67, allows reporting with AFN05 F29 and asks for class-1 confirmations
 * in AFN04 F1; the daemon (on a ManualClock, so no test waits for minutes) answers its own AFN0C request at
 * each due time and sends it as an active report (PRM=1, FC 10, CON=1), which the master confirms.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { it } from "node:test";
import { ManualClock } from "../src/common/clock.ts";
import { startDaemon } from "../src/daemon/daemon.ts";
import { type ActiveReport, connectToDcu } from "../src/sim/master/master-station.ts";
import { fromLocalParts } from "../src/store/calendar.ts";

const OFFSET = 480;
const local = (hour: number, minute: number, second = 0) =>
  fromLocalParts({ year: 2026, month: 1, day: 10, hour, minute, second }, OFFSET);

async function eventually(condition: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !condition(); waited += 20) {
    if (waited > 15_000) assert.fail(`never happened: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

it("a class-1 timed task is reported at each due time and confirmed by the master", {
  timeout: 30_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "opendcu-tasks-"));
  const clock = new ManualClock(local(7, 58, 30));
  const daemon = await startDaemon(
    { dbPath: join(dir, "dcu.sqlite"), uplink: { listen: { host: "127.0.0.1", port: 0 } } },
    { clock },
  );
  const at = daemon.listening;
  assert.ok(at);
  const master = await connectToDcu(at.host, at.port, { timeoutMs: 5000 });
  const reports: ActiveReport[] = [];
  master.onReport((r) => reports.push(r));
  try {
    const set = await master.request(0x04, [
      {
        pn: 0,
        fn: 1,
        data: {
          rtsDelay20ms: 0,
          initiatorDelayMinutes: 0,
          response: { timeoutSeconds: 30, resends: 1, reserved: 0 },
          confirmFlags: 0x01, // class-1 reports need a confirm; events do not
          heartbeatMinutes: 15,
        },
      },
      {
        pn: 1,
        fn: 65,
        data: {
          period: { unit: 0, value: 5 },
          baseTime: { time: "2026-01-10 08:00:00", weekday: 6 },
          curveRatio: 1,
          items: [{ da: "00 00", dt: "02 00" }], // p0 F2: the terminal clock
        },
      },
      { pn: 1, fn: 67, data: { control: 0x55 } },
    ]);
    assert.equal(set.items[0]?.fn, 1, "AFN04 F1, F65, F67 accepted");
    const allow = await master.request(0x05, [{ pn: 0, fn: 29 }]);
    assert.equal(allow.items[0]?.fn, 1);
    // The parameter change (ERC3) was recorded before F29: nothing queued yet.
    assert.equal(daemon.core.store.outbox.count(), 0);

    const clockTimes = () =>
      reports
        .filter((r) => r.afn === 0x0c)
        .map((r) => (r.items[0]?.data as { clock?: { time: string } } | undefined)?.clock?.time);
    clock.advanceTo(local(8, 0));
    await eventually(() => clockTimes().length === 1, "the 08:00 report");
    const first = reports.find((r) => r.afn === 0x0c);
    assert.equal(first?.message.control.prm, 1);
    assert.equal(first?.message.control.fc, 10);
    assert.equal(first?.confirmRequested, true);
    assert.deepEqual(
      first?.items.map((i) => [i.pn, i.fn]),
      [[0, 2]],
    );
    await eventually(() => daemon.core.store.outbox.count() === 0, "confirmed and deleted");

    clock.advanceTo(local(8, 4, 59));
    await daemon.reporting.tasks?.idle();
    assert.equal(clockTimes().length, 1, "nothing before the next due time");
    clock.advanceTo(local(8, 5));
    await eventually(() => clockTimes().length === 2, "the 08:05 report");
    assert.deepEqual(clockTimes(), ["2026-01-10 08:00:00", "2026-01-10 08:05:00"]);
    await eventually(() => daemon.core.store.outbox.count() === 0, "second confirmed");
    assert.equal(daemon.reporting.reporter.counters.confirmed, 2);
  } finally {
    await master.close();
    await daemon.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
