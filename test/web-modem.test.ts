/**
 * The cellular module over a real serial line (a socat pseudo-terminal pair, simulated modem on the far
 * end): the daemon reads it at start, the web status and /metrics show it, and a master reads it as AFN09 F9.
 */
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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

describe("cellular module info through the host's ModemManager (mmcli)", { timeout: 60_000 }, () => {
  let dir: string;
  let fx: WebDaemonFixture;
  const SIM = "/org/freedesktop/ModemManager1/SIM/4";

  before(async () => {
    // An mmcli that answers like ModemManager does for one modem (the gateway's own mmcli in production).
    dir = mkdtempSync(join(tmpdir(), "opendcu-mm-"));
    const modem = {
      modem: {
        generic: {
          manufacturer: "Quectel",
          model: "EG25-G",
          revision: "EG25GGBR07A08M2G",
          "equipment-identifier": "869710030002905",
          "signal-quality": { recent: "yes", value: "58" },
          sim: SIM,
        },
      },
    };
    const sim = { sim: { properties: { iccid: "89861118238000123456" } } };
    const mmcli = join(dir, "mmcli");
    writeFileSync(
      mmcli,
      `#!/bin/sh\ncase "$1 $2" in\n  "-m 2") echo '${JSON.stringify(modem)}' ;;\n  "-i ${SIM}") echo '${JSON.stringify(sim)}' ;;\n  *) echo "error: unexpected $*" >&2; exit 1 ;;\nesac\n`,
    );
    chmodSync(mmcli, 0o755);
    fx = await startWebDaemon({ modem: { modemManager: { mmcli, modem: "2" }, refreshSeconds: 3600 } });
  });

  after(async () => {
    await fx?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("shows the modem on the web status and /metrics and serves it as AFN09 F9", async () => {
    const web = new WebClient(fx.base);
    const deadline = Date.now() + 20_000;
    let info: Record<string, unknown> | null = null;
    while (Date.now() < deadline) {
      info = (await web.get<{ modules: { modem: Record<string, unknown> | null } }>("/api/status")).body
        .modules.modem;
      if (info?.iccid !== undefined || info?.error !== undefined) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(info, "modem info appeared");
    assert.equal(info.error, undefined, String(info.error));
    assert.equal(info.model, "EG25-G");
    assert.equal(info.imei, "869710030002905");
    assert.equal(info.iccid, "89861118238000123456");
    assert.equal(info.signalPercent, 58);
    assert.match((await web.get<string>("/metrics")).text, /^opendcu_modem_signal_percent 58$/m);

    const at = fx.daemon.listening;
    assert.ok(at);
    const master = await connectToDcu(at.host, at.port, { area: "4403", terminal: 1, timeoutMs: 3000 });
    try {
      const reply = await master.request(0x09, [{ pn: 0, fn: 9 }]);
      const f9 = reply.items.find((i) => i.fn === 9)?.data as Record<string, unknown> | undefined;
      assert.ok(f9);
      assert.equal(f9.model, "EG25-G");
      assert.equal(f9.iccid, "89861118238000123456");
    } finally {
      await master.close();
    }
  });
});
