import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_METER_EVENT_CONFIG } from "../collect/meter-events.ts";
import { DEFAULT_METER_SEARCH_CONFIG } from "../collect/meter-search.ts";
import { DEFAULT_TIME_SYNC_CONFIG } from "../collect/time-sync.ts";
import { engineTasksConfig } from "./collect-config.ts";
import { parseDaemonConfig } from "./config.ts";

const tasksOf = (collect: unknown) => engineTasksConfig(parseDaemonConfig({ collect }).collect);

describe("collect: engine task settings from the start-up file", () => {
  it("installs all three tasks with their own defaults when the file says nothing", () => {
    assert.deepEqual(tasksOf(undefined), { meterEvents: {}, timeSync: {}, meterSearch: {}, curves: {} });
  });

  it("maps the file's names onto the tasks' settings; false leaves a task out", () => {
    const tasks = tasksOf({
      meterEvents: { pollMinutes: 15, stoppedMinutes: 0 },
      timeSync: false,
      meterSearch: { roundMinutes: 30, dailyMinute: 120 },
      curves: { carrierMinutes: 30 },
    });
    assert.deepEqual(tasks.curves, { carrierMinutes: 30 });
    assert.equal(tasksOf({ curves: false }).curves, false);
    assert.deepEqual(tasks.meterEvents, { pollMinutes: 15, stoppedMinutes: 0 });
    assert.equal(tasks.timeSync, false);
    assert.deepEqual(tasks.meterSearch, { roundMinutes: 30, dailyMinute: 120 });
  });

  it("null switches the default broadcast and the daily search off, where a missing key keeps the default", () => {
    const off = tasksOf({ timeSync: { broadcastMinute: null }, meterSearch: { dailyMinute: null } });
    assert.ok(off.timeSync !== false && off.meterSearch !== false);
    assert.ok("defaultBroadcastMinute" in (off.timeSync ?? {}));
    assert.equal(off.timeSync?.defaultBroadcastMinute, undefined);
    const kept = tasksOf({ timeSync: { setMinutes: 3 } });
    assert.ok(kept.timeSync !== false);
    const merged = { ...DEFAULT_TIME_SYNC_CONFIG, ...kept.timeSync };
    assert.equal(merged.defaultBroadcastMinute, DEFAULT_TIME_SYNC_CONFIG.defaultBroadcastMinute);
    assert.equal(merged.setMinutes, 3);
    assert.equal({ ...DEFAULT_METER_EVENT_CONFIG, ...tasksOf({}).meterEvents }.pollMinutes, 60);
    assert.equal({ ...DEFAULT_METER_SEARCH_CONFIG, ...tasksOf({}).meterSearch }.roundMinutes, 120);
  });

  it("names the bad field", () => {
    const bad = (collect: unknown, path: RegExp) => assert.throws(() => parseDaemonConfig({ collect }), path);
    bad({ meterEvents: { pollMinutes: 0 } }, /collect\.meterEvents\.pollMinutes/);
    bad({ timeSync: { broadcastMinute: 1440 } }, /collect\.timeSync\.broadcastMinute/);
    bad({ timeSync: { setMinutes: 20, eventMinutes: 10 } }, /setMinutes must not exceed eventMinutes/);
    bad({ meterSearch: { everyDay: true } }, /collect\.meterSearch/);
    bad({ meterEvents: true }, /collect\.meterEvents/);
    bad({ curves: { rs485Minutes: 10 } }, /collect\.curves\.rs485Minutes/);
    bad({ colectEnabled: true }, /collect/);
  });
});
