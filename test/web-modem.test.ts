/**
 * The cellular module over a real serial line (a socat pseudo-terminal pair, simulated modem on the far
 * end): the daemon reads it at start, the web status and /metrics show it, and a master reads it as AFN09 F9.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { SIM_MODEM_IDENTITY, SimulatedAtModem } from "../src/sim/at-modem.ts";
import { connectToDcu } from "../src/sim/master/master-station.ts";
import { openSerial } from "../src/transport/serial.ts";
import { openPtyPair, type PtyPair } from "./support/socat-pty.ts";
import { startWebDaemon, WebClient, type WebDaemonFixture } from "./support/web-daemon.ts";

describe("cellular module info over a serial AT port", { timeout: 60_000 }, () => {
  let pty: PtyPair;
  let modem: SimulatedAtModem;
  let fx: WebDaemonFixture;

  before(async () => {
    pty = await openPtyPair(["dcu-at", "modem"]);
    modem = new SimulatedAtModem(await openSerial({ path: pty.b, baudRate: 115_200, parity: "none" }), {
      rssi: 24,
    });
    fx = await startWebDaemon({ modem: { port: pty.a, refreshSeconds: 3600 } });
  });

  after(async () => {
    await fx?.close();
    await modem?.close();
    pty?.close();
  });

  it("is shown by the web status and /metrics once read", async () => {
    const web = new WebClient(fx.base);
    const deadline = Date.now() + 20_000;
    let info: Record<string, unknown> | null = null;
    while (Date.now() < deadline) {
      const status = await web.get<{ modules: { modem: Record<string, unknown> | null } }>("/api/status");
      info = status.body.modules.modem;
      if (info?.iccid !== undefined) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(info, "modem info appeared");
    assert.equal(info.model, SIM_MODEM_IDENTITY.model);
    assert.equal(info.imei, SIM_MODEM_IDENTITY.imei);
    assert.equal(info.iccid, SIM_MODEM_IDENTITY.iccid);
    assert.equal(info.signalDbm, -65);
    assert.match((await web.get<string>("/metrics")).text, /^opendcu_modem_signal_dbm -65$/m);
  });

  it("is served to the master as AFN09 F9", async () => {
    const at = fx.daemon.listening;
    assert.ok(at);
    const master = await connectToDcu(at.host, at.port, { area: "4403", terminal: 1, timeoutMs: 3000 });
    try {
      const reply = await master.request(0x09, [{ pn: 0, fn: 9 }]);
      assert.equal(reply.denied, false);
      const f9 = reply.items.find((i) => i.fn === 9)?.data as Record<string, unknown> | undefined;
      assert.ok(f9);
      assert.equal(f9.model, SIM_MODEM_IDENTITY.model);
      assert.equal(f9.iccid, SIM_MODEM_IDENTITY.iccid);
      assert.equal(f9.vendor, SIM_MODEM_IDENTITY.manufacturer.slice(0, 4));
      assert.equal(f9.softwareDate, null);
    } finally {
      await master.close();
    }
  });
});
