/**
 * AFN0B request task data over real TCP (shared/protocol/gw1376-1.md §4.11 [L]): a master defines a class-1
 * task (AFN04 F65: F129 of point 1) and a class-2 task (F66: daily F161 of point 1), then pulls both with
 * AFN0B F1 / F2. The answers must be exactly what AFN0C F129 / AFN0D F161 give for the same items at the
 * task's latest due time, in AFN0C / AFN0D frames. Tasks that do not exist and malformed requests are denied
 * and the daemon keeps serving.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ManualClock } from "../src/common/clock.ts";
import { type DaemonHandle, startDaemon } from "../src/daemon/daemon.ts";
import { ALL_POINTS } from "../src/protocol/gw1376-1/dadt.ts";
import type { Record_ } from "../src/protocol/gw1376-1/layout.ts";
import { connectToDcu, type MasterStation } from "../src/sim/master/master-station.ts";
import { fromLocalParts } from "../src/store/calendar.ts";

const OFFSET = 480;
const local = (day: number, hour: number, minute: number) =>
  fromLocalParts({ year: 2026, month: 1, day, hour, minute, second: 0 }, OFFSET);

function energy(base: number): Record_ {
  return {
    readTime: "2026-01-10 09:15",
    tariffCount: 2,
    energy: [{ value: base + 0.5 }, { value: base + 0.25 }, { value: base + 0.25 }],
  };
}

describe("AFN0B request task data over TCP", { timeout: 60_000 }, () => {
  let dir: string;
  let daemon: DaemonHandle;
  let master: MasterStation;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "opendcu-afn0b-"));
    const clock = new ManualClock(local(10, 9, 30));
    daemon = await startDaemon(
      {
        dbPath: join(dir, "dcu.sqlite"),
        utcOffsetMinutes: OFFSET,
        uplink: { listen: { host: "127.0.0.1", port: 0 } },
      },
      { clock },
    );
    const at = daemon.listening;
    assert.ok(at);
    master = await connectToDcu(at.host, at.port, { timeoutMs: 5000 });
    const store = daemon.core.store;
    store.readings.put({ point: 1, item: "0C:F129", readAt: clock.now(), value: energy(100) });
    // Daily F161 of the day before each class-2 due time: 2026-01-09 is the latest, 2026-01-08 a decoy.
    store.daily.putMany([
      { point: 1, item: "0D:F161", period: 20260109, readAt: 0, value: energy(200) },
      { point: 1, item: "0D:F161", period: 20260108, readAt: 0, value: energy(150) },
    ]);
    const set = await master.request(0x04, [
      {
        pn: 1,
        fn: 65,
        data: {
          period: { unit: 0, value: 15 },
          baseTime: { time: "2026-01-10 08:00:00", weekday: 0 },
          curveRatio: 1,
          items: [{ da: "01 01", dt: "01 10" }], // p1, F129
        },
      },
      { pn: 1, fn: 67, data: { control: 0x55 } },
      {
        pn: 2,
        fn: 66,
        data: {
          period: { unit: 2, value: 1 },
          baseTime: { time: "2026-01-01 00:05:00", weekday: 0 },
          curveRatio: 1,
          items: [{ da: "01 01", dt: "01 14" }], // p1, F161
        },
      },
      // Class-2 task 2 is defined but stopped: pulling it still answers [L].
      { pn: 2, fn: 68, data: { control: 0xaa } },
    ]);
    assert.equal(set.message.afn, 0x00);
    assert.equal(set.items[0]?.fn, 1, "F65, F67, F66, F68 accepted");
  });

  after(async () => {
    await master?.close();
    await daemon?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it("F1 answers class-1 task 1 as AFN0C, the same units AFN0C F129 gives", async () => {
    const pulled = await master.request(0x0b, [{ pn: 1, fn: 1 }]);
    assert.equal(pulled.denied, false);
    assert.equal(pulled.message.afn, 0x0c);
    assert.equal(pulled.message.control.fc, 8);
    const direct = await master.request(0x0c, [{ pn: 1, fn: 129 }]);
    assert.deepEqual(pulled.items, direct.items);
    assert.deepEqual(
      pulled.items.map((i) => [i.pn, i.fn, i.data]),
      [[1, 129, energy(100)]],
    );
  });

  it("F2 answers stopped class-2 task 2 as AFN0D, with the day before its latest due time", async () => {
    const pulled = await master.request(0x0b, [{ pn: 2, fn: 2 }]);
    assert.equal(pulled.denied, false);
    assert.equal(pulled.message.afn, 0x0d);
    const direct = await master.request(0x0d, [{ pn: 1, fn: 161, data: { Td_d: "2026-01-09" } }]);
    assert.deepEqual(pulled.items, direct.items);
    assert.deepEqual(
      pulled.items.map((i) => [i.pn, i.fn, i.data]),
      [[1, 161, { Td_d: "2026-01-09", ...energy(200) }]],
    );
  });

  it("denies tasks that are not defined, the wrong class, pn 0, all points, a huge pn and F1+F2 mixed", async () => {
    const cases: [string, { pn: number; fn: number }[]][] = [
      ["class-1 task 5 (not defined)", [{ pn: 5, fn: 1 }]],
      ["class-1 task 2 (only class 2 defines task 2)", [{ pn: 2, fn: 1 }]],
      ["class-2 task 1 (only class 1 defines task 1)", [{ pn: 1, fn: 2 }]],
      ["pn 0", [{ pn: 0, fn: 1 }]],
      ["all points", [{ pn: ALL_POINTS, fn: 1 }]],
      ["pn 2040", [{ pn: 2040, fn: 2 }]],
      [
        "F1 and F2 together",
        [
          { pn: 1, fn: 1 },
          { pn: 2, fn: 2 },
        ],
      ],
    ];
    for (const [what, items] of cases) {
      const reply = await master.request(0x0b, items);
      assert.equal(reply.denied, true, what);
    }
    // Still serving.
    const clock = await master.request(0x0c, [{ pn: 0, fn: 2 }]);
    assert.equal(clock.message.afn, 0x0c);
  });
});
