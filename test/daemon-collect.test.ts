/**
 * The daemon reads its meters: started with a simulated field (virtual meters behind the real RS-485 channel
 * on a paced 2400-baud line, a virtual carrier module behind the real carrier channel), a master sets the
 * meter archive and the data classes over TCP, and the engine collects each meter's own daily frozen
 * record; the master then gets it back with AFN0D F161, the reading status with AFN0C F11 and F170, and a
 * fresh value with AFN0C F129 (a live read through the engine). Real time, real channels, real TCP.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { lastClosed } from "../src/collect/periods.ts";
import { type DaemonHandle, startDaemon } from "../src/daemon/daemon.ts";
import { simulatedMeterAddress } from "../src/daemon/field.ts";
import { fieldFromFlags } from "../src/daemon/field-flags.ts";
import { connectToDcu, type MasterStation } from "../src/sim/master/master-station.ts";
import { type MeterConfig, meterConfig, setMeterArchive } from "../src/sim/master/meter-archive.ts";
import type { VirtualMeter } from "../src/sim/virtual-meter.ts";
import { daytimeOffsetMinutes } from "./support/daytime-offset.ts";

// Near noon terminal time whenever the test runs (no midnight or cut-off inside it).
const OFFSET = daytimeOffsetMinutes();

async function eventually(condition: () => boolean, what: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function meter(serial: number, port: number, address: string): MeterConfig {
  return meterConfig({ serial, pn: serial, port, protocol: 30, address });
}

const ARCHIVE: readonly MeterConfig[] = [
  meter(1, 2, simulatedMeterAddress(1)),
  meter(2, 2, simulatedMeterAddress(2)),
  meter(3, 31, "100000000001"),
  meter(4, 31, "100000000002"),
];

/** The data of a reply's first item (fails the test when there is none). */
function firstData<T>(reply: { readonly items: readonly { readonly data: unknown }[] }): T {
  const item = reply.items[0];
  assert.ok(item, "the reply has no data unit");
  return item.data as T;
}

/** The F39 groups naming only F161 (group 21, bit 0). */
const F161_ONLY = Array.from({ length: 21 }, (_, i) => ({ fns: i === 20 ? 1 : 0 }));

describe("daemon --simulate-meters 2 --simulate-carrier 2: a master sets the archive, the engine reads", {
  timeout: 300_000,
}, () => {
  let dir: string;
  let daemon: DaemonHandle;
  let master: MasterStation;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "opendcu-collect-daemon-"));
    daemon = await startDaemon({
      dbPath: join(dir, "dcu.sqlite"),
      utcOffsetMinutes: OFFSET,
      uplink: { listen: { host: "127.0.0.1", port: 0 } },
      field: {
        ...fieldFromFlags({ simulateMeters: 2, simulateCarrier: 2 }),
        carrierArchive: { pollMs: 100, syncDelayMs: 100 },
        parameterPollMs: 100,
      },
      // From midnight: the test must not wait for 00:05 when it happens to run just after midnight.
      collect: { dailyStartMinute: 0, meterEvents: { pollMinutes: 30 } },
    });
    const at = daemon.listening;
    assert.ok(at);
    master = await connectToDcu(at.host, at.port, { area: "4403", terminal: 1, timeoutMs: 10_000 });
  });

  after(async () => {
    await master?.close();
    await daemon?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("runs the engine on the daemon's channels", () => {
    assert.ok(daemon.collection, "no reading engine");
    assert.deepEqual(daemon.collection.engine.ports, [2, 31]);
    assert.ok(daemon.webProviders.reading, "the web gets the engine's reading figures");
    const tasks = daemon.collection.tasks;
    assert.equal(tasks.meterEvents?.config.pollMinutes, 30, "meter events follow the start-up file");
    assert.ok(tasks.timeSync, "meter time installed");
    assert.ok(tasks.meterSearch, "meter search installed");
  });

  it("collects each meter's own daily frozen record once the master set the archive", async () => {
    const f39 = await master.request(0x04, [
      { pn: 0, fn: 39, data: { bigClass: 0, smallClasses: [{ smallClass: 0, groups: F161_ONLY }] } },
    ]);
    assert.equal(f39.denied, false);
    const result = await setMeterArchive(master, ARCHIVE, undefined, 10_000);
    assert.equal(result.accepted, ARCHIVE.length, JSON.stringify(result.refused));

    const store = daemon.core.store;
    const day = lastClosed("daily", daemon.core.clock.now(), OFFSET);
    await eventually(
      () => ARCHIVE.every((m) => store.daily.get(m.pn, "0D:F161", day) !== undefined),
      `daily frozen F161 of ${day} for every meter`,
    );
    const simulation = daemon.field.simulation;
    const virtual = (m: MeterConfig): VirtualMeter | undefined =>
      m.port === 2
        ? simulation.meters.find((x) => x.address === m.address)?.meter
        : simulation.carrier?.meter(m.address);
    for (const m of ARCHIVE) {
      const model = virtual(m)?.model;
      assert.ok(model, `no simulated meter ${m.address}`);
      const stored = store.daily.get(m.pn, "0D:F161", day)?.value as { energy: { value: number }[] };
      assert.deepEqual(
        stored.energy.map((e) => e.value),
        model.daily[0]?.energies.positiveActive,
        `p${m.pn}: stored values are the meter's own frozen record`,
      );
    }

    // The master reads them back (AFN0D F161 for the day, all four points).
    const text = String(day);
    const td = `${text.slice(0, 4)}-${text.slice(4, 6)}-${text.slice(6)}`;
    const reply = await master.request(
      0x0d,
      ARCHIVE.map((m) => ({ pn: m.pn, fn: 161, data: { Td_d: td } })),
    );
    assert.equal(reply.denied, false);
    assert.deepEqual(
      reply.items.map((i) => i.pn).sort((a, b) => a - b),
      [1, 2, 3, 4],
    );
  });

  it("answers AFN0C F11, F170 and a live F129 through the engine", async () => {
    const f11 = await master.request(0x0c, [{ pn: 0, fn: 11 }]);
    assert.equal(f11.denied, false);
    const ports = firstData<{ ports: { port: number; metersToRead: number; readOkCount: number }[] }>(
      f11,
    ).ports;
    assert.deepEqual(
      ports.map((p) => [p.port, p.metersToRead, p.readOkCount]),
      [
        [2, 2, 2],
        [31, 2, 2],
      ],
    );
    const f170 = await master.request(0x0c, [{ pn: 3, fn: 170 }]);
    assert.equal(firstData<{ port: number }>(f170).port, 31);
    const live = await master.request(0x0c, [{ pn: 1, fn: 129 }], { timeoutMs: 30_000 });
    assert.equal(live.denied, false);
    const energy = firstData<{ energy: { value: number }[] }>(live).energy;
    const model = daemon.field.simulation.meters.find((x) => x.address === simulatedMeterAddress(1))?.meter
      .model;
    assert.ok(model);
    // A fresh read: at most what the meter holds now, at least its last daily freeze.
    assert.ok(
      (energy[0]?.value ?? 0) >= (model.daily[0]?.energies.positiveActive[0] ?? Number.POSITIVE_INFINITY),
    );
  });

  it("polls the meters for events through the daemon's channels (the first poll is each meter's baseline)", async () => {
    const events = daemon.collection?.tasks.meterEvents;
    assert.ok(events);
    // Cover → ERC37 itself is shown on simulated time in test/collect-meter-events.test.ts: here a minute's
    // poll interval would cost minutes of real time, so this checks the wiring: polls run and baselines land.
    const watched = () => [1, 2].filter((pn) => daemon.core.store.meterWatch.get(pn, "status") !== undefined);
    await eventually(() => watched().length === 2, "status-word baselines of both RS-485 meters");
    assert.ok(events.counters.polls >= 2);
    assert.equal(daemon.core.store.events.latest("important").filter((e) => e.erc === 33).length, 0);
  });
});
