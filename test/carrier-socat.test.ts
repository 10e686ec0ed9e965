/**
 * The DCU-side carrier client and the virtual module talking through the kernel's serial line: a socat
 * pseudo-terminal pair, both ends opened with serialport at 9600 8E1 (the usual 1376.2 module line).
 * Real time; PLC-side delays are scaled down (timeScale) so the whole file stays within a few seconds.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { CarrierClient } from "../src/channels/carrier/carrier-client.ts";
import { SystemClock } from "../src/common/clock.ts";
import { CarrierModule } from "../src/sim/carrier-module.ts";
import { CarrierModuleDriver } from "../src/sim/carrier-module-driver.ts";
import type { ByteStream } from "../src/transport/byte-stream.ts";
import { openSerial } from "../src/transport/serial.ts";
import { buildNetwork, dailyFrozenRequest, dailyFrozenTotal, replyAddress } from "./carrier-fixture.ts";
import { openPtyPair, type PtyPair } from "./support/socat-pty.ts";

const clock = new SystemClock();
const net = buildNetwork(clock, { nodes: 100, unregistered: 3, loss: 0.02, seed: 11 });
const module = new CarrierModule(net.network, {
  timeScale: 0.02,
  dcuAnswerTimeoutMs: 1500,
  registrationFindWindowMs: 40_000,
});
let pty: PtyPair | undefined;
let dcuSide: ByteStream | undefined;
let moduleSide: ByteStream | undefined;
let driver: CarrierModuleDriver | undefined;
let client: CarrierClient | undefined;

before(async () => {
  pty = await openPtyPair(["dcu", "module"]);
  dcuSide = await openSerial({ path: pty.a, baudRate: 9600, parity: "even" });
  moduleSide = await openSerial({ path: pty.b, baudRate: 9600, parity: "even" });
  driver = new CarrierModuleDriver(module, moduleSide, clock);
  driver.start();
  client = new CarrierClient(dcuSide, clock, { timeoutMs: 1000, retries: 2, monitorTimeoutMs: 5000 });
});

after(async () => {
  client?.close();
  driver?.stop();
  await dcuSide?.close();
  await moduleSide?.close();
  pty?.close();
});

function session(): CarrierClient {
  assert.ok(client);
  return client;
}

test("socat 9600 8E1: module info and master node address", async () => {
  await session().setMasterAddress("000000000099");
  const info = await session().readModuleInfo();
  assert.equal(info.vendor, "OD");
  assert.equal(info.masterAddress, "000000000099");
  assert.equal(info.readingMode, 3);
});

test("socat 9600 8E1: archive of 100 nodes synced, changed and verified", async () => {
  const target = net.archived.map((address) => ({ address, protocol: 2 }));
  const first = await session().syncArchive(target);
  assert.deepEqual(first, { added: 100, deleted: 0, verified: true });
  const changed = target.slice(0, 95);
  const second = await session().syncArchive(changed);
  assert.deepEqual(second, { added: 0, deleted: 5, verified: true });
  const third = await session().syncArchive(target);
  assert.deepEqual(third, { added: 5, deleted: 0, verified: true });
  assert.equal(module.archive.size, 100);
});

test("socat 9600 8E1: energy read concentrator-led (AFN13) and router-led (AFN14)", async () => {
  for (const address of net.archived.slice(0, 5)) {
    const r = await session().readMonitored(address, dailyFrozenRequest(address));
    assert.ok(r.ok, `AFN13 read of ${address}`);
    assert.equal(replyAddress(r.frame), address);
    assert.ok((dailyFrozenTotal(r.frame) ?? 0) > 0);
  }
  // Router-led over a 12-node archive (the rest of the archive is restored afterwards).
  const all = net.archived.map((address) => ({ address, protocol: 2 }));
  await session().syncArchive(all.slice(0, 12));
  const read = new Set<string>();
  const off = session().onReport((m) => {
    if (m.fn === 2 && m.address) read.add(m.address.source);
  });
  const result = await session().runRouterLed(
    (req) => (read.has(req.address) ? "done" : { frame: dailyFrozenRequest(req.address) }),
    30_000,
  );
  off();
  assert.equal(result.completed, true);
  assert.equal(new Set(result.readings.map((r) => replyAddress(r.frame))).size, 12);
  await session().syncArchive(all);
});

test("socat 9600 8E1: registration finds the unregistered nodes", async () => {
  const result = await session().register(1);
  assert.equal(result.completed, true);
  assert.deepEqual(result.found.map((n) => n.address).sort(), [...net.hidden].sort());
});

test("socat 9600 8E1: survives a lost answer and a late answer", async () => {
  assert.ok(driver);
  const before = { ...session().counters };
  driver.faults.dropNext = 1;
  const count = await session().query(0x10, 1);
  assert.equal(count.count, 100);
  driver.faults.lateMs = 1300;
  driver.faults.lateCount = 1;
  const address = net.archived[7] as string;
  const r = await session().readMonitored(address, dailyFrozenRequest(address));
  // 1.3 s late is inside the client's 5 s AFN13 window: a slow answer, still used.
  assert.ok(r.ok);
  driver.faults.lateMs = 1500;
  driver.faults.lateCount = 1;
  const again = await session().query(0x03, 4);
  assert.equal(again.address, "000000000099");
  await new Promise((resolve) => setTimeout(resolve, 800));
  assert.ok(session().counters.retries >= before.retries + 2);
  assert.ok(session().counters.lateAnswers >= before.lateAnswers + 1);
});
