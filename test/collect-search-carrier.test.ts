/**
 * Meter search over the real carrier channel: the reading engine with the meter-search task (as
 * `installEngineTasks` adds it), the CarrierChannel speaking Q/GDW 1376.2 over a paced serial link to the
 * virtual module, and a simulated PLC network holding meters that are not in the archive — a 1997 one among
 * them, and one that is installed while the search runs. All on one simulated clock and a SQLite file, so a
 * restart is a new terminal on the same file while the field (module, network, meters) carries on.
 *
 *   TerminalCore ─ CollectEngine ─ MeterSearchPlanner ─ CarrierChannel ══ link ══ virtual module ─ PLC network
 *        │ AFN04 F10 (mode 1) ──► onChange ──► archive sync (AFN11 F1) ─────────────────┘
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { archiveTarget } from "../src/channels/carrier/archive-target.ts";
import { CarrierChannel } from "../src/channels/carrier/carrier-channel.ts";
import { CollectEngine } from "../src/collect/engine.ts";
import { installEngineTasks } from "../src/collect/engine-tasks.ts";
import type { MeterSearchConfig, MeterSearchPlanner } from "../src/collect/meter-search.ts";
import { ManualClock } from "../src/common/clock.ts";
import { decodeMessageBytes } from "../src/protocol/gw1376-2/message.ts";
import { SimulatedCarrier } from "../src/sim/carrier-field.ts";
import { VirtualMeter } from "../src/sim/virtual-meter.ts";
import { handleAfn05 } from "../src/terminal/handlers/afn05-control.ts";
import type { HandlerContext } from "../src/terminal/handlers/handler.ts";
import { TerminalCore } from "../src/terminal/terminal-core.ts";
import type { ByteStream } from "../src/transport/byte-stream.ts";
import { addressOf, archiveBody, local, OFFSET, type PortSpec } from "./support/collect-fixture.ts";
import { erc35 } from "./support/erc35.ts";
import { runUntil, settle } from "./support/sim-time.ts";

const PORT = 31;
const MINUTE = 60_000;
/** In the archive from the start (points 1..3). */
const ARCHIVE: PortSpec = { port: PORT, kind: "carrier", meters: 3, firstAddress: 5001, firstPoint: 1 };
const ARCHIVED = [5001, 5002, 5003].map(addressOf);
/** On the network, not in the archive: two DL/T 645-2007 meters and a 1997 one. */
const UNKNOWN_2007 = [7001, 7002].map(addressOf);
const UNKNOWN_1997 = addressOf(7003);
/** Installed while the search runs. */
const JOINER = addressOf(7004);
const SEARCH: Partial<MeterSearchConfig> = { sliceMinutes: 5, roundMinutes: 20 };

/** A 1376.2 request the DCU sent, when. */
interface Sent {
  readonly afn: number;
  readonly fn: number;
  readonly at: number;
}

/** The field: the virtual module and its network; it outlives terminal restarts. */
function field(clock: ManualClock): { sim: SimulatedCarrier; sent: Sent[]; open: () => Promise<ByteStream> } {
  const nodes = [...ARCHIVED, ...UNKNOWN_2007];
  const sim = new SimulatedCarrier({
    clock,
    nodes: nodes.length,
    address: (i) => nodes[i - 1] as string,
    meter: { utcOffsetMinutes: OFFSET },
  });
  sim.network.add({
    address: UNKNOWN_1997,
    protocol: 1,
    depth: 1,
    meter: VirtualMeter.create(UNKNOWN_1997, clock, {
      edition: "1997",
      utcOffsetMinutes: OFFSET,
      historyDays: 70,
      seed: 7003,
    }),
  });
  const sent: Sent[] = [];
  // The DCU end of the serial line, tapped: which requests went to the module and when.
  const open = async (): Promise<ByteStream> => {
    const stream = await sim.open();
    return {
      write(bytes) {
        const m = decodeMessageBytes(bytes);
        if (m.ok && m.value.control.prm) sent.push({ afn: m.value.afn, fn: m.value.fn, at: clock.now() });
        return stream.write(bytes);
      },
      onData: (listener) => stream.onData(listener),
      close: () => stream.close(),
      closed: stream.closed,
      get isOpen() {
        return stream.isOpen;
      },
      label: stream.label,
    };
  };
  return { sim, sent, open };
}

/** Installs a meter on the network (the DCU knows nothing of it). */
function install(sim: SimulatedCarrier, address: string): void {
  sim.network.add({ address, meter: { handleFrame: (frame) => sim.meter(address).handleFrame(frame) } });
}

interface Terminal {
  readonly core: TerminalCore;
  readonly channel: CarrierChannel;
  readonly engine: CollectEngine;
  readonly planner: MeterSearchPlanner;
  /** Stops everything as a shutdown would (the module and network carry on). */
  close(): Promise<void>;
}

/** One terminal process: SQLite file, carrier channel, engine with the search task, wired as the daemon. */
function boot(clock: ManualClock, dbPath: string, f: ReturnType<typeof field>): Terminal {
  const core = new TerminalCore({ dbPath, hostClock: clock, utcOffsetMinutes: OFFSET });
  core.start();
  const channel = new CarrierChannel({
    port: PORT,
    clock,
    masterAddress: "000044030001",
    open: f.open,
    archive: () => archiveTarget(core.store.meters.listPort(PORT), PORT),
    resetModule: () => f.sim.reset(),
    client: { timeoutMs: 2000, retries: 1 },
  });
  // As src/daemon/field.ts wires it: an AFN04 F10 change (a master's, or the search's in mode 1) syncs.
  const unsubscribe = core.parameters.onChange((change) => {
    if (change === "all" || change.includes(10)) channel.archiveChanged();
  });
  const engine = new CollectEngine({ terminal: core, channels: new Map([[PORT, channel]]) });
  const tasks = installEngineTasks(engine, core, {
    meterEvents: false,
    timeSync: false,
    meterSearch: SEARCH,
  });
  assert.ok(tasks.meterSearch);
  channel.start().catch((error: unknown) => assert.fail(String(error)));
  engine.start();
  return {
    core,
    channel,
    engine,
    planner: tasks.meterSearch,
    async close() {
      engine.close();
      unsubscribe();
      await drive(clock, channel.close());
      core.close();
    },
  };
}

/** Runs the clock until `work` settles (closing waits for the exchange on the line). */
async function drive<T>(clock: ManualClock, work: Promise<T>): Promise<T> {
  let done = false;
  const watched = work.finally(() => {
    done = true;
  });
  for (let i = 0; i < 10_000 && !done; i++) {
    await settle();
    const next = clock.nextTimerAt();
    if (done || next === undefined) break;
    clock.advanceTo(next);
  }
  return watched;
}

const reportedAddresses = (core: TerminalCore): string[] =>
  erc35(core)
    .flatMap((e) => e.addresses)
    .sort();

const f149 = (core: TerminalCore, mode: number) =>
  handleAfn05({ core, items: [{ pn: 0, fn: 149, data: { mode } }] } as unknown as HandlerContext);

/** Configures the archive as a master would (AFN04 F10, MSA 1). */
function configureArchive(core: TerminalCore, specs: readonly PortSpec[]): void {
  const refused = core.parameters.set([{ fn: 10, pn: 0, body: archiveBody(specs) }], 1).filter((r) => r.err);
  assert.deepEqual(refused, []);
}

/** The registration windows the DCU opened (AFN11 F5) and closed (AFN11 F6), in order. */
function windows(sent: readonly Sent[]): { open: number; close: number | undefined }[] {
  const out: { open: number; close: number | undefined }[] = [];
  for (const s of sent) {
    if (s.afn !== 0x11) continue;
    if (s.fn === 5) out.push({ open: s.at, close: undefined });
    else if (s.fn === 6) {
      const last = out.at(-1);
      if (last !== undefined && last.close === undefined) out[out.length - 1] = { ...last, close: s.at };
    }
  }
  return out;
}

function withDir(body: (dbPath: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), "opendcu-carrier-search-"));
    try {
      await body(join(dir, "dcu.db"));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

describe("meter search over the carrier channel and the virtual module", () => {
  it(
    "mode 2: reports every unknown node once (ERC35) across windows, a restart and a second round; time-boxed; archive untouched",
    withDir(async (dbPath) => {
      const t0 = local(2026, 11, 10, 10, 0);
      const clock = new ManualClock(t0);
      const f = field(clock);
      let dcu = boot(clock, dbPath, f);
      configureArchive(dcu.core, [ARCHIVE]);
      await runUntil(clock, t0 + 2 * MINUTE);
      assert.equal(f.sim.module.archive.size, 3, "the module holds the archive");

      await f149(dcu.core, 2);
      await runUntil(clock, t0 + 9 * MINUTE + 30_000);
      const round = dcu.planner.round(PORT);
      assert.ok(round?.carrierUntil, "a round is in progress");
      assert.deepEqual(reportedAddresses(dcu.core), [...UNKNOWN_2007, UNKNOWN_1997].sort());
      assert.ok(f.sim.module.registrationActive, "the second window is open");

      // Power cut of the terminal in the middle of the second window; back 30 s later.
      await dcu.close();
      await runUntil(clock, clock.now() + 30_000);
      dcu = boot(clock, dbPath, f);
      await runUntil(clock, t0 + 11 * MINUTE);
      const resumed = dcu.planner.round(PORT);
      assert.equal(resumed?.startedAt, round.startedAt, "the round resumed, not restarted");
      assert.equal(resumed?.carrierUntil, round.carrierUntil);
      install(f.sim, JOINER);
      const roundEnd = round.carrierUntil;
      await runUntil(clock, roundEnd + 2 * MINUTE);
      assert.equal(dcu.planner.round(PORT), undefined, "the round finished at its end");

      // ERC35 once per address, on port 31; the known meters never; the new terminal found them all again.
      const events = erc35(dcu.core);
      assert.ok(events.every((e) => e.port === PORT));
      assert.deepEqual(reportedAddresses(dcu.core), [...UNKNOWN_2007, UNKNOWN_1997, JOINER].sort());
      assert.ok(dcu.planner.counters.found >= 4, `found after the restart: ${dcu.planner.counters.found}`);
      // Mode 2: nothing added anywhere.
      assert.deepEqual(
        dcu.core.store.meters
          .listPort(PORT)
          .map((m) => m.address)
          .sort(),
        ARCHIVED,
      );
      assert.equal(f.sim.module.archive.size, 3);

      // Time box: windows of at most a slice, each closed with AFN11 F6, none beyond the round's end.
      const opened = windows(f.sent).filter((w) => w.open >= round.startedAt);
      assert.ok(opened.length >= 4, JSON.stringify(opened));
      const restartedAt = t0 + 9 * MINUTE + 30_000;
      for (const w of opened) {
        if (w.open < restartedAt && (w.close ?? Number.POSITIVE_INFINITY) > restartedAt) continue; // cut
        assert.ok(w.close !== undefined, `window opened at ${w.open - t0} ms closed with F6`);
        assert.ok(w.close - w.open <= 5 * MINUTE + 5_000, `window of ${w.close - w.open} ms`);
        assert.ok(w.close <= roundEnd + 5_000, `window closed ${w.close - roundEnd} ms after the round`);
      }
      assert.equal(f.sim.module.registrationActive, false, "registration stopped");

      // The next round (another F149): the module reports the same nodes again; no new ERC35.
      const foundBefore = dcu.planner.counters.found;
      await f149(dcu.core, 2);
      await runUntil(clock, clock.now() + 25 * MINUTE);
      assert.ok(dcu.planner.counters.found > foundBefore, "the second round heard the nodes again");
      assert.equal(erc35(dcu.core).flatMap((e) => e.addresses).length, 4);
      await dcu.close();
    }),
  );

  it(
    "mode 1: found meters join F10 through the parameter service, reach the module by archive sync and get their daily frozen data read",
    withDir(async (dbPath) => {
      // Half past midnight: the day's round is on, and the 1997 meter (no frozen records) still gets the
      // terminal's freeze of the day that closed.
      const t0 = local(2026, 11, 10, 0, 30);
      const clock = new ManualClock(t0);
      const f = field(clock);
      const dcu = boot(clock, dbPath, f);
      configureArchive(dcu.core, [ARCHIVE]);
      await runUntil(clock, t0 + 2 * MINUTE);
      await f149(dcu.core, 1);
      await runUntil(clock, t0 + 30 * MINUTE);
      assert.equal(dcu.planner.round(PORT), undefined);

      const unknown = [...UNKNOWN_2007, UNKNOWN_1997];
      assert.deepEqual(reportedAddresses(dcu.core), [...unknown].sort());
      const archive = dcu.core.store.meters.listPort(PORT);
      assert.equal(archive.length, 6);
      for (const address of unknown) {
        const entry = archive.find((e) => e.address === address);
        assert.ok(entry, `${address} added to F10`);
        assert.equal(entry.protocol, address === UNKNOWN_1997 ? 1 : 30);
        assert.ok(entry.point >= 4 && entry.point <= 6, `point ${entry.point}`);
        // Synced into the module's own archive with the 1376.2 protocol type.
        assert.equal(f.sim.module.archive.get(address)?.protocol, address === UNKNOWN_1997 ? 1 : 2);
      }
      assert.equal(dcu.channel.lastSync?.verified, true);
      // Read through the module: the meters' own frozen records (2007), the terminal's freeze (1997).
      for (const address of UNKNOWN_2007) {
        const point = archive.find((e) => e.address === address)?.point ?? -1;
        const f161 = dcu.core.store.daily.get(point, "0D:F161", 20261109);
        assert.ok(f161, `${address}: F161 of 2026-11-09 stored`);
        const expected = (f.sim.meter(address).model.daily[0]?.energies.positiveActive ?? []).map(
          (value) => ({
            value,
          }),
        );
        assert.deepEqual((f161.value as { energy: unknown }).energy, expected);
      }
      const point1997 = archive.find((e) => e.address === UNKNOWN_1997)?.point ?? -1;
      assert.ok(
        dcu.core.store.daily.get(point1997, "0D:F161", 20261109),
        "1997 meter: terminal freeze stored",
      );

      // Another round finds nothing new: no ERC35, no second F10 entry.
      await f149(dcu.core, 1);
      await runUntil(clock, clock.now() + 25 * MINUTE);
      assert.equal(erc35(dcu.core).flatMap((e) => e.addresses).length, 3);
      assert.equal(dcu.core.store.meters.listPort(PORT).length, 6);
      await dcu.close();
    }),
  );

  it(
    "bad reports from the module (malformed addresses, unknown protocols, repeats, a collector) add no garbage",
    withDir(async (dbPath) => {
      const t0 = local(2026, 11, 10, 10, 0);
      const clock = new ManualClock(t0);
      const f = field(clock);
      // Nodes the module itself reports wrongly: a non-BCD address and a DL/T 698.45 meter.
      f.sim.network.add({ address: "00000000700a", meter: { handleFrame: () => undefined } });
      f.sim.network.add({ address: addressOf(7005), protocol: 3, meter: { handleFrame: () => undefined } });
      const dcu = boot(clock, dbPath, f);
      configureArchive(dcu.core, [ARCHIVE]);
      await runUntil(clock, t0 + 2 * MINUTE);
      await f149(dcu.core, 1);
      const node = (address: string, protocol: number, deviceType = 1) => ({
        address,
        protocol,
        index: 1,
        deviceType,
        attachedTotal: 0,
        attached: [] as { address: string; protocol: number }[],
      });
      let injected = false;
      await runUntil(clock, t0 + 6 * MINUTE, () => {
        if (injected || !f.sim.module.registrationActive || f.sim.driver === undefined) return;
        injected = true;
        const driver = f.sim.driver;
        driver.injectReport(4, {
          nodes: [
            node("ffffffffffff", 2),
            node("999999999999", 2),
            node("000000000000", 2),
            node(addressOf(7006), 0),
            node(addressOf(7007), 9),
            node(addressOf(7001), 2),
            node(addressOf(7001), 2),
            node(ARCHIVED[0] as string, 2),
            {
              ...node(addressOf(8000), 2, 0),
              attachedTotal: 2,
              attached: [
                { address: addressOf(8001), protocol: 2 },
                { address: "0000000080ff", protocol: 2 },
              ],
            },
          ],
        });
        driver.injectReport(1, { nodes: [{ address: addressOf(7002), protocol: 2, index: 2 }] });
        driver.injectReport(1, { nodes: [{ address: addressOf(7002), protocol: 2, index: 2 }] });
      });
      assert.ok(injected, "reports injected during a window");
      await runUntil(clock, t0 + 30 * MINUTE);

      assert.equal(dcu.channel.state, "ready");
      assert.ok(dcu.engine.running);
      const valid = [...UNKNOWN_2007, UNKNOWN_1997, addressOf(8001)].sort();
      assert.deepEqual(reportedAddresses(dcu.core), valid, "ERC35 for real meters only, once each");
      assert.deepEqual(
        dcu.core.store.meters
          .listPort(PORT)
          .map((m) => m.address)
          .sort(),
        [...ARCHIVED, ...valid].sort(),
        "F10 holds no garbage",
      );
      for (const address of f.sim.module.archive.keys()) assert.match(address, /^\d{12}$/);
      // Rejected: 00…700a and the 698.45 node (both windows each), and in the injected report ff…ff, 99…99,
      // 00…00, protocols 0 and 9, the repeat of 7001 and the collector's 0000000080ff.
      assert.ok(dcu.channel.counters.searchRejected >= 9, `${dcu.channel.counters.searchRejected} rejected`);
      await dcu.close();
    }),
  );
});
