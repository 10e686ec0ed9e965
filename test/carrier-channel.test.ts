/**
 * The carrier channel against the virtual module and a simulated PLC network with loss, all in simulated
 * time: identification, archive sync (start, change, restart mid-sync), concentrator-led and router-led
 * reading with route pause/resume, registration, module restart after a hang.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { archiveFingerprint } from "../src/channels/carrier/archive-target.ts";
import { CarrierChannel, type CarrierChannelOptions } from "../src/channels/carrier/carrier-channel.ts";
import type { ArchiveNode, ModuleInfo, RouterReading } from "../src/channels/carrier/carrier-client.ts";
import type { MeterTarget } from "../src/channels/meter-channel.ts";
import { decodeDiData } from "../src/protocol/dlt645/data.ts";
import { decodeMessageBytes, encodeMessage, readRequest } from "../src/protocol/dlt645/message.ts";
import { SimulatedCarrier } from "../src/sim/carrier-field.ts";
import { SimulatedClock } from "../src/sim/carrier-sim-clock.ts";

const START = Date.UTC(2026, 10, 26, 8, 0, 0);
const DI_DAILY = 0x05060101;

interface Rig {
  clock: SimulatedClock;
  sim: SimulatedCarrier;
  channel: CarrierChannel;
  target: ArchiveNode[];
  infos: ModuleInfo[];
  /** Runs `work` in simulated time, failing if it takes more than `maxMs` of it. */
  run<T>(work: Promise<T>, maxMs?: number): Promise<T>;
  /** Lets simulated time pass. */
  idle(ms: number): Promise<void>;
}

function rig(
  nodes: number,
  options: { loss?: number; archived?: number; channel?: Partial<CarrierChannelOptions> } = {},
): Rig {
  const clock = new SimulatedClock(START);
  const sim = new SimulatedCarrier({ clock, nodes, loss: options.loss ?? 0 });
  const target = sim.addresses
    .slice(0, options.archived ?? nodes)
    .map((address) => ({ address, protocol: 2 }));
  const infos: ModuleInfo[] = [];
  const r: Rig = {
    clock,
    sim,
    target,
    infos,
    channel: new CarrierChannel({
      open: () => sim.open(),
      clock,
      masterAddress: "000044030001",
      archive: () => r.target,
      saveModuleInfo: (info) => infos.push(info),
      resetModule: () => sim.reset(),
      client: { timeoutMs: 2000, retries: 1 },
      ...options.channel,
    }),
    run<T>(work: Promise<T>, maxMs = 3_600_000): Promise<T> {
      let timer: { cancel(): void } | undefined;
      const limit = new Promise<never>((_, reject) => {
        timer = clock.setTimer(maxMs, () =>
          reject(new Error(`not done within ${maxMs} ms of simulated time`)),
        );
      });
      return clock.run(Promise.race([work, limit]).finally(() => timer?.cancel()));
    },
    idle(ms: number) {
      return r.run(new Promise<void>((resolve) => clock.setTimer(ms, resolve)), ms + 1);
    },
  };
  return r;
}

function target(address: string): MeterTarget {
  return { address, edition: "2007", port: 31 };
}

function moduleArchive(sim: SimulatedCarrier): string {
  return archiveFingerprint([...sim.module.archive.values()]);
}

/** Resolves once `condition` holds, checking every `stepMs` of the rig's clock. */
function until(r: Rig, condition: () => boolean, stepMs = 1000): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (condition()) resolve();
      else r.clock.setTimer(stepMs, check);
    };
    check();
  });
}

test("start: identifies the module, stores its info, sets the master node, syncs the archive", async () => {
  const r = rig(30);
  try {
    await r.run(r.channel.start());
    assert.equal(r.channel.state, "ready");
    assert.equal(r.infos.length, 1);
    assert.equal(r.infos[0]?.vendor, "OD");
    assert.equal(r.infos[0]?.masterAddress, "000044030001");
    assert.equal(r.sim.module.masterAddress, "000044030001");
    // Concentrator-led by default: routing paused.
    assert.equal(r.sim.module.routing, "paused");
    await r.run(until(r, () => r.channel.lastSync !== undefined));
    assert.deepEqual(r.channel.lastSync, { added: 30, deleted: 0, verified: true });
    assert.equal(moduleArchive(r.sim), archiveFingerprint(r.target));
  } finally {
    await r.run(r.channel.close());
  }
});

test("concentrator-led reads over a lossy network: values are the meters' own; failures are named", async () => {
  const r = rig(40, { loss: 0.45 });
  try {
    await r.run(r.channel.start());
    await r.run(r.channel.syncNow());
    const results = await r.run(
      Promise.all(
        r.sim.addresses.map((a) => r.channel.read({ meter: target(a), di: DI_DAILY, priority: "scheduled" })),
      ),
    );
    let ok = 0;
    for (const [i, result] of results.entries()) {
      const address = r.sim.addresses[i] as string;
      if (!result.ok) {
        assert.equal(result.reason, "timeout");
        assert.match(result.detail ?? "", /did not answer over the power line/);
        continue;
      }
      ok++;
      const decoded = decodeDiData("2007", DI_DAILY, result.data);
      assert.ok(decoded.ok);
      assert.deepEqual(decoded.value.value, r.sim.meter(address).model.daily[0]?.energies.positiveActive);
    }
    // 0.45³ ≈ 9 % of nodes fail all three PLC attempts: most read, some do not.
    assert.ok(ok >= 25 && ok < 40, `${ok} of 40 read`);
    assert.equal(r.channel.counters.nodeNoAnswer, 40 - ok);
    assert.equal(r.channel.counters.moduleFailures, 0);
    const stats = r.channel.stats();
    assert.equal(stats.answered, ok);
    assert.ok(stats.bytesIn > 0 && stats.busyMs > 0);
  } finally {
    await r.run(r.channel.close());
  }
});

test("an AFN04 F10 change is synced within 90 s; a change during a sync restarts it", async () => {
  const r = rig(120, { archived: 20 });
  try {
    await r.run(r.channel.start());
    await r.run(r.channel.syncNow());
    r.target = r.sim.addresses.slice(10, 60).map((address) => ({ address, protocol: 2 }));
    const changedAt = r.clock.now();
    await r.run(until(r, () => moduleArchive(r.sim) === archiveFingerprint(r.target)));
    const syncedAfter = r.clock.now() - changedAt;
    assert.ok(syncedAfter <= 90_000, `synced ${syncedAfter} ms after the change`);

    // A big change, then another one while the module is being filled.
    const syncs = r.channel.counters.syncs;
    r.target = r.sim.addresses.map((address) => ({ address, protocol: 2 }));
    await r.run(until(r, () => r.channel.counters.syncs > syncs && r.sim.module.archive.size > 60, 200));
    r.target = r.sim.addresses.slice(0, 100).map((address) => ({ address, protocol: 2 }));
    r.channel.archiveChanged();
    await r.run(
      until(
        r,
        () => r.channel.lastSync?.verified === true && moduleArchive(r.sim) === archiveFingerprint(r.target),
      ),
    );
    assert.equal(r.channel.counters.syncRestarts, 1);
    assert.equal(r.sim.module.archive.size, 100);
  } finally {
    await r.run(r.channel.close());
  }
});

test("router-led reading; a live read meanwhile pauses the route and resumes it", async () => {
  const r = rig(25, { loss: 0.1 });
  try {
    await r.run(r.channel.start());
    await r.run(r.channel.syncNow());
    const asked = new Map<string, number>();
    const readings: RouterReading[] = [];
    const pass = r.channel.runRouterLed(
      (req) => {
        const n = asked.get(req.address) ?? 0;
        asked.set(req.address, n + 1);
        // One identifier per node, then done.
        return n === 0 ? { frame: encodeMessage(readRequest("2007", req.address, DI_DAILY)) } : "done";
      },
      (reading) => readings.push(reading),
      3_600_000,
    );
    // Once the walk is under way, the master wants one meter now.
    await r.run(until(r, () => readings.length >= 5, 100));
    const pausesBefore = r.channel.counters.routePauses;
    const live = await r.run(
      r.channel.read({ meter: target(r.sim.addresses[20] as string), di: 0x00010000, priority: "live" }),
    );
    assert.ok(live.ok, JSON.stringify(live));
    assert.equal(r.channel.counters.routePauses, pausesBefore + 1);
    const { completed } = await r.run(pass);
    assert.equal(completed, true);
    const readAddresses = new Set(readings.map((x) => x.address));
    assert.ok(readAddresses.size >= 24, `${readAddresses.size} nodes read`);
    for (const reading of readings) {
      const m = decodeMessageBytes(reading.frame);
      assert.ok(m.ok);
      assert.equal(m.value.address, reading.address);
    }
  } finally {
    await r.run(r.channel.close());
  }
});

test("F49 holds a router-led pass (AFN12 F2) and F50 lets it carry on (AFN12 F3)", async () => {
  const r = rig(20);
  try {
    await r.run(r.channel.start());
    await r.run(r.channel.syncNow());
    const readings: RouterReading[] = [];
    const asked = new Set<string>();
    const pass = r.channel.runRouterLed(
      (req) => {
        if (asked.has(req.address)) return "done";
        asked.add(req.address);
        return { frame: encodeMessage(readRequest("2007", req.address, DI_DAILY)) };
      },
      (reading) => readings.push(reading),
      3_600_000,
    );
    await r.run(until(r, () => readings.length >= 3, 100));
    r.channel.pause();
    await r.idle(2_000);
    assert.equal(r.sim.module.routing, "paused");
    const held = readings.length;
    await r.idle(60_000);
    assert.equal(readings.length, held, "no readings while the port is paused");
    r.channel.resume();
    const { completed } = await r.run(pass);
    assert.equal(completed, true);
    assert.equal(new Set(readings.map((x) => x.address)).size, 20);
  } finally {
    await r.run(r.channel.close());
  }
});

test("a hung module is restarted (reset hook, re-open, re-identify) and reads work again", async () => {
  const r = rig(10);
  try {
    await r.run(r.channel.start());
    await r.run(r.channel.syncNow());
    r.sim.hang();
    for (let i = 0; i < 3; i++) {
      const failed = await r.run(
        r.channel.read({ meter: target(r.sim.addresses[0] as string), di: DI_DAILY, priority: "scheduled" }),
      );
      assert.equal(failed.ok ? "" : failed.reason, "timeout");
    }
    await r.run(until(r, () => r.channel.state === "ready" && r.channel.counters.restarts === 1, 500));
    assert.equal(r.sim.opens, 2);
    assert.equal(r.infos.length, 2);
    const ok = await r.run(
      r.channel.read({ meter: target(r.sim.addresses[1] as string), di: DI_DAILY, priority: "scheduled" }),
    );
    assert.ok(ok.ok, JSON.stringify(ok));
    // The module kept its archive across the reset.
    assert.equal(r.sim.module.archive.size, 10);
  } finally {
    await r.run(r.channel.close());
  }
});

test("registration finds nodes missing from the archive", async () => {
  const r = rig(12, { archived: 8 });
  try {
    await r.run(r.channel.start());
    await r.run(r.channel.syncNow());
    const found: string[] = [];
    const result = await r.run(r.channel.searchNodes(2, (node) => found.push(node.address)));
    assert.deepEqual([...found].sort(), r.sim.addresses.slice(8).sort());
    assert.equal(result.found.length, 4);
  } finally {
    await r.run(r.channel.close());
  }
});

test("forward, broadcast, pause and deadlines", async () => {
  const r = rig(3);
  try {
    await r.run(r.channel.start());
    await r.run(r.channel.syncNow());
    const address = r.sim.addresses[0] as string;
    const answer = await r.run(
      r.channel.forward(undefined, encodeMessage(readRequest("2007", address, 0x00010000)), 60_000),
    );
    assert.ok(answer);
    const m = decodeMessageBytes(answer);
    assert.ok(m.ok && m.value.address === address && m.value.direction === "reply");

    await r.run(r.channel.broadcast(encodeMessage(readRequest("2007", "999999999999", 0x00010000))));
    assert.equal(r.sim.meter(address).stats.broadcasts, 1);

    r.channel.pause();
    const refused = await r.run(
      r.channel.read({ meter: target(address), di: DI_DAILY, priority: "scheduled" }),
    );
    assert.equal(refused.ok ? "" : refused.detail, "port paused");
    const live = await r.run(r.channel.read({ meter: target(address), di: DI_DAILY, priority: "live" }));
    assert.ok(live.ok);
    r.channel.resume();

    const expired = await r.run(
      r.channel.read({ meter: target(address), di: DI_DAILY, priority: "live", deadline: r.clock.now() - 1 }),
    );
    assert.equal(expired.ok ? "" : expired.reason, "expired");
  } finally {
    await r.run(r.channel.close());
  }
});
