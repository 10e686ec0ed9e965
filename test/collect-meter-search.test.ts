/**
 * Meter search on simulated time: virtual meters on an RS-485 bus that are not in the archive are found by
 * the wildcard search (collisions resolved byte by byte, the bus modelled as in sim/meter-bus.ts), across a
 * restart in the middle of a round (the cursor is persisted); ERC35 is raised once per meter; with AFN05
 * F149 mode 1 they join the archive through AFN04 F10 and get read; carrier nodes reported in the module's
 * registration window are handled the same way.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { ArchiveNode } from "../src/channels/carrier/carrier-client.ts";
import type { ProbeOutcome } from "../src/channels/rs485/rs485-channel.ts";
import { CollectEngine } from "../src/collect/engine.ts";
import { f10Entry, MeterSearchPlanner, narrow } from "../src/collect/meter-search.ts";
import type { Clock } from "../src/common/clock.ts";
import { collide } from "../src/sim/meter-bus.ts";
import type { VirtualMeter } from "../src/sim/virtual-meter.ts";
import { handleAfn05 } from "../src/terminal/handlers/afn05-control.ts";
import type { HandlerContext } from "../src/terminal/handlers/handler.ts";
import { TerminalCore } from "../src/terminal/terminal-core.ts";
import { addressOf, installedMeter, local, OFFSET, startCollectFixture } from "./support/collect-fixture.ts";
import { erc35 } from "./support/erc35.ts";
import { MemoryChannel } from "./support/memory-channel.ts";
import { runUntil } from "./support/sim-time.ts";

/** A memory bus with the RS-485 channel's raw probe: every meter hears the frame; answers collide. */
class ProbingChannel extends MemoryChannel {
  readonly #clock: Clock;
  readonly #all: VirtualMeter[];
  probes = 0;

  constructor(port: number, clock: Clock, meters: VirtualMeter[]) {
    super({ port, clock, meters });
    this.#clock = clock;
    this.#all = meters;
  }

  /** Adds a meter to the bus (installed after the terminal started). */
  attach(meter: VirtualMeter): void {
    this.#all.push(meter);
  }

  probe(frame: Uint8Array): Promise<ProbeOutcome> {
    this.probes++;
    const answers = this.#all.map((m) => m.handleFrame(frame)).filter((a) => a !== undefined);
    return new Promise((resolve) =>
      this.#clock.setTimer(answers.length === 0 ? 1000 : 300, () => {
        if (answers.length === 0) resolve({ kind: "silence" });
        else if (answers.length === 1) resolve({ kind: "frame", frame: answers[0] as Uint8Array });
        else resolve({ kind: "garbage", bytes: collide(answers).length });
      }),
    );
  }
}

const f149 = (core: TerminalCore, mode: number) =>
  handleAfn05({ core, items: [{ pn: 0, fn: 149, data: { mode } }] } as unknown as HandlerContext);

describe("meter search", () => {
  it("narrows a wildcard pattern at the lowest free byte", () => {
    const children = narrow("AAAAAAAAAAAA");
    assert.equal(children.length, 100);
    assert.equal(children[0], "AAAAAAAAAA00");
    assert.equal(children[99], "AAAAAAAAAA99");
    assert.equal(narrow("AAAAAAAA1234")[7], "AAAAAA071234");
    assert.deepEqual(narrow("000000001234"), []);
    const entry = f10Entry(3, 4, 2, 30, "000000001234");
    assert.deepEqual([...entry.subarray(0, 12)], [3, 0, 4, 0, 2, 30, 0x34, 0x12, 0, 0, 0, 0]);
  });

  it("finds unknown RS-485 meters through collisions, resumes after a restart, ERC35 once, adds them (mode 1)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "opendcu-search-"));
    const dbPath = join(dir, "dcu.db");
    try {
      const start = local(2026, 11, 10, 10, 0);
      const fx = startCollectFixture({
        start,
        dbPath,
        specs: [{ port: 2, meters: 2, firstAddress: 1001, firstPoint: 1 }],
      });
      const clock = fx.clock;
      const archived = fx.meters.map((m) => m.meter);
      // Unknown meters: two collide down to the last byte (…1101 / …2101 share the low byte), one 1997.
      const unknown = [
        installedMeter(addressOf(1101), clock),
        installedMeter(addressOf(2101), clock),
        installedMeter(addressOf(3457), clock),
        installedMeter(addressOf(4321), clock, "1997"),
      ];
      const channel = new ProbingChannel(2, clock, [...archived, ...unknown]);
      fx.close();

      // The terminal with the probing bus, search mode 1, restarted in the middle of the round.
      const boot = (): { core: TerminalCore; engine: CollectEngine; planner: MeterSearchPlanner } => {
        const core = new TerminalCore({ dbPath, hostClock: clock, utcOffsetMinutes: OFFSET });
        core.start();
        const engine = new CollectEngine({ terminal: core, channels: new Map([[2, channel]]) });
        const planner = MeterSearchPlanner.install(engine, core, { sliceMinutes: 1 });
        engine.start();
        return { core, engine, planner };
      };
      let t = boot();
      await f149(t.core, 1);
      await runUntil(clock, start + 90_000);
      const cursor = t.planner.round(2);
      assert.ok(cursor, "a round is in progress");
      assert.ok(cursor.pending.length > 0, "with patterns still to probe");
      const probesBefore = channel.probes;
      t.engine.close();
      t.core.close();

      t = boot();
      await runUntil(clock, local(2026, 11, 10, 12, 0));
      assert.equal(t.planner.round(2), undefined, "the round finished");
      // Resumed, not restarted: one whole round is 1 + 100 + 100 probes for 2007 (the root, the low byte,
      // the second byte under the …01 collision) and 1 for 1997; a probe cut off by the restart may repeat.
      assert.ok(probesBefore > 10);
      assert.ok(channel.probes >= 202 && channel.probes <= 203, `${channel.probes} probes`);
      const reported = erc35(t.core)
        .flatMap((f) => f.addresses)
        .sort();
      assert.deepEqual(reported, unknown.map((m) => m.address).sort(), "each unknown meter reported once");
      assert.ok(erc35(t.core).every((f) => f.port === 2));
      // Mode 1: added to the archive with free serials and points, right protocol.
      for (const meter of unknown) {
        const entry = t.core.store.meters.list().find((e) => e.address === meter.address);
        assert.ok(entry, `${meter.address} added to F10`);
        assert.equal(entry.port, 2);
        assert.equal(entry.protocol, meter.model.edition === "1997" ? 1 : 30);
        assert.ok(entry.point > 2);
      }
      // …and read like any archived meter (real-time reads are hourly on RS-485 by default).
      await runUntil(clock, local(2026, 11, 10, 14, 0));
      for (const meter of unknown) {
        const entry = t.core.store.meters.list().find((e) => e.address === meter.address);
        assert.ok(t.core.store.readings.get(entry?.point ?? -1, "0C:F129"), `${meter.address} read`);
      }
      // A second search finds nothing new to report.
      await f149(t.core, 2);
      await runUntil(clock, local(2026, 11, 10, 16, 0));
      assert.equal(erc35(t.core).flatMap((f) => f.addresses).length, unknown.length);
      t.engine.close();
      t.core.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("mode 2 reports carrier nodes from the registration window without touching the archive", async () => {
    const fx = startCollectFixture({
      start: local(2026, 11, 10, 10, 0),
      specs: [{ port: 31, kind: "carrier", meters: 1, firstAddress: 5001, firstPoint: 1 }],
    });
    try {
      const channel = fx.channels.get(31) as MemoryChannel & {
        searchNodes?: (
          m: number,
          f?: (n: ArchiveNode) => void,
        ) => Promise<{ found: ArchiveNode[]; completed: boolean }>;
      };
      const windows: number[] = [];
      channel.searchNodes = (minutes, onFound) => {
        windows.push(minutes);
        return new Promise((resolve) =>
          fx.clock.setTimer(minutes * 60_000, () => {
            const nodes = [
              { address: addressOf(5001), protocol: 2 },
              { address: addressOf(7001), protocol: 2 },
              { address: addressOf(7002), protocol: 1 },
            ];
            for (const n of nodes) onFound?.(n);
            resolve({ found: nodes, completed: true });
          }),
        );
      };
      const planner = MeterSearchPlanner.install(fx.engine, fx.core, { sliceMinutes: 10, roundMinutes: 30 });
      await f149(fx.core, 2);
      await runUntil(fx.clock, local(2026, 11, 10, 11, 0));
      // The 30-minute round in slices of at most 10 minutes (a slice starts at a tick: the last gets the rest).
      assert.ok(windows.length >= 3 && windows.every((w) => w > 0 && w <= 10), JSON.stringify(windows));
      assert.ok(windows.reduce((a, b) => a + b, 0) <= 30, JSON.stringify(windows));
      assert.deepEqual(
        erc35(fx.core),
        [{ port: 31, addresses: [addressOf(7001), addressOf(7002)] }].flatMap((f) =>
          f.addresses.map((a) => ({ port: f.port, addresses: [a] })),
        ),
      );
      assert.equal(fx.core.store.meters.list().length, 1, "mode 2 leaves F10 alone");
      assert.equal(planner.round(31), undefined);
      const refused = (await f149(fx.core, 5)) as unknown;
      assert.notEqual(refused, undefined);
    } finally {
      fx.close();
    }
  });
});
