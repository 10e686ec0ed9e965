/**
 * The local serial maintenance port over a real serial line (a socat pseudo-terminal pair, 9600 8N1): a
 * handheld-style master station on the other end sets a parameter and reads it back, exactly as over TCP;
 * the bytes count as traffic. (Reopening after a lost line: src/uplink/maintenance-port.test.ts.)
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type DaemonHandle, startDaemon } from "../src/daemon/daemon.ts";
import { findFnRow } from "../src/protocol/gw1376-1/fn-table.ts";
import { encodeBody } from "../src/protocol/gw1376-1/layout-codec.ts";
import { MasterStation } from "../src/sim/master/master-station.ts";
import type { ByteStream } from "../src/transport/byte-stream.ts";
import { openSerial } from "../src/transport/serial.ts";
import { openPtyPair, type PtyPair } from "./support/socat-pty.ts";
import { WebClient } from "./support/web-daemon.ts";

async function until(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("serial maintenance port (socat pty, 9600 8N1)", { timeout: 30_000 }, () => {
  let pty: PtyPair;
  let dir: string;
  let daemon: DaemonHandle;
  let line: ByteStream;
  let handheld: MasterStation;

  before(async () => {
    pty = await openPtyPair(["dcu", "handheld"]);
    dir = mkdtempSync(join(tmpdir(), "opendcu-maint-"));
    daemon = await startDaemon({
      dbPath: join(dir, "dcu.sqlite"),
      area: "4403",
      address: 9,
      uplink: { listen: { host: "127.0.0.1", port: 0 } },
      maintenance: { path: pty.a, baudRate: 9600, parity: "none" },
      web: { listen: { host: "127.0.0.1", port: 0 } },
    });
    await until("the maintenance port to open", () => daemon.maintenance?.session !== undefined);
    line = await openSerial({ path: pty.b, baudRate: 9600, parity: "none" });
    handheld = new MasterStation(line, { area: "4403", terminal: 9, msa: 5, timeoutMs: 5000 });
  });

  after(async () => {
    await line?.close();
    await daemon?.close();
    pty?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("sets AFN04 F36 and reads it back with AFN0A, byte-exact", async () => {
    const f36 = { bytesPerMonth: 123_456_789 };
    const set = await handheld.request(0x04, [{ pn: 0, fn: 36, data: f36 }]);
    assert.equal(set.message.afn, 0x00);
    assert.equal(set.items[0]?.fn, 1, "AFN00 F1 confirm");
    assert.equal(set.message.address.terminal, 9);
    const read = await handheld.request(0x0a, [{ pn: 0, fn: 36 }]);
    assert.equal(read.message.afn, 0x0a);
    const up = findFnRow(0x0a, 36)?.up ?? [];
    assert.deepEqual(encodeBody(up, read.items[0]?.data ?? {}), encodeBody(up, f36));
    // The change is the terminal's: the TCP side sees it too (one parameter store).
    assert.deepEqual(daemon.core.parameters.getDecoded(36, 0), f36);
  });

  it("reads the terminal clock and counts the serial bytes as traffic", async () => {
    const session = daemon.maintenance?.session;
    assert.ok(session);
    const reply = await handheld.request(0x0c, [{ pn: 0, fn: 2 }]);
    assert.equal(reply.message.afn, 0x0c);
    assert.ok(session.counters.bytesIn > 0 && session.counters.bytesOut > 0);
    daemon.traffic.flush();
    const today = daemon.core.store.traffic.today();
    assert.equal(today.downBytes, session.counters.bytesIn, "every byte in (the only link used)");
    assert.equal(today.upBytes, session.counters.bytesOut);
  });

  it("the web status shows the maintenance port open, with its frames", async () => {
    const session = daemon.maintenance?.session;
    assert.ok(session && daemon.web);
    const web = new WebClient(`http://127.0.0.1:${daemon.web.port}`);
    const { status, body } = await web.get<{ uplink: { maintenance?: Record<string, unknown> } }>(
      "/api/status",
    );
    assert.equal(status, 200);
    assert.deepEqual(body.uplink.maintenance, {
      path: pty.a,
      baudRate: 9600,
      open: true,
      framesIn: session.counters.framesIn,
      framesOut: session.counters.framesOut,
    });
    assert.ok(session.counters.framesIn >= 2, "the handheld's frames are counted");
  });
});
