/**
 * Curve collection end to end on simulated time: virtual meters (RS-485 DL/T 645-2007 and -1997, a carrier
 * port) whose load changes through the day, AFN04 F39 enabling curves for their class, the reading engine
 * with the curve planner, and a master station asking AFN0D F81/F89/F101/F97 over a 1376.1 link (real frames
 * through an in-memory pipe). Every point the master gets back must be exactly what the meter answered in
 * that interval — recorded on the channel as the meter sent it, decoded by the DL/T 645 codec — and every
 * interval the meter did not answer must come back as "no data".
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { type CurveConfig, CurvePlanner } from "../src/collect/curves.ts";
import type { ManualClock } from "../src/common/clock.ts";
import { decodeDiData } from "../src/protocol/dlt645/data.ts";
import type { Dlt645Edition } from "../src/protocol/dlt645/functions.ts";
import { ALL_POINTS } from "../src/protocol/gw1376-1/dadt.ts";
import type { Record_ } from "../src/protocol/gw1376-1/layout.ts";
import type { MasterStation } from "../src/sim/master/master-station.ts";
import { minuteKey } from "../src/store/calendar.ts";
import {
  type CollectFixture,
  dataClassBody,
  local,
  masterOnLink,
  OFFSET,
  type PortSpec,
  startCollectFixture,
} from "./support/collect-fixture.ts";
import type { MemoryChannel } from "./support/memory-channel.ts";
import { runUntil } from "./support/sim-time.ts";

const SPECS: readonly PortSpec[] = [
  { port: 2, meters: 3, firstAddress: 1001, firstPoint: 1 },
  { port: 3, meters: 1, firstAddress: 2001, firstPoint: 4, edition: "1997" },
  {
    port: 31,
    kind: "carrier",
    meters: 3,
    firstAddress: 3001,
    firstPoint: 5,
    exchangeMs: 2500,
    timeoutMs: 9000,
  },
];
/** Class-2 items for class 0/0: the daily freeze plus the F81, F89, F97 and F101 curves. */
const F39 = { fn: 39, body: dataClassBody([1, 161, 81, 89, 97, 101]) };
const DAY = local(2026, 11, 26);
const MIN = 60_000;

/** One answer a meter gave on the wire. */
interface Heard {
  readonly address: string;
  readonly edition: Dlt645Edition;
  readonly di: number;
  readonly at: number;
  readonly value: unknown;
}

/**
 * Records every answered read of the channels; `silent` makes a meter not answer (a timeout) while it says
 * so, as a meter off the bus would.
 */
function listen(
  fx: CollectFixture,
  heard: Heard[],
  silent: (address: string, now: number) => boolean = () => false,
): void {
  for (const channel of fx.channels.values()) {
    const read = channel.read.bind(channel);
    (channel as { read: MemoryChannel["read"] }).read = async (request) => {
      if (silent(request.meter.address, fx.clock.now())) return { ok: false, reason: "timeout" };
      const result = await read(request);
      if (result.ok) {
        const decoded = decodeDiData(request.meter.edition, request.di, result.data);
        if (decoded.ok)
          heard.push({
            address: request.meter.address,
            edition: request.meter.edition,
            di: request.di,
            at: fx.clock.now(),
            value: decoded.value.value,
          });
      }
      return result;
    };
  }
}

/** What the meter said in the interval starting at `start` (its first answer there), or null. */
function heardIn(
  heard: readonly Heard[],
  address: string,
  di: number,
  start: number,
  minutes: number,
  pick: (v: unknown) => unknown,
): unknown {
  const first = heard.find(
    (h) => h.address === address && h.di === di && h.at >= start && h.at < start + minutes * MIN,
  );
  return first === undefined ? null : pick(first.value);
}

const element = (i: number) => (v: unknown) => (Array.isArray(v) ? (v[i] as unknown) : undefined);
const same = (v: unknown) => v;

const master = masterOnLink;

interface Curve {
  readonly start: string;
  readonly density: number;
  readonly points: number;
  readonly values: readonly { value: number | null }[];
}

async function curve(
  station: MasterStation,
  pn: number,
  fn: number,
  td: { start: string; density: number; points: number },
): Promise<Curve | undefined> {
  const reply = await station.request(0x0d, [{ pn, fn, data: td }]);
  if (reply.denied) return undefined;
  const item = reply.items.find((i) => i.pn === pn && i.fn === fn);
  return item?.data as unknown as Curve | undefined;
}

function start(
  options: {
    clock?: ManualClock;
    dbPath?: string;
    config?: Partial<CurveConfig>;
    specs?: readonly PortSpec[];
  } = {},
) {
  const fx = startCollectFixture({
    start: DAY,
    specs: options.specs ?? SPECS,
    parameters: [F39],
    configure: "if-empty",
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.dbPath === undefined ? {} : { dbPath: options.dbPath }),
  });
  const planner = CurvePlanner.install(fx.engine, fx.core, options.config ?? {});
  return { fx, planner };
}

const addressOfPoint = (fx: CollectFixture, point: number): string =>
  fx.meters.find((m) => m.point === point)?.meter.address ?? "";

describe("curve collection", () => {
  it("a day of curves: every point is what the meter answered in its interval, silent hours are no data", async () => {
    const { fx, planner } = start();
    const heard: Heard[] = [];
    // Meter 2 is off the bus from 10:00 to 11:00.
    const off = addressOfPoint(fx, 2);
    listen(fx, heard, (address, now) => address === off && now >= DAY + 600 * MIN && now < DAY + 660 * MIN);
    try {
      await runUntil(fx.clock, DAY + 24 * 60 * MIN - 1000);
      const station = master(fx);
      const rs485 = { start: "2026-11-26 00:00", density: 1, points: 96 };
      const expect = (point: number, di: number, minutes: number, pick: (v: unknown) => unknown, n: number) =>
        Array.from({ length: n }, (_, i) => ({
          value: heardIn(heard, addressOfPoint(fx, point), di, DAY + i * minutes * MIN, minutes, pick),
        }));
      for (const point of [1, 2, 3]) {
        const f81 = await curve(station, point, 81, rs485);
        assert.ok(f81, `p${point}: F81 denied`);
        assert.deepEqual(f81.values, expect(point, 0x0203ff00, 15, element(0), 96), `p${point} F81`);
        const f89 = await curve(station, point, 89, rs485);
        assert.deepEqual(f89?.values, expect(point, 0x0201ff00, 15, element(0), 96), `p${point} F89`);
        const f101 = await curve(station, point, 101, rs485);
        assert.deepEqual(f101?.values, expect(point, 0x00010000, 15, same, 96), `p${point} F101`);
        // Amounts: the difference of consecutive readings, none where either is missing.
        const f97 = await curve(station, point, 97, rs485);
        const readings = (f101?.values ?? []).map((v) => v.value);
        const amounts = readings.map((r, i) => {
          const before = i === 0 ? null : (readings[i - 1] ?? null);
          return { value: r === null || before === null ? null : Math.round((r - before) * 100) / 100 };
        });
        // The first interval's amount needs the previous day's last reading, which this field never read.
        assert.deepEqual(f97?.values, amounts, `p${point} F97`);
      }
      // The load changes through the day: the curve is not one repeated value.
      const p1 = (await curve(station, 1, 81, rs485))?.values.map((v) => v.value) ?? [];
      assert.ok(new Set(p1).size > 20, "active power varies over the day");
      // The silent meter: exactly its four intervals 10:00–10:45 are no data.
      const p2 = (await curve(station, 2, 81, rs485))?.values ?? [];
      assert.deepEqual(
        p2.flatMap((v, i) => (v.value === null ? [i] : [])),
        [40, 41, 42, 43],
      );
      // DL/T 645-1997 meter: its own identifiers (B630, B611, 9010).
      assert.deepEqual((await curve(station, 4, 81, rs485))?.values, expect(4, 0xb630, 15, same, 96));
      assert.deepEqual((await curve(station, 4, 101, rs485))?.values, expect(4, 0x9010, 15, same, 96));
      // A 60-minute request over 15-minute data takes every fourth point.
      const hourly = await curve(station, 1, 81, { start: "2026-11-26 00:00", density: 3, points: 24 });
      assert.deepEqual(
        hourly?.values,
        p1.filter((_, i) => i % 4 === 0).map((value) => ({ value })),
      );
      // Carrier: one point an hour (default density); a 15-minute request gets no data between them.
      for (const point of [5, 6, 7]) {
        const f81 = await curve(station, point, 81, { start: "2026-11-26 00:00", density: 3, points: 24 });
        assert.deepEqual(f81?.values, expect(point, 0x0203ff00, 60, element(0), 24), `carrier p${point}`);
        assert.ok(
          f81?.values.every((v) => v.value !== null),
          `carrier p${point}: every hour read`,
        );
      }
      const quarter = await curve(station, 5, 81, { start: "2026-11-26 08:00", density: 1, points: 4 });
      assert.deepEqual(
        quarter?.values.map((v) => v.value === null),
        [false, true, true, true],
      );
      // All points (DA FF 00): every meter's curve in one (multi-frame) answer.
      const all = await station.request(0x0d, [{ pn: ALL_POINTS, fn: 89, data: rs485 }]);
      assert.deepEqual(
        all.items.map((i) => i.pn),
        [1, 2, 3, 4, 5, 6, 7],
      );
      assert.ok(planner.counters.points > 0);
    } finally {
      fx.close();
    }
  });

  it("a slow carrier network skips intervals instead of queueing a backlog", async () => {
    // Each carrier exchange takes 10 minutes: three meters cannot all be read within a 15-minute interval.
    const slow = SPECS.map((s) => (s.port === 31 ? { ...s, exchangeMs: 10 * MIN } : s));
    const { fx } = start({ config: { carrierMinutes: 15 }, specs: slow });
    const heard: Heard[] = [];
    listen(fx, heard);
    try {
      // The day's frozen collection (higher rank) holds the port for hours; curves get what is left. Run on
      // past midnight so the last task of the day (30 minutes of exchanges) has finished.
      await runUntil(fx.clock, DAY + 24 * 60 * MIN + 30 * MIN);
      const worker = fx.engine.worker(31);
      assert.ok((worker?.busyWith("crv:") ?? 0) <= 3, "at most one curve task per meter");
      const station = master(fx);
      let missing = 0;
      let read = 0;
      for (const point of [5, 6, 7]) {
        const td = { start: "2026-11-26 00:00", density: 1, points: 96 };
        const values = (await curve(station, point, 81, td))?.values ?? [];
        const expected = Array.from({ length: 96 }, (_, i) => ({
          value: heardIn(heard, addressOfPoint(fx, point), 0x0203ff00, DAY + i * 15 * MIN, 15, element(0)),
        }));
        assert.deepEqual(values, expected);
        missing += values.filter((v) => v.value === null).length;
        read += values.filter((v) => v.value !== null).length;
      }
      // A 10-minute exchange and three curve identifiers per meter: about one meter in two intervals.
      assert.ok(read > 20, `only ${read} points read`);
      assert.ok(missing > 0, "some intervals were skipped");
    } finally {
      fx.close();
    }
  });

  it("a restart mid-day on the same SQLite file keeps the points and writes none twice", async () => {
    const dir = mkdtempSync(join(tmpdir(), "opendcu-curves-"));
    const dbPath = join(dir, "dcu.db");
    try {
      const first = start({ dbPath });
      const heard: Heard[] = [];
      listen(first.fx, heard);
      await runUntil(first.fx.clock, DAY + 12 * 60 * MIN + 7 * MIN);
      const before = first.fx.core.store.curves.forPointRange(1, "0D:F81", 0, Number.MAX_SAFE_INTEGER);
      first.fx.close();
      const second = start({ dbPath, clock: first.fx.clock });
      listen(second.fx, heard);
      const restartedAt = second.fx.clock.now();
      await runUntil(second.fx.clock, DAY + 24 * 60 * MIN - 1000);
      const store = second.fx.core.store;
      const after = store.curves.forPointRange(1, "0D:F81", 0, Number.MAX_SAFE_INTEGER);
      // Everything from before the restart is still there, unchanged, and the day is complete.
      assert.deepEqual(after.slice(0, before.length), before);
      assert.equal(after.length, 96);
      const noon = minuteKey(DAY + 12 * 60 * MIN, OFFSET);
      // The 12:00 interval was read before the restart: not read again, its value is the first one.
      const address = addressOfPoint(second.fx, 1);
      assert.equal(
        heard.filter(
          (h) =>
            h.address === address && h.di === 0x0203ff00 && h.at >= restartedAt && h.at < DAY + 735 * MIN,
        ).length,
        0,
      );
      assert.ok(second.planner.counters.skipped > 0, "the restarted planner found the interval done");
      assert.equal(store.curves.get(1, "0D:F81", noon)?.readAt, before.at(-1)?.readAt);
      // One row per (point, item, time): for each curve item, 96 points per RS-485 meter, 24 per carrier meter.
      const rows = store.db
        .statement("SELECT item, point, count(*) AS n FROM curves GROUP BY item, point")
        .all() as { item: string; point: number; n: number }[];
      for (const row of rows) {
        const full = row.point >= 5 ? 24 : 96;
        // F97's first point needs the day before's reading.
        assert.equal(row.n, row.item === "0D:F97" ? full - 1 : full, `${row.item} p${row.point}`);
      }
      second.fx.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("bad requests get sensible answers and never stop the terminal", async () => {
    const { fx } = start();
    try {
      await runUntil(fx.clock, DAY + 2 * 60 * MIN);
      const station = master(fx);
      const ask = (td: Record_) => station.request(0x0d, [{ pn: 1, fn: 81, data: td }]);
      // Density 0 ("none"), an unknown density code, no points, a start in the future: nothing to answer.
      for (const td of [
        { start: "2026-11-26 00:00", density: 0, points: 4 },
        { start: "2026-11-26 00:00", density: 7, points: 4 },
        { start: "2026-11-26 00:00", density: 1, points: 0 },
        { start: "2027-01-01 00:00", density: 1, points: 4 },
      ]) {
        const reply = await ask(td);
        assert.equal(reply.denied, true, JSON.stringify(td));
      }
      // The most points a Td_c can ask for (255, one a minute): one answer, no data where nothing was read.
      const most = await curve(station, 1, 81, { start: "2026-11-26 00:00", density: 255, points: 255 });
      assert.equal(most?.values.length, 255);
      assert.deepEqual(
        most?.values.flatMap((v, i) => (v.value === null ? [] : [i])),
        [0, 15, 30, 45, 60, 75, 90, 105],
      );
      // A start off the 15-minute grid at 15-minute density: no stored point falls on it.
      assert.equal((await ask({ start: "2026-11-26 00:07", density: 1, points: 4 })).denied, true);
      // The terminal still answers a good request afterwards.
      assert.ok(await curve(station, 1, 81, { start: "2026-11-26 01:00", density: 1, points: 4 }));
    } finally {
      fx.close();
    }
  });
});
