/**
 * DCU-side carrier client against the virtual module over an in-memory 9600-baud line, in simulated time
 * (so modelled PLC latencies and timeouts cost no wall-clock time).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { CarrierClient, type CarrierClientOptions } from "../src/channels/carrier/carrier-client.ts";
import { downInfo, encodeFrame } from "../src/protocol/gw1376-2/frame.ts";
import { decodeMessageBytes } from "../src/protocol/gw1376-2/message.ts";
import { loadArchive, saveArchive } from "../src/sim/carrier-archive-store.ts";
import { createCarrierLink } from "../src/sim/carrier-link.ts";
import { CarrierModule, type CarrierModuleOptions, type ModuleArchive } from "../src/sim/carrier-module.ts";
import { CarrierModuleDriver } from "../src/sim/carrier-module-driver.ts";
import { SimulatedClock } from "../src/sim/carrier-sim-clock.ts";
import {
  buildNetwork,
  dailyFrozenRequest,
  dailyFrozenTotal,
  type NetworkSpec,
  replyAddress,
} from "./carrier-fixture.ts";

const START = Date.UTC(2026, 10, 26, 8, 0, 0);

function setup(
  spec: NetworkSpec,
  options: {
    module?: CarrierModuleOptions;
    client?: CarrierClientOptions;
    archive?: ModuleArchive;
    persist?: (a: ModuleArchive) => void;
  } = {},
) {
  const clock = new SimulatedClock(START);
  const link = createCarrierLink(clock, { baud: 9600 });
  const net = buildNetwork(clock, spec);
  const module = new CarrierModule(net.network, options.module, options.archive);
  const driver = new CarrierModuleDriver(
    module,
    link.module,
    clock,
    options.persist ? { persist: options.persist } : {},
  );
  driver.start();
  const client = new CarrierClient(link.dcu, clock, { timeoutMs: 2000, retries: 2, ...options.client });
  return { clock, link, module, driver, client, ...net };
}

test("module info: vendor, version and master node address", async () => {
  const s = setup({ nodes: 0 });
  const info = await s.clock.run(
    (async () => {
      await s.client.setMasterAddress("000012345678");
      return s.client.readModuleInfo();
    })(),
  );
  assert.equal(info.vendor, "OD");
  assert.equal(info.masterAddress, "000012345678");
  assert.equal(info.readingMode, 3);
  assert.equal(s.module.masterAddress, "000012345678");
});

test("archive sync of 100 nodes: add, delete, verify, then an incremental change", async () => {
  const s = setup({ nodes: 110 }, { archive: { masterAddress: "000000000001", nodes: [] } });
  // The module starts with 5 nodes we want and 5 we do not.
  for (const a of [...s.archived.slice(0, 5), ...s.archived.slice(105, 110)])
    s.module.archive.set(a, { address: a, protocol: 2 });
  const target = s.archived.slice(0, 100).map((address) => ({ address, protocol: 2 }));
  const first = await s.clock.run(s.client.syncArchive(target));
  assert.deepEqual(first, { added: 95, deleted: 5, verified: true });
  assert.deepEqual([...s.module.archive.keys()].sort(), target.map((t) => t.address).sort());
  const changed = [
    ...target.slice(10),
    ...s.archived.slice(100, 103).map((address) => ({ address, protocol: 2 })),
  ];
  const second = await s.clock.run(s.client.syncArchive(changed));
  assert.deepEqual(second, { added: 3, deleted: 10, verified: true });
  assert.equal(s.module.archive.size, 93);
  // The module refuses a duplicate add with "meter repeated" (deny code 6).
  await assert.rejects(
    s.clock.run(s.client.command(0x11, 1, { nodes: [{ address: s.archived[50] as string, protocol: 2 }] })),
    (e: Error & { denyCode?: number }) => e.denyCode === 6,
  );
});

test("concentrator-led AFN13 reads return each meter's own daily frozen energy", async () => {
  const s = setup({ nodes: 8 });
  await s.clock.run(s.client.syncArchive(s.archived.map((address) => ({ address, protocol: 2 }))));
  const started = s.clock.now();
  for (const address of s.archived) {
    const r = await s.clock.run(s.client.readMonitored(address, dailyFrozenRequest(address)));
    assert.ok(r.ok, `read of ${address} failed`);
    assert.equal(replyAddress(r.frame), address);
    const direct = s.network.get(address)?.meter.handleFrame(dailyFrozenRequest(address));
    assert.ok(direct);
    const value = dailyFrozenTotal(r.frame);
    assert.ok(value !== undefined && value > 0);
    assert.equal(value, dailyFrozenTotal(direct));
  }
  // Realistic delays: at least one PLC round trip per read (120..360 ms here) plus serial time at 9600 baud.
  assert.ok(s.clock.now() - started >= 8 * 120, `8 reads took only ${s.clock.now() - started} ms`);
  // A node that is not on the network: the module waits out its monitor timeout and answers empty.
  const absent = await s.clock.run(
    s.client.readMonitored("000000999999", dailyFrozenRequest("000000999999")),
  );
  assert.deepEqual(absent, { ok: false, reason: "empty" });
});

test("router-led AFN14 reading walks the archive and reports every node once", async () => {
  const s = setup({ nodes: 30, loss: 0.1, seed: 3 }, { module: { routerRounds: 4 } });
  await s.clock.run(s.client.syncArchive(s.archived.map((address) => ({ address, protocol: 2 }))));
  const read = new Set<string>();
  s.client.onReport((m) => {
    if (m.fn === 2 && m.address) read.add(m.address.source);
  });
  const result = await s.clock.run(
    // Once a node's reading has arrived it is done; otherwise (first ask, or after a failed attempt) read it.
    s.client.runRouterLed(
      (req) => (read.has(req.address) ? "done" : { frame: dailyFrozenRequest(req.address) }),
      30 * 60_000,
    ),
  );
  assert.equal(result.completed, true);
  const addresses = new Set(result.readings.map((r) => replyAddress(r.frame)));
  assert.equal(addresses.size, 30);
  assert.equal(result.readings.length, 30);
  for (const r of result.readings) {
    assert.equal(r.address, replyAddress(r.frame));
    assert.ok((dailyFrozenTotal(r.frame) ?? 0) > 0);
  }
  assert.equal(s.module.routing, "idle");
  assert.ok(
    s.module.counters.plcAttempts > s.module.counters.plcExchanges,
    "10 % loss should cost extra attempts",
  );
});

test("AFN13 is refused with 'master node busy' while router-led reading runs", async () => {
  const s = setup({ nodes: 3 });
  await s.clock.run(s.client.syncArchive(s.archived.map((address) => ({ address, protocol: 2 }))));
  s.client.setRouterHandler((req) => ({ frame: dailyFrozenRequest(req.address) }));
  await s.clock.run(s.client.command(0x12, 1));
  const r = await s.clock.run(
    s.client.readMonitored(s.archived[0] as string, dailyFrozenRequest(s.archived[0] as string)),
  );
  assert.deepEqual(r, { ok: false, reason: "deny", denyCode: 9 });
  await s.clock.run(s.client.command(0x12, 2));
  assert.equal(s.module.routing, "paused");
});

test("registration finds exactly the nodes missing from the archive", async () => {
  const s = setup({ nodes: 20, unregistered: 5 }, { module: { registrationFindWindowMs: 30_000 } });
  await s.clock.run(s.client.syncArchive(s.archived.map((address) => ({ address, protocol: 2 }))));
  const result = await s.clock.run(s.client.register(2));
  assert.equal(result.completed, true);
  assert.deepEqual(result.found.map((n) => n.address).sort(), [...s.hidden].sort());
  assert.equal(s.module.registrationActive, false);
  // AFN10 F6 lists the registered nodes too.
  const page = await s.clock.run(s.client.query(0x10, 6, { start: 1, count: 16 }));
  assert.equal(page.total, 5);
});

test("lost and late answers: the client retries, drops stale answers, and the module resends its reports", async () => {
  const s = setup({ nodes: 4 }, { client: { timeoutMs: 1000, retries: 2 } });
  await s.clock.run(s.client.syncArchive(s.archived.map((address) => ({ address, protocol: 2 }))));
  // A lost answer: retried with a new sequence number.
  s.driver.faults.dropNext = 1;
  const info = await s.clock.run(s.client.readModuleInfo());
  assert.equal(info.vendor, "OD");
  assert.ok(s.client.counters.retries >= 1);
  // A late answer (after the client gave up on it): counted and ignored; the retry's answer is used.
  s.driver.faults.lateMs = 1500;
  s.driver.faults.lateCount = 1;
  const count = await s.clock.run(s.client.query(0x10, 1));
  assert.equal(count.count, 4);
  await s.clock.run(s.client.query(0x03, 4));
  await s.clock.run(new Promise<void>((resolve) => s.clock.setTimer(2000, resolve)));
  assert.ok(s.client.counters.lateAnswers >= 1, "the late answer must be seen and dropped");
  // Router-led with the module's first frames lost: it resends its AFN14 request / AFN06 report.
  s.driver.faults.dropNext = 2;
  const read = new Set<string>();
  s.client.onReport((m) => {
    if (m.fn === 2 && m.address) read.add(m.address.source);
  });
  const result = await s.clock.run(
    s.client.runRouterLed(
      (req) => (read.has(req.address) ? "done" : { frame: dailyFrozenRequest(req.address) }),
      10 * 60_000,
    ),
  );
  assert.equal(result.completed, true);
  assert.equal(new Set(result.readings.map((r) => r.address)).size, 4);
  // Every AFN13 read still answers when one answer is lost (the client resends after its timeout).
  s.driver.faults.dropNext = 1;
  const address = s.archived[1] as string;
  const r = await s.clock.run(s.client.readMonitored(address, dailyFrozenRequest(address)));
  assert.ok(r.ok);
});

test("a lost confirm makes the module resend its report; the client delivers it once", async () => {
  const s = setup({ nodes: 2 }, { module: { dcuAnswerTimeoutMs: 500 } });
  await s.clock.run(s.client.syncArchive(s.archived.map((address) => ({ address, protocol: 2 }))));
  // Drop the DCU's next frame by closing the gap: intercept link writes from the DCU side once.
  const dcu = s.link.dcu;
  const original = dcu.write.bind(dcu);
  let dropConfirms = 1;
  (dcu as { write: (b: Uint8Array) => Promise<void> }).write = (b: Uint8Array) => {
    // An AFN00 confirm from the DCU: C byte with PRM=0 and AFN 00.
    if (dropConfirms > 0 && (b[3] as number) < 0x40 && b[10] === 0x00) {
      dropConfirms--;
      return Promise.resolve();
    }
    return original(b);
  };
  const reports: number[] = [];
  s.client.onReport((m) => reports.push(m.fn));
  const read = new Set<string>();
  s.client.onReport((m) => {
    if (m.fn === 2 && m.address) read.add(m.address.source);
  });
  const result = await s.clock.run(
    s.client.runRouterLed(
      (req) => (read.has(req.address) ? "done" : { frame: dailyFrozenRequest(req.address) }),
      10 * 60_000,
    ),
  );
  assert.equal(result.completed, true);
  assert.equal(result.readings.length, 2);
  assert.equal(s.client.counters.duplicateReports, 1);
  assert.deepEqual(reports.filter((f) => f === 2).length, 2);
});

test("the node archive survives a module restart (persisted file, validated on load)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "opendcu-carrier-"));
  try {
    const file = join(dir, "archive.json");
    const s = setup({ nodes: 12 }, { persist: (a) => saveArchive(file, a) });
    await s.clock.run(s.client.setMasterAddress("000000004321"));
    await s.clock.run(s.client.syncArchive(s.archived.map((address) => ({ address, protocol: 2 }))));
    s.driver.stop();
    const loaded = loadArchive(file);
    assert.deepEqual(loaded.problems, []);
    const again = setup({ nodes: 12 }, loaded.archive ? { archive: loaded.archive } : {});
    const nodes = await again.clock.run(again.client.readArchive());
    assert.deepEqual(
      nodes.map((n) => n.address),
      s.archived,
    );
    const info = await again.clock.run(again.client.readModuleInfo());
    assert.equal(info.masterAddress, "000000004321");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a damaged archive file loads what is valid and names what was dropped", () => {
  const dir = mkdtempSync(join(tmpdir(), "opendcu-carrier-"));
  try {
    const file = join(dir, "archive.json");
    saveArchive(file, {
      masterAddress: "000000000001",
      nodes: [
        { address: "000000000002", protocol: 2 },
        { address: "zz", protocol: 2 },
        { address: "000000000002", protocol: 2 },
      ],
    });
    const loaded = loadArchive(file);
    assert.equal(loaded.archive?.nodes.length, 1);
    assert.equal(loaded.problems.length, 2);
    assert.deepEqual(loadArchive(join(dir, "missing.json")), { archive: undefined, problems: [] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("bad frames from the line are dropped or denied, never crash the module", async () => {
  const s = setup({ nodes: 1 });
  const answers: Uint8Array[] = [];
  s.link.dcu.onData((chunk) => answers.push(chunk));
  // Garbage and a truncated header: dropped by the splitter, no answer.
  await s.clock.run(s.link.dcu.write(Uint8Array.of(0x00, 0x68, 0x0f, 0x00, 0x41, 1, 2, 3, 0x16)));
  // A well-formed frame with an Fn the table does not know: "no such information class" (deny code 4).
  const unknownFn = encodeFrame({
    control: { dir: "down", prm: true, mode: 3 },
    info: downInfo(9),
    afn: 0x03,
    fn: 3,
    data: new Uint8Array(0),
  });
  await s.clock.run(s.link.dcu.write(unknownFn));
  await s.clock.run(new Promise<void>((resolve) => s.clock.setTimer(500, resolve)));
  const denies = answers
    .map((a) => decodeMessageBytes(a))
    .filter((m) => m.ok && m.value.afn === 0 && m.value.fn === 2);
  assert.equal(denies.length, 1);
  const first = denies[0];
  assert.ok(first?.ok);
  assert.deepEqual(first.value.body, { error: 4 });
  assert.equal(first.value.info.seq, 9);
  assert.equal(s.module.counters.badFrames, 1);
  // The session still works afterwards.
  const info = await s.clock.run(s.client.readModuleInfo());
  assert.equal(info.vendor, "OD");
});
