/**
 * The AT client and modem info against the simulated modem over an in-memory pipe: identification and
 * signal, echo on and off, the ICCID fallback, error and time-out results, bounded input, and the monitor's
 * stored result (kept across a failed refresh).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ManualClock } from "../../common/clock.ts";
import { silentLogger } from "../../common/logger.ts";
import { SIM_MODEM_IDENTITY, SimulatedAtModem } from "../../sim/at-modem.ts";
import { Store } from "../../store/store.ts";
import { createPipe } from "../../transport/pipe.ts";
import { AtClient, type AtResult } from "./at-client.ts";
import { infoLine, parseCsq, parseIccid, parseImei, readModemInfo } from "./modem-info.ts";
import { ModemMonitor, storedModemInfo } from "./modem-monitor.ts";
import { remoteModuleVersion } from "./remote-module-version.ts";

function setup(options: ConstructorParameters<typeof SimulatedAtModem>[1] = {}) {
  const clock = new ManualClock(Date.UTC(2026, 10, 26));
  const [terminal, modemEnd] = createPipe();
  const modem = new SimulatedAtModem(modemEnd, options);
  const at = new AtClient({ stream: terminal, clock, timeoutMs: 3000 });
  return { clock, terminal, modemEnd, modem, at };
}

const ok = (...lines: string[]): AtResult => ({ ok: true, lines });

describe("AT client and modem info", () => {
  it("reads model, firmware, IMEI, ICCID and signal from an echoing modem", async () => {
    const { at, modem, clock } = setup({ rssi: 21 });
    const info = await readModemInfo(at, () => clock.now());
    assert.deepEqual(info, {
      manufacturer: SIM_MODEM_IDENTITY.manufacturer,
      model: SIM_MODEM_IDENTITY.model,
      firmware: SIM_MODEM_IDENTITY.firmware,
      imei: SIM_MODEM_IDENTITY.imei,
      iccid: SIM_MODEM_IDENTITY.iccid,
      rssi: 21,
      signalDbm: -71,
      updatedAt: clock.now(),
    });
    assert.deepEqual(modem.commands, ["AT", "AT+CGMI", "AT+CGMM", "AT+CGMR", "AT+CGSN", "AT+CCID", "AT+CSQ"]);
  });

  it("falls back to AT+ICCID, and works without echo", async () => {
    const { at, modem, clock } = setup({ iccidCommand: "ICCID", echo: false, rssi: 99 });
    const info = await readModemInfo(at, () => clock.now());
    assert.equal(info.iccid, SIM_MODEM_IDENTITY.iccid);
    assert.equal(info.rssi, 99);
    assert.equal(info.signalDbm, undefined, "99 = not known: no dBm figure");
    assert.ok(modem.commands.includes("AT+ICCID"));
  });

  it("an unknown command is an error result naming the final code; ATE0 turns the echo off", async () => {
    const { at } = setup();
    const r = await at.command("AT+NOPE");
    assert.deepEqual(r, { ok: false, reason: "error", lines: [], detail: "ERROR" });
    assert.deepEqual(await at.command("ATE0"), ok());
    assert.deepEqual(await at.command("AT+CGMM"), ok(SIM_MODEM_IDENTITY.model));
  });

  it("a silent modem times out on the injected clock; later commands still run", async () => {
    const { at, modem, clock } = setup();
    modem.silent = true;
    const pending = at.command("AT+CSQ");
    const queued = at.command("AT+CGMM");
    await new Promise((resolve) => setImmediate(resolve));
    clock.advance(3000);
    assert.deepEqual(await pending, { ok: false, reason: "timeout", lines: [] });
    modem.silent = false;
    // the queued command waits out the late answer the first might still get (1 s), then is answered
    await new Promise((resolve) => setImmediate(resolve));
    clock.advance(1000);
    assert.deepEqual(await queued, ok(SIM_MODEM_IDENTITY.model));
    assert.deepEqual(await at.command("AT+CSQ"), ok("+CSQ: 21,99"));
  });

  it("a late answer to a timed-out command never becomes the next command's answer (echo on or off)", async () => {
    for (const echo of [true, false]) {
      const clock = new ManualClock(0);
      const [terminal, modemEnd] = createPipe();
      const at = new AtClient({ stream: terminal, clock });
      const sent: string[] = [];
      modemEnd.onData((chunk) => sent.push(new TextDecoder().decode(chunk).trim()));
      const say = (...lines: string[]) =>
        modemEnd.write(new TextEncoder().encode(lines.map((l) => `${l}\r\n`).join("")));
      // The pipe delivers asynchronously: let a few turns of the event loop pass.
      const tick = async () => {
        for (let i = 0; i < 3; i++) await new Promise((resolve) => setTimeout(resolve, 2));
      };

      const first = at.command("AT+CGMI");
      const second = at.command("AT+CGMM");
      await tick();
      clock.advance(3000);
      assert.equal((await first).ok, false, "timed out");
      await tick();
      // Within the drain: the first command's answer arrives late; the second is not sent before it ends.
      assert.deepEqual(sent, ["AT+CGMI"]);
      await say(...(echo ? ["AT+CGMI"] : []), "Quectel", "OK");
      await tick();
      assert.deepEqual(sent, ["AT+CGMI", "AT+CGMM"], "sent once the late answer ended");
      await say(...(echo ? ["AT+CGMM"] : []), "EC25", "OK");
      assert.deepEqual(await second, ok("EC25"), `echo ${echo}`);

      // A late answer that arrives after the drain, with echo: skipped by its echo.
      const third = at.command("AT+CGMR");
      await tick();
      clock.advance(3000);
      await third;
      clock.advance(1000);
      const fourth = at.command("AT+CGSN");
      await tick();
      if (echo) {
        await say("AT+CGMR", "EC25EFAR06A06M4G", "OK", "AT+CGSN", "861234050012345", "OK");
        assert.deepEqual(await fourth, ok("861234050012345"));
      }
      at.close();
    }
  });

  it("ignores unsolicited lines between commands, bounds a line that never ends, refuses non-AT text", async () => {
    const { at, modemEnd } = setup();
    await modemEnd.write(new TextEncoder().encode("\r\nRING\r\n\r\n+CREG: 1\r\n"));
    await modemEnd.write(new Uint8Array(2000).fill(0x41));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(at.dropped, 1, "a line that never ends is dropped once it passes the cap, not buffered");
    assert.deepEqual(await at.command("AT+CGSN"), ok(SIM_MODEM_IDENTITY.imei));
    assert.throws(() => at.command("AT\r\nAT+CFUN=0"), RangeError);
    assert.throws(() => at.command("ATD112;\u0000"), RangeError);
  });

  it("a closed port resolves pending and later commands as closed", async () => {
    const { at, terminal, modem } = setup();
    modem.silent = true;
    const pending = at.command("AT");
    await terminal.close();
    assert.deepEqual(await pending, { ok: false, reason: "closed", lines: [] });
    assert.deepEqual(await at.command("AT"), { ok: false, reason: "closed", lines: [] });
  });

  it("parses vendor answer variants", () => {
    assert.equal(infoLine(ok("+CGMM: EC25")), "EC25");
    assert.equal(infoLine(ok("Revision: EC25EFAR06A06M4G")), "EC25EFAR06A06M4G");
    assert.equal(infoLine(ok("", "  Quectel\u0007 ")), "Quectel");
    assert.equal(parseImei(ok("+CGSN: 861234050012345")), "861234050012345");
    assert.equal(parseImei(ok("no digits")), undefined);
    assert.equal(parseIccid(ok("+CCID: 8986001234567890123F")), "8986001234567890123");
    assert.equal(parseIccid(ok("89860012345678901234")), "89860012345678901234");
    assert.deepEqual(parseCsq(ok("+CSQ: 0,99")), { rssi: 0, signalDbm: -113 });
    assert.deepEqual(parseCsq(ok("+CSQ: 31,0")), { rssi: 31, signalDbm: -51 });
    assert.equal(parseCsq(ok("+CSQ: 45,0")), undefined);
    assert.equal(parseCsq({ ok: false, reason: "timeout", lines: [] }), undefined);
  });
});

describe("modem monitor", () => {
  it("stores what it read; a failed refresh keeps the fields and says why; AFN09 F9 is built from it", async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 26));
    const store = new Store({ path: ":memory:", clock });
    let available = true;
    const monitor = new ModemMonitor({
      open: async () => {
        if (!available) throw new Error("cannot open /dev/ttyUSB2");
        const [terminal, modemEnd] = createPipe();
        new SimulatedAtModem(modemEnd, { rssi: 18 });
        return terminal;
      },
      clock,
      kv: store.kv,
      logger: silentLogger,
    });
    assert.equal(monitor.info(), undefined);
    const first = await monitor.refresh();
    assert.equal(first?.signalDbm, -77);
    assert.deepEqual(storedModemInfo(store.kv), first);

    const f9 = remoteModuleVersion(first);
    assert.deepEqual(f9, {
      vendor: "Open",
      model: "SIM-LTE1",
      softwareVersion: "1A02", // the last 4 characters of SIMLTE1R01A02
      softwareDate: null,
      hardwareVersion: "",
      hardwareDate: null,
      iccid: SIM_MODEM_IDENTITY.iccid,
    });

    // the port goes away: the next refresh fails, keeps the identity, records the reason
    await monitor.stop();
    available = false;
    clock.advance(60_000);
    const failed = await monitor.refresh();
    assert.equal(failed?.imei, SIM_MODEM_IDENTITY.imei);
    assert.match(failed?.error ?? "", /cannot open/);
    assert.equal(storedModemInfo(store.kv)?.error, failed?.error);
    assert.equal(remoteModuleVersion(undefined), undefined);
    store.close();
  });

  it("refuses a stored value of the wrong shape", () => {
    const store = new Store({ path: ":memory:", clock: new ManualClock(0) });
    store.kv.set("modem.info", { model: 5, updatedAt: "yesterday" });
    assert.equal(storedModemInfo(store.kv), undefined);
    store.kv.set("modem.info", { model: 5, imei: "861234050012345", updatedAt: 1 });
    assert.deepEqual(storedModemInfo(store.kv), { imei: "861234050012345", updatedAt: 1 });
    store.close();
  });
});
