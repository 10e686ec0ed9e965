/**
 * Link parameters applied at run time over real TCP (the daemon on a ManualClock, so heartbeat periods and
 * the logout wait move only when the test says): AFN04 F6 group addresses, F3 master addresses, F8 working
 * mode (server → mixed → client → server), F1 heartbeat period, and a logout that gives up after ~2 s.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ManualClock } from "../src/common/clock.ts";
import { type DaemonHandle, startDaemon } from "../src/daemon/daemon.ts";
import { decodeMessage, encodeMessage, messageItems } from "../src/protocol/gw1376-1/message.ts";
import { FrameSplitter } from "../src/protocol/gw1376-1/splitter.ts";
import {
  connectToDcu,
  type LinkEvent,
  listenForDcus,
  type MasterStation,
} from "../src/sim/master/master-station.ts";
import type { TcpListener } from "../src/transport/tcp.ts";
import { RawPeer, requestFrame } from "./support/raw-peer.ts";

async function until(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A master-station listener that records the DCU's link frames and keeps the stations for queries. */
interface RecordingMaster {
  readonly listener: TcpListener;
  readonly events: LinkEvent["kind"][];
  readonly stations: MasterStation[];
}

async function recordingMaster(): Promise<RecordingMaster> {
  const events: LinkEvent["kind"][] = [];
  const stations: MasterStation[] = [];
  const listener = await listenForDcus("127.0.0.1", 0, (station) => {
    stations.push(station);
    station.onLink((event) => events.push(event.kind));
  });
  return { listener, events, stations };
}

const f8 = (role: number) => ({
  mode: { online: 1, reserved2: 0, role, reserved6: 0, udp: 0 },
  redialSeconds: 1,
  passiveRedials: 0,
  idleDisconnectMinutes: 0,
  onlineHours: 0,
});
const f3 = (main: number, backup = 0) => ({
  mainIp: "127.0.0.1",
  mainPort: main,
  backupIp: backup === 0 ? "0.0.0.0" : "127.0.0.1",
  backupPort: backup,
  apn: "",
});
const f1 = (heartbeatMinutes: number) => ({
  rtsDelay20ms: 0,
  initiatorDelayMinutes: 0,
  response: { timeoutSeconds: 30, resends: 3, reserved: 0 },
  confirmFlags: 0,
  heartbeatMinutes,
});

async function confirmed(station: MasterStation, fn: number, data: object): Promise<void> {
  const reply = await station.request(0x04, [{ pn: 0, fn, data: data as never }], { timeoutMs: 10_000 });
  assert.equal(reply.message.afn, 0x00);
  assert.equal(reply.items[0]?.fn, 1, `AFN04 F${fn} confirmed`);
}

describe("link parameters applied at run time", { timeout: 60_000 }, () => {
  const clock = new ManualClock(Date.now());
  let dir: string;
  let daemon: DaemonHandle;
  let a: RecordingMaster;
  let b: RecordingMaster;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "opendcu-linkparams-"));
    a = await recordingMaster();
    b = await recordingMaster();
    daemon = await startDaemon(
      { dbPath: join(dir, "dcu.sqlite"), uplink: { listen: { host: "127.0.0.1", port: 0 } } },
      { clock },
    );
  });

  after(async () => {
    await daemon?.close();
    for (const m of [a, b]) {
      for (const s of m?.stations ?? []) await s.close();
      await m?.listener.close();
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it("F6: a group address is answered once the master has set it", async () => {
    const peer = await RawPeer.connect(daemon.listening?.port ?? 0);
    try {
      const groupQuery = requestFrame({
        afn: 0x0c,
        items: [{ pn: 0, fn: 2, data: {} }],
        terminal: 0x21,
        group: true,
      });
      await peer.send(groupQuery);
      await assert.rejects(peer.nextFrame(300), /no frame/, "not a member yet");
      const groups = [0x21, 0, 0, 0, 0, 0, 0, 0].map((a2) => ({ a2 }));
      await peer.send(requestFrame({ afn: 0x04, items: [{ pn: 0, fn: 6, data: { groups } }], pseq: 1 }));
      const setAnswer = decodeMessage(await peer.nextFrame());
      assert.ok(setAnswer.ok);
      assert.equal(messageItems(setAnswer.value)[0]?.fn, 1);
      await peer.send(groupQuery);
      const answer = decodeMessage(await peer.nextFrame());
      assert.ok(answer.ok);
      assert.equal(answer.value.afn, 0x0c);
      assert.equal(answer.value.address.terminal, 1, "answered with the terminal's own address");
      assert.equal(answer.value.address.group, false);
    } finally {
      await peer.close();
    }
  });

  it("F3 + F8 mixed: the daemon dials the master it was given and keeps serving; F1 heartbeat applies at once", async () => {
    const g = await connectToDcu("127.0.0.1", daemon.listening?.port ?? 0, { timeoutMs: 10_000 });
    try {
      await confirmed(g, 3, f3(a.listener.port, b.listener.port));
      await confirmed(g, 8, f8(0));
      await until("login to master A", () => a.events.includes("login") && daemon.client?.state === "online");
      assert.deepEqual(daemon.client?.master, { host: "127.0.0.1", port: a.listener.port });
      assert.deepEqual(b.events, [], "the backup is not dialled while the main master answers");
      assert.equal((await g.request(0x0c, [{ pn: 0, fn: 2 }])).message.afn, 0x0c, "server still serving");

      // Default heartbeat (no F1): 15 minutes — nothing within a minute.
      clock.advance(59_000);
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.ok(!a.events.includes("heartbeat"));
      await confirmed(g, 1, f1(1));
      clock.advance(60_000);
      await until("a heartbeat at the new 1-minute period", () => a.events.includes("heartbeat"));

      // F3 changed to master B only: logout from A, login to B.
      await confirmed(g, 3, f3(b.listener.port));
      await until("login to master B", () => b.events.includes("login") && daemon.client?.state === "online");
      assert.equal(a.events.at(-1), "logout");
      assert.deepEqual(daemon.client?.master, { host: "127.0.0.1", port: b.listener.port });
    } finally {
      await g.close();
    }
  });

  it("F8 client: the server stops after confirming; F8 server (set over the client link): client logs out", async () => {
    const g = await connectToDcu("127.0.0.1", daemon.listening?.port ?? 0, { timeoutMs: 10_000 });
    await confirmed(g, 8, f8(1));
    await until("the server to stop", () => daemon.listening === undefined && !g.stream.isOpen);
    const station = b.stations.at(-1);
    assert.ok(station);
    const clock1 = await station.request(0x0c, [{ pn: 0, fn: 2 }], { timeoutMs: 10_000 });
    assert.equal(clock1.message.afn, 0x0c, "the master is served over the client link");

    await confirmed(station, 8, f8(2));
    await until(
      "logout and the server back",
      () => b.events.at(-1) === "logout" && daemon.listening !== undefined,
    );
    assert.equal(daemon.client, undefined);
    const g2 = await connectToDcu("127.0.0.1", daemon.listening?.port ?? 0, { timeoutMs: 10_000 });
    try {
      assert.equal((await g2.request(0x0c, [{ pn: 0, fn: 2 }])).message.afn, 0x0c);
    } finally {
      await g2.close();
    }
  });
});

it("client mode: stop waits at most 2 s for a logout confirm that never comes", {
  timeout: 30_000,
}, async () => {
  const clock = new ManualClock(Date.now());
  const dir = mkdtempSync(join(tmpdir(), "opendcu-logout-"));
  const seen: number[] = [];
  // A master that confirms the login and then ignores everything (it never confirms the logout).
  const silent: Server = createServer((socket) => {
    const splitter = new FrameSplitter();
    socket.on("data", (chunk: Buffer) => {
      for (const frame of splitter.push(new Uint8Array(chunk))) {
        const m = decodeMessage(frame);
        if (!m.ok || m.value.afn !== 0x02) continue;
        const fn = messageItems(m.value)[0]?.fn ?? 0;
        seen.push(fn);
        if (fn !== 1) continue;
        socket.write(
          encodeMessage({
            control: { dir: 0, prm: 0, fcbAcd: 0, fcv: 0, fc: 11 },
            address: { ...m.value.address, group: false },
            afn: 0x00,
            seq: { tpv: false, fir: true, fin: true, con: false, seq: m.value.seq.seq },
            groups: [{ pns: [0], fns: [1], items: [{ pn: 0, fn: 1, data: {} }] }],
          }),
        );
      }
    });
    socket.on("error", () => socket.destroy());
  });
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  const address = silent.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  const daemon = await startDaemon(
    { dbPath: join(dir, "dcu.sqlite"), uplink: { connect: { host: "127.0.0.1", port } } },
    { clock },
  );
  try {
    await until("online", () => daemon.client?.state === "online");
    let closed = false;
    const closing = daemon.close().then(() => {
      closed = true;
    });
    await until("the logout to be sent", () => seen.includes(2));
    clock.advance(1999);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(closed, false, "still waiting for the confirm at 1.999 s");
    clock.advance(1);
    await until("close() to finish: gave up at 2 s (the AFN04 F1 timeout would be 60 s)", () => closed, 5000);
    await closing;
  } finally {
    clock.advance(600_000);
    await daemon.close();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  }
});
