import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import fc from "fast-check";
import { ManualClock } from "../../common/clock.ts";
import { silentLogger } from "../../common/logger.ts";
import { daFromPns, dtFromFns } from "../../protocol/gw1376-1/dadt.ts";
import { type DataItem, decodeDataUnits } from "../../protocol/gw1376-1/data-units.ts";
import { findFnRow } from "../../protocol/gw1376-1/fn-table.ts";
import type { Record_ } from "../../protocol/gw1376-1/layout.ts";
import { encodeBody } from "../../protocol/gw1376-1/layout-codec.ts";
import { type Message, messageItems } from "../../protocol/gw1376-1/message.ts";
import { PROFILE_2013 } from "../../protocol/gw1376-1/profile.ts";
import { fromLocalParts } from "../../store/calendar.ts";
import { Dispatcher } from "../dispatcher.ts";
import type { HandlerReply } from "../handlers/handler.ts";
import { TerminalCore } from "../terminal-core.ts";
import { latestDue } from "./report-schedule.ts";
import { ReportTaskScheduler } from "./report-tasks.ts";

const OFFSET = 480;
const MINUTE = 60_000;
const local = (year: number, month: number, day: number, hour = 0, minute = 0, second = 0) =>
  fromLocalParts({ year, month, day, hour, minute, second }, OFFSET);

describe("report schedule", () => {
  it("minutes, hours and days are fixed steps from the base time", () => {
    const base = local(2026, 1, 10, 8);
    assert.equal(latestDue(base, { unit: 0, value: 15 }, base - 1, OFFSET), undefined, "not before the base");
    assert.equal(latestDue(base, { unit: 0, value: 15 }, base, OFFSET), base);
    assert.equal(latestDue(base, { unit: 0, value: 15 }, base + 44 * MINUTE, OFFSET), base + 30 * MINUTE);
    assert.equal(
      latestDue(base, { unit: 1, value: 2 }, local(2026, 1, 10, 11, 59), OFFSET),
      local(2026, 1, 10, 10),
    );
    assert.equal(
      latestDue(base, { unit: 2, value: 1 }, local(2026, 1, 12, 7), OFFSET),
      local(2026, 1, 11, 8),
    );
    assert.equal(
      latestDue(base, { unit: 0, value: 0 }, base + MINUTE, OFFSET),
      undefined,
      "period 0 never runs",
    );
  });

  it("months are calendar months; the 31st falls on the last day of a shorter month", () => {
    const base = local(2027, 1, 31, 0, 5);
    const monthly = { unit: 3, value: 1 } as const;
    assert.equal(latestDue(base, monthly, local(2027, 2, 28, 0, 4), OFFSET), base);
    assert.equal(latestDue(base, monthly, local(2027, 2, 28, 0, 5), OFFSET), local(2027, 2, 28, 0, 5));
    assert.equal(latestDue(base, monthly, local(2027, 3, 30), OFFSET), local(2027, 2, 28, 0, 5));
    assert.equal(latestDue(base, monthly, local(2027, 3, 31, 1), OFFSET), local(2027, 3, 31, 0, 5));
    assert.equal(latestDue(base, { unit: 3, value: 3 }, local(2027, 6, 1), OFFSET), local(2027, 4, 30, 0, 5));
  });

  it("property: the latest due time is at or before now, on the schedule, and the next one is after now", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 1, max: 63 }),
        fc.integer({ min: 0, max: 3 * 365 * 1440 }),
        (unit, value, minutesLater) => {
          const base = local(2026, 1, 31, 23, 45);
          const now = base + minutesLater * MINUTE;
          const period = { unit: unit as 0 | 1 | 2 | 3, value };
          const due = latestDue(base, period, now, OFFSET);
          assert.ok(due !== undefined && due <= now && due >= base);
          assert.equal(latestDue(base, period, due, OFFSET), due, "a due time is its own latest due");
          // One minute before the next due time the latest is still `due`: probe by stepping the period.
          const probe = latestDue(base, period, due + 1, OFFSET);
          assert.equal(probe, due);
        },
      ),
    );
  });
});

let clock: ManualClock;
let core: TerminalCore;
let requests: Message[];
let answer: ((request: Message) => HandlerReply) | undefined;
let scheduler: ReportTaskScheduler;
let queued: number;

function setParameter(fn: number, pn: number, value: Record_): void {
  const row = findFnRow(0x04, fn);
  assert.ok(row?.down);
  const [result] = core.parameters.set([{ fn, pn, body: encodeBody(row.down, value) }], 1);
  assert.equal(result?.err, 0, result?.reason);
}

const hex = (bytes: readonly number[]) => bytes.map((b) => b.toString(16).padStart(2, "0")).join(" ");
const unit = (pns: number[], fns: number[]): Record_ => ({
  da: hex(daFromPns(pns)),
  dt: hex(dtFromFns(fns)),
});

function defineTask(
  fn: 65 | 66,
  task: number,
  period: { unit: number; value: number },
  base: string,
  items: Record_[],
) {
  setParameter(fn, task, { period, baseTime: { time: base, weekday: 0 }, curveRatio: 1, items });
}

/** The data items of every queued report frame (the outbox rows decoded back). */
function queuedItems(): { afn: number; items: DataItem[] }[] {
  return core.store.outbox.list().map((entry) => ({
    afn: entry.afn,
    items: decodeDataUnits(entry.afn, 1, entry.units, 0, PROFILE_2013).flatMap((g) => [...g.items]),
  }));
}

async function advanceTo(ms: number): Promise<void> {
  while (clock.now() < ms) {
    clock.advanceTo(Math.min(ms, (Math.floor(clock.now() / MINUTE) + 1) * MINUTE));
    await scheduler.idle();
  }
}

beforeEach(() => {
  clock = new ManualClock(local(2026, 1, 10, 7, 58));
  core = new TerminalCore({ dbPath: ":memory:", hostClock: clock, utcOffsetMinutes: OFFSET });
  core.store.kv.set("uplink.reportingAllowed", 0x55);
  requests = [];
  answer = undefined;
  queued = 0;
  const dispatcher = new Dispatcher(core, silentLogger);
  scheduler = new ReportTaskScheduler({
    core,
    handle: async (request) => {
      requests.push(request);
      return answer?.(request) ?? dispatcher.handle(request);
    },
    identity: { area: "4403", terminal: 1 },
    allowed: () => core.store.kv.get("uplink.reportingAllowed") !== 0xaa,
    outboxMax: 1000,
    onQueued: () => queued++,
    logger: silentLogger,
  });
  scheduler.start();
});

afterEach(() => {
  scheduler.stop();
  core.close();
});

describe("timed report tasks", () => {
  it("a class-1 task reports at its base time and every period once started, and stops with F67 = AA", async () => {
    defineTask(65, 1, { unit: 0, value: 15 }, "2026-01-10 08:00:00", [unit([0], [2])]);
    await advanceTo(local(2026, 1, 10, 8, 0));
    assert.equal(requests.length, 0, "defined but not started: nothing");
    setParameter(67, 1, { control: 0x55 });
    await advanceTo(local(2026, 1, 10, 8, 1));
    assert.equal(requests.length, 1, "started within the grace minute of its base time: reported");
    await advanceTo(local(2026, 1, 10, 8, 31));
    assert.equal(requests.length, 3, "08:00, 08:15, 08:30");
    const reports = queuedItems();
    assert.equal(reports.length, 3);
    assert.ok(reports.every((r) => r.afn === 0x0c));
    assert.deepEqual(
      reports.map((r) => (r.items[0]?.data as { clock?: { time: string } } | undefined)?.clock?.time),
      ["2026-01-10 08:01:00", "2026-01-10 08:15:00", "2026-01-10 08:30:00"],
      "the dispatcher's own AFN0C F2 answer, read when the task ran",
    );
    assert.equal(queued, 3);
    setParameter(67, 1, { control: 0xaa });
    await advanceTo(local(2026, 1, 10, 9, 1));
    assert.equal(requests.length, 3, "stopped");
  });

  it("after a long stop only the latest missed due time is reported", async () => {
    defineTask(65, 2, { unit: 0, value: 15 }, "2026-01-10 08:00:00", [unit([0], [2])]);
    setParameter(67, 2, { control: 0x55 });
    await advanceTo(local(2026, 1, 10, 8, 1));
    assert.equal(requests.length, 1);
    scheduler.stop();
    clock.advanceTo(local(2026, 1, 10, 10, 7));
    scheduler.start();
    await advanceTo(local(2026, 1, 10, 10, 8));
    assert.equal(requests.length, 2, "10:00 only, not 08:15 … 10:00");
    await advanceTo(local(2026, 1, 10, 10, 15));
    assert.equal(requests.length, 3);
  });

  it("class 2: labels for the day and month before the due time and a one-period curve window", async () => {
    answer = () => ({ kind: "deny", reason: "capture only" });
    defineTask(66, 1, { unit: 2, value: 1 }, "2026-01-01 00:05:00", [
      unit([1, 2], [161, 162]),
      unit([1, 2], [177]),
      unit([1], [81]),
    ]);
    setParameter(68, 1, { control: 0x55 });
    clock.set(local(2026, 3, 1, 0, 4, 30));
    await advanceTo(local(2026, 3, 1, 0, 6));
    assert.equal(requests.length, 1);
    const request = requests[0] as Message;
    assert.equal(request.afn, 0x0d);
    const items = messageItems(request).map((i) => [i.pn, i.fn, i.data]);
    assert.deepEqual(items, [
      [1, 161, { Td_d: "2026-02-28" }],
      [1, 162, { Td_d: "2026-02-28" }],
      [2, 161, { Td_d: "2026-02-28" }],
      [2, 162, { Td_d: "2026-02-28" }],
      [1, 177, { Td_m: "2026-02" }],
      [2, 177, { Td_m: "2026-02" }],
      [1, 81, { start: "2026-02-28 00:05", density: 1, points: 96 }],
    ]);
    assert.equal(core.store.outbox.count(), 0, "a deny is nothing to report");
    assert.equal(scheduler.counters.empty, 1);
  });

  it("a long answer becomes several one-frame reports; forbidden reporting queues nothing", async () => {
    answer = () => ({
      kind: "data",
      items: Array.from({ length: 400 }, (_, i) => ({
        pn: i + 1,
        fn: 2,
        data: { clock: { time: "2026-01-10 08:00:00", weekday: 6 } },
      })),
    });
    defineTask(65, 3, { unit: 1, value: 1 }, "2026-01-10 08:00:00", [unit([0], [2])]);
    setParameter(67, 3, { control: 0x55 });
    await advanceTo(local(2026, 1, 10, 8, 1));
    const reports = queuedItems();
    assert.ok(reports.length > 1, `${reports.length} frames`);
    assert.ok(core.store.outbox.list().every((e) => e.units.length + 8 + 8 <= PROFILE_2013.maxFrameBytes));
    assert.equal(
      reports.reduce((n, r) => n + r.items.length, 0),
      400,
    );
    core.store.kv.set("uplink.reportingAllowed", 0xaa);
    await advanceTo(local(2026, 1, 10, 9, 1));
    assert.equal(scheduler.counters.forbidden, 1);
    assert.equal(core.store.outbox.count(), reports.length);
  });

  it("a minute that passes while a slow check (a live read) is running is checked right after it", async () => {
    let release!: () => void;
    const slow = new Promise<void>((resolve) => {
      release = resolve;
    });
    defineTask(65, 5, { unit: 0, value: 1 }, "2026-01-10 08:00:00", [unit([0], [2])]);
    setParameter(67, 5, { control: 0x55 });
    let calls = 0;
    scheduler.stop();
    const dispatcher = new Dispatcher(core, silentLogger);
    scheduler = new ReportTaskScheduler({
      core,
      handle: async (request) => {
        calls++;
        if (calls === 1) await slow;
        return dispatcher.handle(request);
      },
      identity: { area: "4403", terminal: 1 },
      allowed: () => true,
      outboxMax: 1000,
      onQueued: () => undefined,
      logger: silentLogger,
    });
    scheduler.start();
    clock.advanceTo(local(2026, 1, 10, 8, 0));
    for (let i = 0; i < 100 && calls === 0; i++) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(calls, 1, "the 08:00 run waits for its live read");
    clock.advanceTo(local(2026, 1, 10, 8, 1)); // fires while the 08:00 run still waits
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(calls, 1);
    release();
    await scheduler.idle();
    assert.equal(calls, 2, "08:01 was checked after the slow 08:00 run");
    assert.equal(core.store.outbox.count(), 2);
  });

  it("a task without a usable period is ignored", () => {
    defineTask(65, 4, { unit: 0, value: 0 }, "2026-01-10 08:00:00", [unit([0], [2])]);
    setParameter(67, 4, { control: 0x55 });
    assert.deepEqual(scheduler.runningTasks(), []);
  });
});
