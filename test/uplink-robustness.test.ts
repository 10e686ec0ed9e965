/**
 * Robustness of the real daemon over loopback TCP: garbage, half frames, a slow-loris peer, 1,000
 * connections opened and dropped, and floods of valid requests — while a well-behaved master keeps getting
 * correct answers throughout.
 *
 * The daemon runs on a ManualClock, so partial-frame and idle timeouts and the rate-limit buckets move only
 * when the test says so: nothing here depends on how fast the machine is. Waits on real I/O poll a
 * condition with a generous deadline instead of sleeping a fixed time.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createConnection, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ManualClock } from "../src/common/clock.ts";
import { type DaemonHandle, startDaemon } from "../src/daemon/daemon.ts";
import { connectToDcu, type MasterStation } from "../src/sim/master/master-station.ts";
import { localParts } from "../src/store/calendar.ts";
import type { LinkSession } from "../src/uplink/link-session.ts";
import { RawPeer, requestFrame } from "./support/raw-peer.ts";

const OFFSET = 480;
const MAX_CONNECTIONS = 40;
const PARTIAL_MS = 5_000;
const IDLE_MS = 60_000;
const BURST_REQUESTS = 200;
const BURST_BYTES = 256 * 1024;

async function until(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function a1Text(ms: number): string {
  const p = localParts(ms, OFFSET);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${p.year}-${two(p.month)}-${two(p.day)} ${two(p.hour)}:${two(p.minute)}:${two(p.second)}`;
}

/** Pseudo-random bytes from a fixed seed (reproducible garbage). */
function garbage(n: number, seed: number): Uint8Array {
  let x = seed >>> 0 || 1;
  return Uint8Array.from({ length: n }, () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x & 0xff;
  });
}

describe("uplink robustness (real daemon, loopback TCP)", { timeout: 120_000 }, () => {
  const clock = new ManualClock(Date.now());
  let dir: string;
  let daemon: DaemonHandle;
  let port: number;
  let good: MasterStation;
  let goodAnswers = 0;

  /** The well-behaved master reads the terminal clock: the answer must be exactly the terminal's time. */
  async function goodMasterServed(): Promise<void> {
    const reply = await good.request(0x0c, [{ pn: 0, fn: 2 }], { timeoutMs: 10_000 });
    assert.equal(reply.message.afn, 0x0c, "a data answer, not a deny");
    const item = reply.items[0];
    assert.ok(item);
    assert.equal(item.fn, 2);
    assert.equal((item.data as { clock: { time: string } }).clock.time, a1Text(daemon.core.clock.now()));
    goodAnswers++;
  }

  function sessions(): LinkSession[] {
    return [...(daemon.server?.sessions ?? [])];
  }

  function sessionOf(peer: RawPeer): LinkSession {
    const session = sessions().find((s) => s.stream.label === peer.label);
    assert.ok(session, `session of ${peer.label}`);
    return session;
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "opendcu-robust-"));
    daemon = await startDaemon(
      {
        dbPath: join(dir, "dcu.sqlite"),
        uplink: {
          listen: { host: "127.0.0.1", port: 0 },
          maxConnections: MAX_CONNECTIONS,
          partialFrameTimeoutMs: PARTIAL_MS,
          idleTimeoutMs: IDLE_MS,
          rateLimit: {
            bytesPerSecond: 64 * 1024,
            burstBytes: BURST_BYTES,
            requestsPerSecond: 50,
            burstRequests: BURST_REQUESTS,
          },
        },
      },
      { clock },
    );
    port = daemon.listening?.port ?? 0;
    good = await connectToDcu("127.0.0.1", port, { timeoutMs: 10_000 });
    await goodMasterServed();
  });

  after(async () => {
    await good?.close();
    await daemon?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("garbage: 1 MiB of random bytes gets no answer; the byte limit caps the work; the master is served", async () => {
    const peer = await RawPeer.connect(port);
    try {
      const noise = garbage(1024 * 1024, 7);
      for (let offset = 0; offset < noise.length; offset += 64 * 1024) {
        await peer.send(noise.subarray(offset, offset + 64 * 1024));
        if (offset % (256 * 1024) === 0) await goodMasterServed();
      }
      const session = sessionOf(peer);
      await until("all garbage received", () => session.counters.bytesIn === noise.length);
      await goodMasterServed();
      assert.equal(peer.bytesReceived, 0, "no answer to garbage");
      assert.ok(session.counters.bytesThrottled > 0, "over the burst: dropped before splitting");
      assert.ok(session.counters.bytesThrottled <= noise.length - BURST_BYTES);
    } finally {
      await peer.close();
    }
  });

  it("half frames: held partials are discarded after the partial-frame timeout; the link then recovers", async () => {
    const query = requestFrame({ afn: 0x0c, items: [{ pn: 0, fn: 2, data: {} }] });
    const peers = await Promise.all(Array.from({ length: 10 }, () => RawPeer.connect(port)));
    try {
      for (const peer of peers) await peer.send(query.subarray(0, 10));
      await until("half frames received", () => peers.every((p) => sessionOf(p).counters.bytesIn === 10));
      await goodMasterServed();
      clock.advance(PARTIAL_MS);
      for (const peer of peers) assert.equal(sessionOf(peer).counters.partialTimeouts, 1);
      await goodMasterServed();
      // Each link is clean again: a whole request is answered.
      for (const peer of peers) {
        await peer.send(query);
        const answer = await peer.nextFrame(10_000);
        assert.equal(answer[12], 0x0c);
      }
    } finally {
      await Promise.all(peers.map((p) => p.close()));
    }
  });

  it("slow loris: one byte a second never completes a frame and is freed by the idle timeout", async () => {
    const loris = await RawPeer.connect(port);
    const session = sessionOf(loris);
    const frame = requestFrame({ afn: 0x0c, items: [{ pn: 0, fn: 2, data: {} }] });
    let sent = 0;
    try {
      for (let second = 0; session.counters.idleTimeouts === 0 && second < IDLE_MS / 1000 + 5; second++) {
        await loris.send(frame.subarray(sent % frame.length, (sent % frame.length) + 1));
        sent++;
        await until("the byte to arrive", () => session.counters.bytesIn === sent);
        // The good master talks every 10 s, so its own idle timer keeps being restarted.
        if (second % 10 === 0) await goodMasterServed();
        clock.advance(1000);
      }
      await until("the loris connection to close", () => !loris.isOpen);
      assert.equal(loris.bytesReceived, 0, "never answered");
      assert.equal(session.counters.idleTimeouts, 1);
      assert.ok(session.counters.partialTimeouts >= 1, "the partial frame was discarded on the way");
      assert.equal(sent, IDLE_MS / 1000, "freed exactly at the idle timeout, not before");
      await goodMasterServed();
    } finally {
      await loris.close();
    }
  });

  it("1,000 connections opened and dropped: maxConnections holds, the excess is refused, slots are freed", async () => {
    const accepted0 = daemon.server?.counters.accepted ?? 0;
    const refused0 = daemon.server?.counters.refused ?? 0;
    let maxSeen = 0;
    for (let wave = 0; wave < 10; wave++) {
      const sockets = await Promise.all(
        Array.from(
          { length: 100 },
          (_, i) =>
            new Promise<Socket>((resolve, reject) => {
              const socket = createConnection({ host: "127.0.0.1", port }, () => {
                // Half of them say something first (garbage); all of them then just go away.
                if (i % 2 === 0) socket.write(garbage(32, wave * 100 + i));
                resolve(socket);
              });
              socket.on("error", () => socket.destroy());
              socket.once("error", reject);
            }),
        ),
      );
      const counters = () => daemon.server?.counters ?? { accepted: 0, refused: 0 };
      await until(
        "every connection accepted or refused",
        () => counters().accepted + counters().refused - accepted0 - refused0 === (wave + 1) * 100,
      );
      maxSeen = Math.max(maxSeen, sessions().length);
      await goodMasterServed();
      for (const s of sockets) s.destroy();
    }
    await until("all dropped sessions freed", () => sessions().length === 1);
    const counters = daemon.server?.counters;
    assert.ok(counters);
    assert.equal(counters.accepted + counters.refused - accepted0 - refused0, 1000);
    assert.ok(counters.refused - refused0 > 0, "beyond maxConnections: refused");
    assert.ok(maxSeen <= MAX_CONNECTIONS, `at most ${MAX_CONNECTIONS} sessions, saw ${maxSeen}`);
    await goodMasterServed();
  });

  it("beyond maxConnections new connections are closed at once without an answer; held ones keep working", async () => {
    const peers: RawPeer[] = [];
    try {
      for (let i = 0; i < MAX_CONNECTIONS + 10; i++) peers.push(await RawPeer.connect(port));
      await until("the excess to be closed", () => peers.filter((p) => !p.isOpen).length === 11);
      assert.equal(sessions().length, MAX_CONNECTIONS);
      const refused = peers.filter((p) => !p.isOpen);
      assert.ok(refused.every((p) => p.bytesReceived === 0));
      await goodMasterServed();
      const held = peers.find((p) => p.isOpen);
      assert.ok(held);
      await held.send(requestFrame({ afn: 0x0c, items: [{ pn: 0, fn: 2, data: {} }] }));
      assert.equal((await held.nextFrame(10_000))[12], 0x0c);
    } finally {
      await Promise.all(peers.map((p) => p.close()));
    }
    await until("slots freed", () => sessions().length === 1);
  });

  it("a flood of valid requests is cut to the request budget; the master is served throughout", async () => {
    const flooder = await RawPeer.connect(port);
    try {
      const one = requestFrame({ afn: 0x0c, items: [{ pn: 0, fn: 2, data: {} }] });
      const count = 5000;
      const flood = new Uint8Array(one.length * count);
      for (let i = 0; i < count; i++) flood.set(one, i * one.length);
      const session = sessionOf(flooder);
      const flooding = (async () => {
        for (let offset = 0; offset < flood.length; offset += 8192) {
          await flooder.send(flood.subarray(offset, offset + 8192));
        }
      })();
      for (let i = 0; i < 5; i++) await goodMasterServed();
      await flooding;
      await until("the flood to be received", () => session.counters.bytesIn === flood.length);
      for (let i = 0; i < 5; i++) await goodMasterServed();
      const c = session.counters;
      assert.equal(c.framesIn, count, "every frame was valid");
      assert.ok(c.requestsThrottled >= count - BURST_REQUESTS, `throttled ${c.requestsThrottled}`);
      const queued = c.framesIn - c.requestsThrottled - c.requestsDropped;
      assert.ok(queued <= BURST_REQUESTS, "served at most the request budget");
      // The admitted requests were served like any other (the flooder is limited, not banned).
      const answer = await flooder.nextFrame(10_000);
      assert.equal(answer[12], 0x0c);
    } finally {
      await flooder.close();
    }
  });

  it("the well-behaved master was answered correctly in every phase", () => {
    assert.ok(goodAnswers >= 30, `answers: ${goodAnswers}`);
  });
});
