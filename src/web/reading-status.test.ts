import assert from "node:assert/strict";
import { it } from "node:test";
import { ManualClock } from "../common/clock.ts";
import { dayKey } from "../store/calendar.ts";
import type { MeterEntry } from "../store/meters-repo.ts";
import { TerminalCore } from "../terminal/terminal-core.ts";
import { StoreReadingStatus } from "./reading-status.ts";

const meter = (serial: number): MeterEntry => ({
  serial,
  point: serial,
  port: 2,
  baudCode: 0,
  protocol: 30,
  address: String(serial).padStart(12, "0"),
  password: new Uint8Array(6),
  tariffCount: 4,
  digits: 0,
  collector: "000000000000",
  userClass: 0,
  raw: new Uint8Array(27),
});

it("a meter counts as read for a day by its daily frozen data, not by a reading-day item filed that day", () => {
  const clock = new ManualClock(Date.UTC(2026, 11, 1, 4, 0));
  const core = new TerminalCore({ dbPath: ":memory:", hostClock: clock, utcOffsetMinutes: 480 });
  try {
    core.store.meters.upsertMany([meter(1), meter(2), meter(3)]);
    const today = dayKey(core.clock.now(), 480);
    const at = clock.now();
    core.store.daily.putMany([
      { point: 1, item: "0D:F169", period: today, readAt: at, value: {} }, // reading-day frozen only
      { point: 2, item: "0D:F161", period: today, readAt: at, value: {} },
      { point: 3, item: "0D:F1", period: today, readAt: at, value: {} },
    ]);
    const status = new StoreReadingStatus(core);
    assert.deepEqual(
      status.missingToday(0, 10).meters.map((m) => m.point),
      [1],
    );
    const todayRow = status.dailySuccess(1).find((r) => r.day === today);
    assert.deepEqual(todayRow && [todayRow.due, todayRow.read], [3, 2]);
  } finally {
    core.close();
  }
});
