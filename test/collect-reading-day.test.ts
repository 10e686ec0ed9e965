/**
 * Reading-day frozen data end to end on simulated time: AFN04 F33 makes the 1st and the 15th reading days at
 * 01:00 on two RS-485 ports (DL/T 645-2007 and -1997 meters), the reading engine with the reading-day planner
 * runs across the 1st, and a master station asks AFN0D F169 over a 1376.1 link (real frames through an
 * in-memory pipe). The stored values must be what each meter's model held when the meter answered — a meter
 * built afresh at that instant (collect-fixture: every meter has the same history whenever it is built) — a
 * meter silent at 01:00 is caught by a supplementary round, one silent all day has nothing, and no other day
 * gets reading-day data.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { RANK } from "../src/collect/port-worker.ts";
import { type ReadingDayConfig, ReadingDayPlanner } from "../src/collect/reading-day.ts";
import { ManualClock } from "../src/common/clock.ts";
import type { Dlt645Edition } from "../src/protocol/dlt645/functions.ts";
import { findFnRow } from "../src/protocol/gw1376-1/fn-table.ts";
import type { Record_ } from "../src/protocol/gw1376-1/layout.ts";
import { encodeBody } from "../src/protocol/gw1376-1/layout-codec.ts";
import {
  addressOf,
  type CollectFixture,
  dataClassBody,
  installedMeter,
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
];
const MIN = 60_000;
const READING_DAY = 20261201;
const F169 = "0D:F169";
/** DL/T 645 identifier of the positive active energy block (total + tariffs) F169 is built from, per edition. */
const ENERGY_DI: Readonly<Record<Dlt645Edition, number>> = { "2007": 0x0001ff00, "1997": 0x901f };

/**
 * AFN04 F33: the 1st and the 15th are reading days at 01:00 on `ports`, reading allowed all day, real-time
 * reads every `interval` minutes (0: none).
 */
function f33(ports: readonly number[], interval = 60): { fn: number; body: Uint8Array } {
  const layout = findFnRow(0x04, 33)?.down;
  assert.ok(layout, "AFN04 F33 layout");
  const value: Record_ = {
    ports: ports.map((port) => ({
      port,
      control: 0,
      readingDays: (1 << 0) | (1 << 14),
      readingDayTime: "01:00",
      intervalMinutes: interval,
      timeSyncTime: "00 00:00",
      windows: [],
    })),
  };
  return { fn: 33, body: encodeBody(layout, value) };
}

/** When each meter last answered each identifier (the channel's own answer, before the engine sees it). */
type AnswerTimes = Map<string, number[]>;

/** Records answer times; `silent` makes a meter time out while it says so, as a meter off the bus would. */
function listen(
  fx: CollectFixture,
  times: AnswerTimes,
  silent: (address: string, now: number) => boolean = () => false,
): void {
  for (const channel of fx.channels.values()) {
    const read = channel.read.bind(channel);
    (channel as { read: MemoryChannel["read"] }).read = async (request) => {
      if (silent(request.meter.address, fx.clock.now())) return { ok: false, reason: "timeout" };
      const result = await read(request);
      if (result.ok) {
        const key = `${request.meter.address}/${request.di}`;
        times.set(key, [...(times.get(key) ?? []), fx.clock.now()]);
      }
      return result;
    };
  }
}

/** F169's energy entries as a meter built afresh at `at` reports them (the meter model, not the wire). */
function modelEnergy(address: string, edition: Dlt645Edition, at: number): { value: number | null }[] {
  const meter = installedMeter(address, new ManualClock(at), edition);
  const block = meter.valueOf(ENERGY_DI[edition]);
  assert.ok(Array.isArray(block), `${address}: no energy block`);
  return block.map((v) => ({ value: typeof v === "number" ? v : null }));
}

const master = masterOnLink;

function start(options: {
  start: number;
  clock?: ManualClock;
  dbPath?: string;
  specs?: readonly PortSpec[];
  parameters?: readonly { fn: number; body: Uint8Array }[];
  config?: Partial<ReadingDayConfig>;
}) {
  const specs = options.specs ?? SPECS;
  const fx = startCollectFixture({
    start: options.start,
    specs,
    parameters: options.parameters ?? [f33(specs.map((s) => s.port))],
    configure: "if-empty",
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.dbPath === undefined ? {} : { dbPath: options.dbPath }),
  });
  const planner = ReadingDayPlanner.install(fx.engine, fx.core, options.config ?? {});
  return { fx, planner };
}

const meterOf = (fx: CollectFixture, point: number) => {
  const m = fx.meters.find((x) => x.point === point);
  assert.ok(m, `no meter at p${point}`);
  return m;
};

/** Reading-day rows of any item, by day. */
function readingDayRows(fx: CollectFixture): Map<number, number> {
  const rows = fx.core.store.db
    .statement(
      `SELECT period, count(*) AS n FROM frozen_daily WHERE item IN ('0D:F9', '0D:F169') GROUP BY period`,
    )
    .all() as { period: number; n: number }[];
  return new Map(rows.map((r) => [r.period, r.n]));
}

describe("reading-day frozen data", () => {
  it("across the 1st: values at 01:00, a late meter by supplementary reading, none for a silent one or another day", async () => {
    const { fx, planner } = start({ start: local(2026, 11, 30, 0, 30) });
    const times: AnswerTimes = new Map();
    const late = meterOf(fx, 2).meter.address;
    const dead = meterOf(fx, 3).meter.address;
    const day = local(2026, 12, 1);
    listen(
      fx,
      times,
      (address, now) =>
        (address === late && now >= day && now < day + 3 * 60 * MIN) ||
        (address === dead && now >= day && now < day + 24 * 60 * MIN),
    );
    try {
      await runUntil(fx.clock, local(2026, 12, 2, 2, 0));
      const store = fx.core.store;
      // Only the reading day has reading-day data: not the 30th (no reading day), not the 2nd.
      assert.deepEqual([...readingDayRows(fx).keys()], [READING_DAY]);

      for (const point of [1, 2, 4]) {
        const { meter } = meterOf(fx, point);
        const stored = store.daily.get(point, F169, READING_DAY);
        assert.ok(stored, `p${point}: no F169 for the reading day`);
        // The value is what the meter's model held when the meter answered the energy identifier.
        const answered = times.get(`${meter.address}/${ENERGY_DI[meter.protocol]}`) ?? [];
        const at = answered.filter((t) => t >= day && t <= stored.readAt).at(-1);
        assert.ok(at !== undefined, `p${point}: the meter never answered the energy block that day`);
        const value = stored.value as { energy: unknown; readTime: string };
        assert.deepEqual(value.energy, modelEnergy(meter.address, meter.protocol, at), `p${point} F169`);
        assert.equal(
          value.readTime,
          new Date(stored.readAt + OFFSET * MIN).toISOString().slice(0, 16).replace("T", " "),
        );
        if (point === 2) {
          // Silent at the reading-day time: caught by a supplementary round once it answered again.
          assert.ok(
            stored.readAt >= day + 3 * 60 * MIN,
            `p2 read at ${new Date(stored.readAt).toISOString()}`,
          );
          assert.ok(stored.readAt < day + 4 * 60 * MIN, "p2 read within the next round");
        } else {
          assert.ok(
            stored.readAt >= day + 60 * MIN && stored.readAt < day + 65 * MIN,
            `p${point} read at 01:00`,
          );
        }
        assert.ok(store.daily.get(point, "0D:F9", READING_DAY), `p${point}: F9 (default) missing`);
      }
      // Silent all day: nothing under the reading day, and not from a read after it either.
      assert.equal(store.daily.get(3, F169, READING_DAY), undefined);
      assert.equal(store.daily.get(3, "0D:F9", READING_DAY), undefined);
      assert.ok(planner.counters.supplementaryRounds >= 2, "supplementary rounds ran");
      // The needs of the day are gone once it is over (they can never be met).
      assert.deepEqual(
        store.readingState.needs().filter((n) => n.item === "readingDay"),
        [],
      );

      // A master asks AFN0D F169 for the reading day: each meter's stored value, labelled with the day.
      const station = master(fx);
      const reply = await station.request(0x0d, [
        { pn: 1, fn: 169, data: { Td_d: "2026-12-01" } },
        { pn: 4, fn: 169, data: { Td_d: "2026-12-01" } },
        { pn: 3, fn: 169, data: { Td_d: "2026-12-01" } },
      ]);
      assert.equal(reply.denied, false);
      for (const point of [1, 4]) {
        const item = reply.items.find((i) => i.pn === point && i.fn === 169);
        assert.ok(item, `p${point}: F169 not answered`);
        assert.deepEqual(item.data, {
          Td_d: "2026-12-01",
          ...(store.daily.get(point, F169, READING_DAY)?.value as Record_),
        });
      }
      assert.equal(
        reply.items.find((i) => i.pn === 3),
        undefined,
        "a meter without data is left out",
      );
      // A day that is not a reading day: no data at all, so the terminal denies.
      const none = await station.request(0x0d, [{ pn: 1, fn: 169, data: { Td_d: "2026-11-30" } }]);
      assert.equal(none.denied, true);
    } finally {
      fx.close();
    }
  });

  it("a read that ends after the reading day is over is not stored under it", async () => {
    // No F33 (the planner stays idle) and F9 + F169 only: the meter is read by hand at 23:59:59.5 on the 1st,
    // and its four answers (300 ms each) straddle midnight.
    const { fx, planner } = start({
      start: local(2026, 12, 1, 23, 59) + 59_500,
      specs: [SPECS[0] as PortSpec],
      parameters: [{ fn: 39, body: dataClassBody([9, 169]) }],
    });
    try {
      const worker = fx.engine.worker(2);
      const target = fx.engine.targets().find((t) => t.point === 1);
      assert.ok(worker && target);
      const reading = planner.readMeter(worker, target, READING_DAY, RANK.supplementary);
      await runUntil(fx.clock, local(2026, 12, 2) + 10_000);
      await reading;
      assert.equal(planner.counters.tasks, 1, "the meter was read");
      assert.equal(planner.counters.late, 1);
      assert.equal(fx.core.store.daily.get(1, F169, READING_DAY), undefined);
      assert.equal(fx.core.store.daily.get(1, F169, 20261202), undefined);
    } finally {
      fx.close();
    }
  });

  it("a restart mid-round on the same SQLite file resumes and stores nothing twice", async () => {
    const dir = mkdtempSync(join(tmpdir(), "opendcu-reading-day-"));
    const dbPath = join(dir, "dcu.db");
    // Slow exchanges (20 s) and F169 alone for the class: six meters take two minutes, so 01:01 is mid-round.
    const specs: readonly PortSpec[] = [
      { port: 2, meters: 6, firstAddress: 1001, firstPoint: 1, exchangeMs: 20_000 },
    ];
    const parameters = [f33([2], 0), { fn: 39, body: dataClassBody([169]) }];
    try {
      const first = start({ start: local(2026, 12, 1, 0, 50), dbPath, specs, parameters });
      await runUntil(first.fx.clock, local(2026, 12, 1, 1, 1));
      const before = first.fx.core.store.daily.forPeriod(F169, READING_DAY);
      assert.ok(before.length > 0 && before.length < 6, `${before.length} meters before the restart`);
      first.fx.close();

      const second = start({ clock: first.fx.clock, start: first.fx.clock.now(), dbPath, specs, parameters });
      const times: AnswerTimes = new Map();
      listen(second.fx, times);
      await runUntil(second.fx.clock, local(2026, 12, 1, 3, 0));
      const after = second.fx.core.store.daily.forPeriod(F169, READING_DAY);
      assert.equal(after.length, 6, "every meter has the reading day");
      // The values stored before the restart are untouched, and those meters were not read again.
      for (const record of before) {
        assert.deepEqual(
          after.find((r) => r.point === record.point),
          record,
        );
        assert.equal(times.get(`${addressOf(1000 + record.point)}/${ENERGY_DI["2007"]}`), undefined);
      }
      assert.equal(second.planner.counters.tasks, 6 - before.length);
      // The meters read after the restart were read at once (frozen rank), not an interval later.
      for (const record of after.filter((r) => !before.some((b) => b.point === r.point)))
        assert.ok(record.readAt < local(2026, 12, 1, 1, 5), `p${record.point} read at ${record.readAt}`);
      const rows = second.fx.core.store.db
        .statement("SELECT count(*) AS n FROM frozen_daily WHERE item = ? AND period = ?")
        .get(F169, READING_DAY) as { n: number };
      assert.equal(Number(rows.n), 6);
      second.fx.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
