/**
 * Bad input on a real TCP connection: garbage, half frames and stale Tp labels neither crash the daemon nor
 * stop it serving a well-behaved master afterwards.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type DaemonHandle, startDaemon } from "../src/daemon/daemon.ts";
import { encodeMessage } from "../src/protocol/gw1376-1/message.ts";
import { connectToDcu } from "../src/sim/master/master-station.ts";

function rawSend(port: number, chunks: Uint8Array[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const received: Buffer[] = [];
    const socket = createConnection({ host: "127.0.0.1", port }, () => {
      for (const c of chunks) socket.write(c);
      setTimeout(() => socket.end(), 300);
    });
    socket.on("data", (d) => received.push(d));
    socket.on("error", reject);
    socket.on("close", () => resolve(Buffer.concat(received)));
  });
}

describe("uplink bad input", { timeout: 15_000 }, () => {
  let dir: string;
  let daemon: DaemonHandle;
  let port: number;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "opendcu-bad-"));
    daemon = await startDaemon({
      dbPath: join(dir, "dcu.sqlite"),
      uplink: { listen: { host: "127.0.0.1", port: 0 }, partialFrameTimeoutMs: 200 },
    });
    port = daemon.listening?.port ?? 0;
  });

  after(async () => {
    await daemon?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("garbage and a half frame get no answer and do not stop service", async () => {
    const clockQuery = encodeMessage({
      control: { dir: 0, prm: 1, fcbAcd: 0, fcv: 0, fc: 11 },
      address: { area: "4403", terminal: 1, master: 1, group: false },
      afn: 0x0c,
      seq: { tpv: false, fir: true, fin: true, con: false, seq: 0 },
      groups: [{ pns: [0], fns: [2], items: [{ pn: 0, fn: 2, data: {} }] }],
    });
    const garbage = Uint8Array.from({ length: 3000 }, (_, i) => (i * 37 + 11) & 0xff);
    const wrongChecksum = Uint8Array.from(clockQuery);
    wrongChecksum[wrongChecksum.length - 2] =
      ((wrongChecksum[wrongChecksum.length - 2] as number) + 1) & 0xff;
    const answer = await rawSend(port, [garbage, wrongChecksum, clockQuery.subarray(0, 9)]);
    assert.equal(answer.length, 0, "no reply to garbage, a bad checksum or a half frame");

    // The same connection recovers after the partial-frame timeout: half a frame, wait, then a whole one.
    const recovered = await new Promise<Buffer>((resolve, reject) => {
      const socket = createConnection({ host: "127.0.0.1", port }, () => {
        socket.write(clockQuery.subarray(0, 9));
        setTimeout(() => socket.write(clockQuery), 400);
      });
      socket.once("data", (d) => {
        socket.destroy();
        resolve(d);
      });
      socket.on("error", reject);
    });
    assert.equal(recovered[12], 0x0c, "AFN0C answer after the timed-out half frame");

    const master = await connectToDcu("127.0.0.1", port, { timeoutMs: 2000 });
    try {
      const reply = await master.request(0x0c, [{ pn: 0, fn: 2 }]);
      assert.equal(reply.message.afn, 0x0c);
    } finally {
      await master.close();
    }
  });

  it("discards a frame whose Tp is stale and echoes a fresh Tp verbatim", async () => {
    const master = await connectToDcu("127.0.0.1", port, { timeoutMs: 800 });
    try {
      const terminalNow = daemon.core.clock.now();
      await assert.rejects(
        master.request(0x0c, [{ pn: 0, fn: 2 }], {
          tp: { delayMinutes: 1, sendTimeMs: terminalNow - 10 * 60_000 },
        }),
        (error: { code?: unknown }) => error.code === "timeout",
      );
      const fresh = await master.request(0x0c, [{ pn: 0, fn: 2 }], {
        tp: { delayMinutes: 1, sendTimeMs: terminalNow },
      });
      assert.equal(fresh.message.afn, 0x0c);
      assert.ok(fresh.message.tp, "Tp echoed");
      assert.equal(fresh.message.tp.delay, 1);
      assert.equal(fresh.message.seq.tpv, true);
    } finally {
      await master.close();
    }
  });
});
