import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { ManualClock } from "../common/clock.ts";
import { CapturingLogger } from "../common/logger.ts";
import { fromLocalParts } from "../store/calendar.ts";
import { serveFrozenData } from "./data-service/frozen-data.ts";
import { Dispatcher } from "./dispatcher.ts";
import { MAX_COUNTED_GAP_MS } from "./supply-accounting.ts";
import { TerminalCore } from "./terminal-core.ts";

const OFFSET = 480;
const MINUTE = 60_000;
const at = (day: number, hour: number, minute = 0) =>
  fromLocalParts({ year: 2026, month: 11, day, hour, minute, second: 0 }, OFFSET);

let dir: string;
let dbPath: string;
const open: TerminalCore[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "opendcu-supply-"));
  dbPath = join(dir, "dcu.sqlite");
});
afterEach(() => {
  for (const core of open.splice(0)) core.store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** One boot of the terminal on the same database file, with its own host clock starting at `start`. */
function boot(start: number): { core: TerminalCore; clock: ManualClock } {
  const clock = new ManualClock(start);
  const core = new TerminalCore({ dbPath, hostClock: clock, utcOffsetMinutes: OFFSET });
  open.push(core);
  core.start();
  return { core, clock };
}

/** A clean stop (SIGTERM): the heartbeat stops and the store closes. */
function shutDown(core: TerminalCore): void {
  core.stop();
  core.store.close();
  open.splice(open.indexOf(core), 1);
}

/** A crash: the process vanishes between heartbeats; nothing runs on its way out. */
function crash(core: TerminalCore): void {
  core.store.close();
  open.splice(open.indexOf(core), 1);
}

/** AFN0D F49 for `td` through the data service, or undefined when the day is not answered. */
async function f49(core: TerminalCore, td: string) {
  const answers = await serveFrozenData({ core }, [{ pn: 0, fn: 49, data: { Td_d: td } }]);
  assert.ok(answers.length <= 1);
  return answers[0]?.data;
}

describe("AFN0D F49 daily supply time and reset count", () => {
  it("counts running minutes per local day and one reset per start-up, across a stop, a crash and midnight", async () => {
    // Day 25: up 22:00–23:30, clean stop. Off until 00:00.
    const first = boot(at(25, 22));
    first.clock.advanceTo(at(25, 23, 30));
    shutDown(first.core);
    // Day 26: up 00:00, crash just after the 02:15 heartbeat (the 40 s after it are lost, as for ERC14).
    const second = boot(at(26, 0));
    second.clock.advanceTo(at(26, 2, 15) + 40_000);
    crash(second.core);
    // Restarted at 02:20 and still running at 03:00.
    const third = boot(at(26, 2, 20));
    third.clock.advanceTo(at(26, 3));
    const core = third.core;

    assert.deepEqual(await f49(core, "2026-11-25"), {
      Td_d: "2026-11-25",
      supplyMinutes: (at(25, 23, 30) - at(25, 22)) / MINUTE,
      resetCount: 1,
    });
    assert.deepEqual(await f49(core, "2026-11-26"), {
      Td_d: "2026-11-26",
      supplyMinutes: (at(26, 2, 15) - at(26, 0) + at(26, 3) - at(26, 2, 20)) / MINUTE,
      resetCount: 2,
    });
    // Before the terminal first ran, and the future: nothing to answer.
    assert.equal(await f49(core, "2026-11-24"), undefined);
    assert.equal(await f49(core, "2026-11-27"), undefined);
    // Only p0 carries terminal data; the dispatcher denies what has nothing to answer.
    const dispatcher = new Dispatcher(core, new CapturingLogger());
    const reply = await dispatcher.handle({
      afn: 0x0d,
      groups: [{ pns: [0], fns: [49], items: [{ pn: 0, fn: 49, data: { Td_d: "2026-11-24" } }] }],
    } as unknown as Parameters<Dispatcher["handle"]>[0]);
    assert.equal(reply.kind, "deny");
    const served = await dispatcher.handle({
      afn: 0x0d,
      groups: [{ pns: [0], fns: [49], items: [{ pn: 0, fn: 49, data: { Td_d: "2026-11-25" } }] }],
    } as unknown as Parameters<Dispatcher["handle"]>[0]);
    assert.equal(served.kind, "data");
  });

  it("splits a run at midnight and answers zero for a whole day without power", async () => {
    // Heartbeats at hh:mm:30: the one at 00:00:30 covers 30 s of each day.
    const first = boot(at(24, 23) + 30_000);
    first.clock.advanceTo(at(25, 1) + 30_000);
    shutDown(first.core);
    const { core } = boot(at(27, 9));
    // 59.5 and 60.5 minutes, whole minutes answered.
    assert.deepEqual(await f49(core, "2026-11-24"), { Td_d: "2026-11-24", supplyMinutes: 59, resetCount: 1 });
    assert.deepEqual(await f49(core, "2026-11-25"), { Td_d: "2026-11-25", supplyMinutes: 60, resetCount: 0 });
    assert.deepEqual(await f49(core, "2026-11-26"), { Td_d: "2026-11-26", supplyMinutes: 0, resetCount: 0 });
    assert.deepEqual(await f49(core, "2026-11-27"), { Td_d: "2026-11-27", supplyMinutes: 0, resetCount: 1 });
  });

  it("counts the time since the last heartbeat at a clean stop, and keeps fractions of minutes", async () => {
    const first = boot(at(26, 8));
    first.clock.advanceTo(at(26, 8, 10) + 40_000);
    shutDown(first.core);
    const second = boot(at(26, 8, 20));
    second.clock.advanceTo(at(26, 8, 30) + 30_000);
    shutDown(second.core);
    const { core } = boot(at(26, 9));
    // 10 min 40 s + 10 min 30 s.
    assert.deepEqual(await f49(core, "2026-11-26"), { Td_d: "2026-11-26", supplyMinutes: 21, resetCount: 3 });
  });

  it("does not count a host clock jump as supply time, nor the master setting the terminal clock", async () => {
    const { core, clock } = boot(at(26, 8));
    clock.advanceTo(at(26, 9)); // 60 minutes
    clock.set(clock.now() + MAX_COUNTED_GAP_MS + MINUTE); // NTP jump on a board without RTC
    clock.advance(10 * MINUTE); // 10 more minutes of heartbeats after the jump
    core.setClock(core.clock.now() + 3 * 3_600_000); // the master moves the terminal clock 3 h on
    clock.advance(5 * MINUTE);
    const day = await f49(core, "2026-11-26");
    // 60 + 10 + 5 minutes: the 6 minutes the host clock jumped over are not counted (the heartbeat that
    // closes the gap counts nothing), nor the 3 hours the master moved the terminal clock.
    assert.deepEqual(day, { Td_d: "2026-11-26", supplyMinutes: 60 + 10 + 5, resetCount: 1 });
  });

  it("is cleared with the data by AFN01 F2 and keeps counting from then", async () => {
    const { core, clock } = boot(at(26, 8));
    clock.advanceTo(at(26, 9));
    core.initialise(2);
    clock.advanceTo(at(26, 9, 30));
    assert.deepEqual(await f49(core, "2026-11-26"), { Td_d: "2026-11-26", supplyMinutes: 30, resetCount: 0 });
  });

  it("ignores malformed stored figures instead of answering them", async () => {
    const { core } = boot(at(26, 8));
    core.store.kv.set("power.supplyDays", {
      since: 20261120,
      days: { "20261121": { ms: -5, resets: 1 }, x: 3 },
    });
    assert.deepEqual(await f49(core, "2026-11-21"), { Td_d: "2026-11-21", supplyMinutes: 0, resetCount: 0 });
    core.store.kv.set("power.supplyDays", "garbage");
    assert.equal(await f49(core, "2026-11-26"), undefined);
  });
});
