/**
 * Meter-event polling on simulated time: events injected into virtual meters (cover opened, terminal-block
 * cover opened, relay trip, meter clear) arrive as ERCs and stored meter records, once — also across a
 * restart of the terminal on the same database; a meter whose register stops while power flows raises ERC30.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { MeterChannel, MeterReadRequest, MeterReadResult } from "../src/channels/meter-channel.ts";
import { CollectEngine } from "../src/collect/engine.ts";
import { installEngineTasks } from "../src/collect/engine-tasks.ts";
import { MeterEventPlanner } from "../src/collect/meter-events.ts";
import { encodeDiData } from "../src/protocol/dlt645/data.ts";
import { findDi } from "../src/protocol/dlt645/di-table.ts";
import { decodeErcRecord } from "../src/protocol/gw1376-1/erc.ts";
import type { Record_ } from "../src/protocol/gw1376-1/layout.ts";
import { TerminalCore } from "../src/terminal/terminal-core.ts";
import { TERMINAL_ERCS } from "../src/terminal/version-info.ts";
import { local, OFFSET, type PortSpec, startCollectFixture } from "./support/collect-fixture.ts";
import { runUntil } from "./support/sim-time.ts";

const SPECS: readonly PortSpec[] = [
  { port: 2, meters: 4, firstAddress: 1001, firstPoint: 1 },
  { port: 3, meters: 1, firstAddress: 2001, firstPoint: 5, edition: "1997" },
];
const MINUTE = 60_000;

function records(core: TerminalCore, erc: number): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const ring of ["important", "general"] as const) {
    for (const event of core.store.events.latest(ring)) {
      if (event.erc !== erc) continue;
      const decoded = decodeErcRecord(event.record);
      assert.ok(decoded.ok, decoded.ok ? "" : decoded.error.message);
      out.push((decoded.value as Record_).data as Record<string, unknown>);
    }
  }
  return out;
}

const pnOf = (data: Record<string, unknown>): number =>
  typeof data.pn === "number" ? data.pn : (data.point as { pn: number }).pn;

describe("meter-event polling", () => {
  it("raises ERC37, ERC38, ERC33 and stores trip records once, also after a restart", async () => {
    const dir = mkdtempSync(join(tmpdir(), "opendcu-mev-"));
    const dbPath = join(dir, "dcu.db");
    try {
      const fx = startCollectFixture({ start: local(2026, 11, 10, 10, 0), specs: SPECS, dbPath });
      let planner = MeterEventPlanner.install(fx.engine, fx.core, { pollMinutes: 15 });
      await runUntil(fx.clock, local(2026, 11, 10, 10, 20));
      assert.ok(planner.counters.polls >= 5, `every meter polled once (${planner.counters.polls})`);
      for (const erc of [33, 37, 38, 27])
        assert.equal(records(fx.core, erc).length, 0, `ERC${erc} at baseline`);

      const [m1, m2, m3] = fx.meters.map((m) => m.meter.model);
      assert.ok(m1 && m2 && m3);
      m1.openCover("meter cover open", 5 * MINUTE);
      m2.openCover("terminal-block cover open", 2 * MINUTE);
      m3.trip(7);
      await runUntil(fx.clock, local(2026, 11, 10, 11, 30));

      const cover = records(fx.core, 37);
      assert.equal(cover.length, 1);
      const c = cover[0] as Record<string, unknown>;
      assert.equal(pnOf(c), 1);
      assert.equal(c.openCount, m1.eventCounts.get("meter cover open"));
      const opened = m1.events.get("meter cover open")?.[0];
      assert.ok(opened);
      const pad = (n: number): string => String(n).padStart(2, "0");
      assert.deepEqual(c.start, {
        time: `${opened.at.year}-${pad(opened.at.month)}-${pad(opened.at.day)} ${pad(opened.at.hour)}:${pad(opened.at.minute)}:${pad(opened.at.second)}`,
        weekday: 0,
      });
      assert.equal(c.beforePositiveActive, opened.before?.positiveActive[0]);
      const block = records(fx.core, 38);
      assert.deepEqual(block.map(pnOf), [2]);

      const status = records(fx.core, 33);
      assert.deepEqual(status.map(pnOf), [3]);
      const first = status[0];
      assert.ok(first);
      const words = (first.statusWords as { word: number }[]).map((w) => w.word);
      assert.deepEqual(words, m3.statusWords());
      const changes = (first.changeFlags as { word: number }[]).map((w) => w.word);
      assert.equal(changes[2], (1 << 4) | (1 << 6), "relay open + trip command bits changed in word 3");

      const stored = fx.core.store.meterEvents.list();
      const trip = stored.filter((e) => e.kind === "trip");
      assert.equal(trip.length, 1);
      assert.equal(trip[0]?.point, 3);
      assert.equal((trip[0]?.data as { record?: { operator?: number } } | undefined)?.record?.operator, 7);
      assert.equal(stored.filter((e) => e.kind === "meter cover open").length, 1);

      // More polls: nothing new.
      await runUntil(fx.clock, local(2026, 11, 10, 13, 0));
      assert.equal(records(fx.core, 37).length, 1);
      assert.equal(records(fx.core, 33).length, 1);
      fx.close();

      // Restart on the same database, same meters (they keep their state like real meters do).
      const core = new TerminalCore({ dbPath, hostClock: fx.clock, utcOffsetMinutes: OFFSET });
      core.start();
      const engine = new CollectEngine({ terminal: core, channels: fx.channels });
      planner = MeterEventPlanner.install(engine, core, { pollMinutes: 15 });
      engine.start();
      try {
        await runUntil(fx.clock, local(2026, 11, 10, 14, 0));
        assert.ok(planner.counters.polls >= 5);
        assert.equal(records(core, 37).length, 1, "no duplicate ERC37 after the restart");
        assert.equal(records(core, 38).length, 1);
        assert.equal(records(core, 33).length, 1);
        assert.equal(core.store.meterEvents.list().filter((e) => e.kind === "trip").length, 1);

        m1.openCover("meter cover open");
        m3.close();
        await runUntil(fx.clock, local(2026, 11, 10, 15, 0));
        const again = records(core, 37);
        assert.equal(again.length, 2);
        assert.equal(again[1]?.openCount, (again[0]?.openCount as number) + 1);
        assert.equal(records(core, 33).length, 2, "closing the relay changes the status word again");
        assert.equal(core.store.meterEvents.list().filter((e) => e.kind === "close").length, 1);
      } finally {
        engine.close();
        core.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("raises ERC27 when a meter is cleared and ERC30 while a register stands still under load", async () => {
    const fx = startCollectFixture({
      start: local(2026, 11, 10, 10, 0),
      specs: [{ port: 2, meters: 2, firstAddress: 1001, firstPoint: 1 }],
      configure: true,
    });
    // Meter 2's register is stuck at 1234.56 kWh while it reports power (the channel answers for it).
    const channel = fx.channels.get(2) as MeterChannel;
    const energyRow = findDi("2007", 0x00010000);
    assert.ok(energyRow);
    const stuck = fx.meters[1]?.meter.address;
    const read = channel.read.bind(channel);
    channel.read = async (request: MeterReadRequest): Promise<MeterReadResult> => {
      const result = await read(request);
      if (request.meter.address === stuck && request.di === 0x00010000 && result.ok)
        return { ...result, data: encodeDiData(energyRow, 1234.56) };
      return result;
    };
    try {
      const planner = MeterEventPlanner.install(fx.engine, fx.core, { pollMinutes: 15, stoppedMinutes: 60 });
      await runUntil(fx.clock, local(2026, 11, 10, 10, 20));
      fx.meters[0]?.meter.model.clearMeter();
      await runUntil(fx.clock, local(2026, 11, 10, 12, 0));
      const decreased = records(fx.core, 27);
      assert.equal(decreased.length, 1);
      assert.equal(pnOf(decreased[0] as Record<string, unknown>), 1);
      assert.ok((decreased[0]?.before as number) > (decreased[0]?.after as number));
      assert.equal(fx.core.store.meterEvents.list().filter((e) => e.kind === "meter clear").length, 1);

      const stopped = records(fx.core, 30);
      assert.equal(stopped.length, 1, "ERC30 once, not at every poll");
      assert.equal(pnOf(stopped[0] as Record<string, unknown>), 2);
      assert.equal(stopped[0]?.energy, 1234.56);
      assert.equal(stopped[0]?.threshold, 4);
      assert.ok(planner.stoppedMinutes() === 60);
    } finally {
      fx.close();
    }
  });

  it("installs all three engine tasks in one call; they share the ports without getting in each other's way", async () => {
    const fx = startCollectFixture({ start: local(2026, 11, 10, 20, 50), specs: SPECS });
    try {
      const tasks = installEngineTasks(fx.engine, fx.core, { meterEvents: { pollMinutes: 30 } });
      assert.ok(tasks.meterEvents && tasks.timeSync && tasks.meterSearch);
      await runUntil(fx.clock, local(2026, 11, 10, 22, 0));
      assert.ok(tasks.meterEvents.counters.polls >= 10, "every meter polled at least twice");
      assert.equal(tasks.timeSync.counters.broadcasts, 2, "21:00 broadcast on both ports");
      assert.ok(tasks.timeSync.counters.checks >= 5);
      assert.equal(tasks.meterSearch.counters.slices, 0, "no search unless asked");
      assert.equal(installEngineTasks(fx.engine, fx.core, { meterEvents: false }).meterEvents, undefined);
    } finally {
      fx.close();
    }
  });

  it("advertises the ERCs it raises (AFN09 F8)", () => {
    for (const erc of [12, 27, 30, 33, 37, 38]) assert.ok(TERMINAL_ERCS.includes(erc), `ERC${erc}`);
  });
});
