import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { ManualClock } from "../../common/clock.ts";
import { CapturingLogger } from "../../common/logger.ts";
import { ALL_POINTS } from "../../protocol/gw1376-1/dadt.ts";
import type { DataItem } from "../../protocol/gw1376-1/data-units.ts";
import type { Record_ } from "../../protocol/gw1376-1/layout.ts";
import { decodeMessage, messageItems } from "../../protocol/gw1376-1/message.ts";
import { encodeMultiFrame, MultiFrameReassembler } from "../../protocol/gw1376-1/multi-frame.ts";
import { PROFILE_2013 } from "../../protocol/gw1376-1/profile.ts";
import { fromLocalParts } from "../../store/calendar.ts";
import { AFN_HANDLERS, Dispatcher, supportedFunctions } from "../dispatcher.ts";
import type { FieldAccess } from "../field-access.ts";
import { TerminalCore } from "../terminal-core.ts";
import { serveCurrentData } from "./current-data.ts";
import { AFN0C_SOURCES } from "./current-sources.ts";
import { serveFrozenData } from "./frozen-data.ts";
import { AFN0D_SOURCES } from "./frozen-sources.ts";
import { itemKey, type LiveReadPolicy } from "./item-sources.ts";
import { curveStepMinutes, dayKeyOfTd, minuteKeyOfA15, monthKeyOfTd } from "./period-keys.ts";

const OFFSET = 480;
// 2026-11-26 10:30 local
const START = fromLocalParts({ year: 2026, month: 11, day: 26, hour: 10, minute: 30, second: 0 }, OFFSET);

let host: ManualClock;
let core: TerminalCore;

beforeEach(() => {
  host = new ManualClock(START);
  core = new TerminalCore({ dbPath: ":memory:", hostClock: host, utcOffsetMinutes: OFFSET });
});

afterEach(() => core.close());

/** An F129/F161-shaped energy block: read time, M tariffs, total + M values. */
function energy(pn: number, base: number, tariffs = 4): Record_ {
  return {
    readTime: "2026-11-26 00:05",
    tariffCount: tariffs,
    energy: Array.from({ length: tariffs + 1 }, (_, i) => ({ value: base + pn + i / 10 })),
  };
}

function storeReading(pn: number, fn: number, value: unknown, readAt = START): void {
  core.store.readings.put({ point: pn, item: itemKey(0x0c, fn), readAt, value });
}

const points = (items: readonly DataItem[]) => items.map((i) => i.pn);

describe("item source tables", () => {
  it("serve every per-point AFN0C and Td-labelled per-point AFN0D Fn of the codec table", () => {
    for (const fn of [25, 33, 129, 161, 170])
      assert.equal(AFN0C_SOURCES.get(fn)?.scope, "point", `0C F${fn}`);
    assert.equal(AFN0C_SOURCES.get(2)?.scope, "terminal");
    assert.deepEqual(
      [161, 177, 81].map((fn) => {
        const s = AFN0D_SOURCES.get(fn);
        return s?.scope === "point" ? s.label : undefined;
      }),
      ["d", "m", "c"],
    );
    // Terminal-level class-2 Fn are served through written rows only.
    assert.equal(AFN0D_SOURCES.get(53)?.scope, "terminal");
    assert.equal(AFN0D_SOURCES.get(49)?.scope, "terminal");
  });

  it("are what AFN09 F6/F7 advertise", () => {
    const support = supportedFunctions(AFN_HANDLERS);
    assert.deepEqual(
      support.class1,
      [...AFN0C_SOURCES.keys()].sort((a, b) => a - b),
    );
    assert.deepEqual(
      support.class2,
      [...AFN0D_SOURCES.keys()].sort((a, b) => a - b),
    );
  });
});

describe("period keys", () => {
  it("turn labels into store keys and refuse non-dates", () => {
    assert.equal(dayKeyOfTd("2026-11-26"), 20261126);
    assert.equal(dayKeyOfTd("2026-02-30"), undefined);
    assert.equal(dayKeyOfTd(null), undefined);
    assert.equal(monthKeyOfTd("2026-11"), 202611);
    assert.equal(monthKeyOfTd("2026-13"), undefined);
    assert.equal(minuteKeyOfA15("1970-01-02 00:01"), undefined, "outside 20YY is not a date here");
    assert.equal(minuteKeyOfA15("2026-11-26 10:30"), (START + OFFSET * 60_000) / 60_000);
    assert.deepEqual([0, 1, 2, 3, 254, 255, 7].map(curveStepMinutes), [
      undefined,
      15,
      30,
      60,
      5,
      1,
      undefined,
    ]);
  });
});

describe("AFN0C from the store", () => {
  it("answers the terminal clock, parameter status and event counters at p0", async () => {
    const answers = await serveCurrentData({ core }, [
      { pn: 0, fn: 2, data: {} },
      { pn: 0, fn: 3, data: {} },
      { pn: 0, fn: 7, data: {} },
    ]);
    assert.deepEqual(
      answers.map((a) => a.fn),
      [2, 3, 7],
    );
    assert.deepEqual(answers[0]?.data, { clock: { time: "2026-11-26 10:30:00", weekday: 4 } });
    assert.equal(String(answers[1]?.data.paramsSet).split(" ").length, 31);
    assert.deepEqual(answers[2]?.data, {
      ec1: core.store.events.counters().ec1,
      ec2: core.store.events.counters().ec2,
    });
  });

  it("serves stored per-point items, leaving out points without data and p0 requests", async () => {
    storeReading(1, 129, energy(1, 100));
    storeReading(3, 129, energy(3, 100));
    const answers = await serveCurrentData({ core }, [
      { pn: 1, fn: 129, data: {} },
      { pn: 2, fn: 129, data: {} },
      { pn: 3, fn: 129, data: {} },
      { pn: 0, fn: 129, data: {} },
    ]);
    assert.deepEqual(points(answers), [1, 3]);
    assert.deepEqual(answers[1]?.data, energy(3, 100));
  });

  it("expands all points (DA FF 00) to every point holding the item, ascending", async () => {
    for (const pn of [7, 2, 2040]) storeReading(pn, 129, energy(pn, 5));
    storeReading(4, 130, { readTime: "2026-11-26 00:05", tariffCount: 0, energy: [{ value: 1 }] });
    const answers = await serveCurrentData({ core }, [{ pn: ALL_POINTS, fn: 129, data: {} }]);
    assert.deepEqual(points(answers), [2, 7, 2040]);
  });

  it("leaves out a stored value the codec cannot encode, and logs it", async () => {
    const logger = new CapturingLogger();
    storeReading(1, 129, { readTime: "not a time", tariffCount: 0, energy: [{ value: 1 }] });
    storeReading(2, 129, energy(2, 1));
    storeReading(3, 129, [1, 2, 3]);
    const answers = await serveCurrentData({ core, logger }, [{ pn: ALL_POINTS, fn: 129, data: {} }]);
    assert.deepEqual(points(answers), [2]);
    assert.equal(logger.entries.filter((e) => e.level === "warn").length, 2);
  });
});

/** A FieldAccess whose answers the test scripts; records every read it was asked for. */
class FakeField implements FieldAccess {
  readonly reads: { pn: number; fn: number; deadline: number }[] = [];
  answer: (pn: number, fn: number) => Promise<DataItem | undefined> = async () => undefined;
  readCurrent(point: number, fn: number, deadline: number): Promise<DataItem | undefined> {
    this.reads.push({ pn: point, fn, deadline });
    return this.answer(point, fn);
  }
  forward(): Promise<Uint8Array | undefined> {
    return Promise.resolve(undefined);
  }
}

describe("AFN0C live reads through the field", () => {
  const policy: LiveReadPolicy = { freshnessMs: 60_000, timeoutMs: 5_000, maxReadsPerRequest: 2 };

  it("reads a stale or missing named point live and serves the live value", async () => {
    const field = new FakeField();
    field.answer = async (pn, fn) => ({ pn, fn, data: energy(pn, 900) });
    storeReading(1, 129, energy(1, 100), START - 120_000); // stale
    const answers = await serveCurrentData(
      { core, field },
      [
        { pn: 1, fn: 129, data: {} },
        { pn: 2, fn: 129, data: {} },
      ],
      { policy },
    );
    assert.deepEqual(
      answers.map((a) => a.data),
      [energy(1, 900), energy(2, 900)],
    );
    assert.deepEqual(
      field.reads.map((r) => r.pn),
      [1, 2],
    );
    assert.equal(field.reads[0]?.deadline, START + policy.timeoutMs, "host-time deadline");
  });

  it("serves a fresh reading without asking the field", async () => {
    const field = new FakeField();
    storeReading(1, 129, energy(1, 100), START - 30_000);
    const answers = await serveCurrentData({ core, field }, [{ pn: 1, fn: 129, data: {} }], { policy });
    assert.deepEqual(answers[0]?.data, energy(1, 100));
    assert.equal(field.reads.length, 0);
  });

  it("falls back to the stored reading when the meter does not answer", async () => {
    const field = new FakeField();
    storeReading(1, 129, energy(1, 100), START - 120_000);
    const answers = await serveCurrentData(
      { core, field },
      [
        { pn: 1, fn: 129, data: {} },
        { pn: 2, fn: 129, data: {} },
      ],
      { policy },
    );
    assert.deepEqual(points(answers), [1], "p2 has neither a live nor a stored value");
    assert.deepEqual(answers[0]?.data, energy(1, 100));
  });

  it("gives up at its own timer when the field overruns the deadline", async () => {
    const field = new FakeField();
    field.answer = () => new Promise(() => undefined); // never answers
    storeReading(1, 129, energy(1, 100), START - 120_000);
    const pending = serveCurrentData({ core, field }, [{ pn: 1, fn: 129, data: {} }], { policy });
    await Promise.resolve();
    host.advance(policy.timeoutMs + 1000);
    const answers = await pending;
    assert.deepEqual(answers[0]?.data, energy(1, 100));
  });

  it("ignores a live answer for another point or Fn, and a rejected read", async () => {
    const field = new FakeField();
    field.answer = async (pn, fn) => {
      if (pn === 1) return { pn: 5, fn, data: energy(5, 900) };
      throw new Error("engine bug");
    };
    storeReading(1, 129, energy(1, 100), START - 120_000);
    storeReading(2, 129, energy(2, 100), START - 120_000);
    const answers = await serveCurrentData(
      { core, field },
      [
        { pn: 1, fn: 129, data: {} },
        { pn: 2, fn: 129, data: {} },
      ],
      { policy },
    );
    assert.deepEqual(
      answers.map((a) => a.data),
      [energy(1, 100), energy(2, 100)],
    );
  });

  it("reads at most the capped number live and never for all points", async () => {
    const field = new FakeField();
    field.answer = async (pn, fn) => ({ pn, fn, data: energy(pn, 900) });
    for (const pn of [1, 2, 3]) storeReading(pn, 129, energy(pn, 100), START - 120_000);
    const named = await serveCurrentData(
      { core, field },
      [1, 2, 3].map((pn) => ({ pn, fn: 129, data: {} })),
      { policy },
    );
    assert.equal(field.reads.length, 2);
    assert.deepEqual(
      named.map((a) => a.data),
      [energy(1, 900), energy(2, 900), energy(3, 100)],
    );
    field.reads.length = 0;
    const all = await serveCurrentData({ core, field }, [{ pn: ALL_POINTS, fn: 129, data: {} }], { policy });
    assert.equal(field.reads.length, 0);
    assert.deepEqual(points(all), [1, 2, 3]);
  });
});

function storeDaily(pn: number, fn: number, day: number, value: unknown): void {
  core.store.daily.put({ point: pn, item: itemKey(0x0d, fn), period: day, readAt: START, value });
}

describe("AFN0D from the frozen store", () => {
  it("serves daily items with the request's Td_d, only for that day and the points that have it", async () => {
    storeDaily(1, 161, 20261125, energy(1, 10));
    storeDaily(2, 161, 20261125, energy(2, 10));
    storeDaily(1, 161, 20261124, energy(1, 0));
    const answers = await serveFrozenData({ core }, [
      { pn: 1, fn: 161, data: { Td_d: "2026-11-25" } },
      { pn: 3, fn: 161, data: { Td_d: "2026-11-25" } },
      { pn: ALL_POINTS, fn: 161, data: { Td_d: "2026-11-24" } },
      { pn: 1, fn: 161, data: { Td_d: null } },
    ]);
    assert.deepEqual(
      answers.map((a) => [a.pn, a.data]),
      [
        [1, { Td_d: "2026-11-25", ...energy(1, 10) }],
        [1, { Td_d: "2026-11-24", ...energy(1, 0) }],
      ],
    );
  });

  it("serves monthly items by Td_m", async () => {
    core.store.monthly.put({
      point: 9,
      item: "0D:F177",
      period: 202610,
      readAt: START,
      value: energy(9, 50),
    });
    const answers = await serveFrozenData({ core }, [
      { pn: ALL_POINTS, fn: 177, data: { Td_m: "2026-10" } },
      { pn: 9, fn: 177, data: { Td_m: "2026-09" } },
    ]);
    assert.deepEqual(
      answers.map((a) => [a.pn, a.data]),
      [[9, { Td_m: "2026-10", ...energy(9, 50) }]],
    );
  });

  it("serves curves at the requested density with EE for missing points", async () => {
    const start = minuteKeyOfA15("2026-11-26 08:00") as number;
    const put = (pn: number, minute: number, value: number) =>
      core.store.curves.put({
        point: pn,
        item: "0D:F81",
        period: start + minute,
        readAt: START,
        value: { value },
      });
    put(1, 0, 1.5);
    put(1, 15, 1.75);
    put(1, 5, 9); // not on the 15-minute grid
    put(1, 45, 2);
    put(4, 30, 0.5);
    const td = { start: "2026-11-26 08:00", density: 1, points: 4 };
    const answers = await serveFrozenData({ core }, [
      { pn: 1, fn: 81, data: td },
      { pn: ALL_POINTS, fn: 81, data: td },
      { pn: 2, fn: 81, data: td },
      { pn: 1, fn: 81, data: { ...td, density: 0 } },
    ]);
    const one = { ...td, values: [1.5, 1.75, null, 2].map((value) => ({ value })) };
    const four = { ...td, values: [null, null, 0.5, null].map((value) => ({ value })) };
    assert.deepEqual(
      answers.map((a) => [a.pn, a.data]),
      [
        [1, one],
        [1, one],
        [4, four],
      ],
    );
  });

  it("encodes all points of a day into frames within the size limit that reassemble to the same items", async () => {
    const day = 20261125;
    core.store.daily.putMany(
      Array.from({ length: 300 }, (_, i) => ({
        point: i + 1,
        item: "0D:F161",
        period: day,
        readAt: START,
        value: energy(i + 1, 1000),
      })),
    );
    const answers = await serveFrozenData({ core }, [
      { pn: ALL_POINTS, fn: 161, data: { Td_d: "2026-11-25" } },
    ]);
    assert.equal(answers.length, 300);
    const frames = encodeMultiFrame(
      {
        control: { dir: 1, prm: 0, fcbAcd: 0, fcv: 0, fc: 8 },
        address: { area: "4403", terminal: 1, master: 1, group: false },
        afn: 0x0d,
        seq: { tpv: false, fir: true, fin: true, con: false, seq: 3 },
      },
      answers,
      PROFILE_2013,
    );
    assert.ok(frames.length > 1);
    const reassembler = new MultiFrameReassembler();
    let whole: DataItem[] | undefined;
    for (const frame of frames) {
      assert.ok(frame.length <= PROFILE_2013.maxFrameBytes);
      const decoded = decodeMessage(frame, PROFILE_2013);
      assert.ok(decoded.ok);
      const result = reassembler.push(decoded.value);
      if (result.state === "complete") whole = messageItems(result.message);
    }
    assert.deepEqual(whole, answers);
  });
});

describe("dispatcher with the data service", () => {
  it("denies an AFN0D request with no stored data at all", async () => {
    const dispatcher = new Dispatcher(core, new CapturingLogger());
    const reply = await dispatcher.handle({
      afn: 0x0d,
      groups: [{ pns: [1], fns: [161], items: [{ pn: 1, fn: 161, data: { Td_d: "2026-11-25" } }] }],
    } as unknown as Parameters<Dispatcher["handle"]>[0]);
    assert.equal(reply.kind, "deny");
  });
});
