/**
 * Client mode over real TCP: the daemon dials the master library's listener, logs in, the master confirms,
 * heartbeats follow at the (test-shortened) period, and an orderly close sends a logout.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { it } from "node:test";
import { startDaemon } from "../src/daemon/daemon.ts";
import { type LinkEvent, listenForDcus, type MasterStation } from "../src/sim/master/master-station.ts";

it("client mode: login confirmed, heartbeat arrives, logout on close", { timeout: 10_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "opendcu-client-"));
  const events: LinkEvent["kind"][] = [];
  const stations: MasterStation[] = [];
  let heartbeatSeen!: () => void;
  const heartbeat = new Promise<void>((resolve) => {
    heartbeatSeen = resolve;
  });
  const listener = await listenForDcus("127.0.0.1", 0, (station) => {
    stations.push(station);
    station.onLink((event) => {
      events.push(event.kind);
      if (event.kind === "heartbeat") heartbeatSeen();
    });
  });
  const daemon = await startDaemon({
    dbPath: join(dir, "dcu.sqlite"),
    area: "4403",
    address: 7,
    uplink: { connect: { host: "127.0.0.1", port: listener.port } },
    testing: { heartbeatMs: 150, confirmTimeoutMs: 1000 },
  });
  try {
    assert.equal(daemon.listening, undefined, "client-only: no listener");
    await heartbeat;
    assert.equal(events[0], "login");
    assert.ok(events.includes("heartbeat"));
    assert.equal(daemon.client?.state, "online");
    assert.equal(daemon.client?.logins, 1);
    // The master learnt the terminal address from the login and can now query it on the same link.
    const station = stations[0];
    assert.ok(station);
    assert.deepEqual(station.terminal, { area: "4403", terminal: 7 });
    const reply = await station.request(0x0c, [{ pn: 0, fn: 2 }]);
    assert.equal(reply.message.afn, 0x0c);
  } finally {
    await daemon.close();
    await listener.close();
    rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(events.at(-1), "logout");
});
