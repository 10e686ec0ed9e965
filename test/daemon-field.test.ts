/**
 * A daemon started with a simulated field exposes working channels: a read succeeds on the RS-485 port
 * (virtual meters behind a paced 2400-baud line) and on the carrier port (virtual module, PLC network);
 * a master's AFN04 F10 reaches the module's archive, F34 the port's line, AFN05 F49/F50 the channel.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { MeterChannel } from "../src/channels/meter-channel.ts";
import { parseDaemonConfig } from "../src/daemon/config.ts";
import { type DaemonHandle, startDaemon } from "../src/daemon/daemon.ts";
import { defaultMasterNodeAddress, MODULE_INFO_KEY } from "../src/daemon/field.ts";
import { fieldFromFlags, parseSerialFlag } from "../src/daemon/field-flags.ts";
import { decodeDiData } from "../src/protocol/dlt645/data.ts";
import { connectToDcu, type MasterStation } from "../src/sim/master/master-station.ts";
import { type MeterConfig, meterConfig, setMeterArchive } from "../src/sim/master/meter-archive.ts";

const DI_ENERGY = 0x00010000;
const DI_ADDRESS = 0x04000401;

async function eventually(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function carrierMeter(serial: number, address: string): MeterConfig {
  return meterConfig({ serial, pn: serial, port: 31, protocol: 30, address });
}

describe("daemon with --simulate-meters 3 --simulate-carrier 5", { timeout: 120_000 }, () => {
  let dir: string;
  let daemon: DaemonHandle;
  let master: MasterStation;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "opendcu-field-"));
    daemon = await startDaemon({
      dbPath: join(dir, "dcu.sqlite"),
      uplink: { listen: { host: "127.0.0.1", port: 0 } },
      field: {
        ...fieldFromFlags({ simulateMeters: 3, simulateCarrier: 5 }),
        carrierArchive: { pollMs: 100, syncDelayMs: 100 },
        parameterPollMs: 100,
      },
    });
    const at = daemon.listening;
    assert.ok(at);
    master = await connectToDcu(at.host, at.port, { area: "4403", terminal: 1, timeoutMs: 5000 });
  });

  after(async () => {
    await master?.close();
    await daemon?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("exposes channel 2 (RS-485) and 31 (carrier); a read on port 2 returns the meter's own value", async () => {
    assert.deepEqual(
      [...daemon.channels.keys()].sort((a, b) => a - b),
      [2, 31],
    );
    const rs485 = daemon.channels.get(2) as MeterChannel;
    assert.equal(rs485.kind, "rs485");
    // The communication address (04000401): a value of that meter alone, and one that does not tick.
    const r = await rs485.read({
      meter: { address: "000000000002", edition: "2007", port: 2 },
      di: DI_ADDRESS,
      priority: "live",
    });
    assert.ok(r.ok, JSON.stringify(r));
    const value = decodeDiData("2007", DI_ADDRESS, r.data);
    assert.ok(value.ok);
    assert.equal(value.value.value, "000000000002");
    assert.equal(daemon.field.simulation.meters[1]?.meter.stats.answered, 1);
  });

  it("the carrier module is identified, its info stored, and a node reads through it", async () => {
    const carrier = daemon.field.carrier;
    assert.ok(carrier);
    await eventually(() => carrier.state === "ready", "the carrier module");
    const info = daemon.core.store.kv.get(MODULE_INFO_KEY) as { vendor?: string; masterAddress?: string };
    assert.equal(info.vendor, "OD");
    assert.equal(info.masterAddress, defaultMasterNodeAddress("4403", 1));
    const r = await carrier.read({
      meter: { address: "100000000003", edition: "2007", port: 31 },
      di: DI_ENERGY,
      priority: "live",
    });
    assert.ok(r.ok, JSON.stringify(r));
  });

  it("simulation creates the field only: the module's archive follows what the master sets (F10)", async () => {
    const sim = daemon.field.simulation.carrier;
    assert.ok(sim);
    await eventually(() => daemon.field.carrier?.lastSync !== undefined, "the first archive sync");
    assert.equal(sim.module.archive.size, 0, "no meters configured yet");
    const set = await setMeterArchive(master, [
      carrierMeter(1, "100000000001"),
      carrierMeter(2, "100000000004"),
    ]);
    assert.equal(set.accepted, 2);
    await eventually(() => sim.module.archive.size === 2, "the module archive to follow F10");
    assert.deepEqual([...sim.module.archive.keys()].sort(), ["100000000001", "100000000004"]);
  });

  it("AFN04 F34 changes the RS-485 line; AFN05 F49 pauses port 2 and F50 resumes it", async () => {
    const set = await master.request(0x04, [
      {
        pn: 0,
        fn: 34,
        data: {
          ports: [
            {
              port: 2,
              control: { dataBitsCode: 3, oddParity: 0, parityEnabled: 1, twoStopBits: 0, baudCode: 6 },
              baud: 9600,
            },
          ],
        },
      },
    ]);
    assert.equal(set.items[0]?.fn, 1, "AFN00 F1 confirm");
    const rs485 = daemon.field.rs485.get(2);
    assert.ok(rs485);
    await eventually(() => rs485.line.baud === 9600, "F34 to reach the channel");

    const pause = await master.request(0x05, [{ pn: 0, fn: 49, data: { port: 2 } }]);
    assert.equal(pause.items[0]?.fn, 1);
    assert.equal(rs485.paused, true);
    const refused = await rs485.read({
      meter: { address: "000000000001", edition: "2007", port: 2 },
      di: DI_ENERGY,
      priority: "scheduled",
    });
    assert.equal(refused.ok ? "" : refused.detail, "port paused");
    const unknown = await master.request(0x05, [{ pn: 0, fn: 49, data: { port: 9 } }]);
    assert.notEqual(unknown.items[0]?.fn, 1, "no port 9: refused");
    const resume = await master.request(0x05, [{ pn: 0, fn: 50, data: { port: 2 } }]);
    assert.equal(resume.items[0]?.fn, 1);
    assert.equal(rs485.paused, false);
  });
});

describe("field flags", () => {
  it("parse serial lines and the carrier port, naming the flag on errors", () => {
    assert.deepEqual(parseSerialFlag("2=/dev/ttyUSB0:1200:odd"), {
      port: 2,
      path: "/dev/ttyUSB0",
      baud: 1200,
      parity: "odd",
    });
    assert.deepEqual(parseSerialFlag("3=/dev/serial/by-id/usb-FTDI"), {
      port: 3,
      path: "/dev/serial/by-id/usb-FTDI",
    });
    assert.throws(() => parseSerialFlag("/dev/ttyUSB0"), /--serial: expected PORT=PATH/);
    assert.throws(() => parseSerialFlag("2=/dev/x:123"), /baud rate/);
    assert.throws(() => parseSerialFlag("2=/dev/x:2400:mark"), /parity/);
    assert.throws(() => parseSerialFlag("31=/dev/x"), /1\.\.30/);
    assert.deepEqual(fieldFromFlags({ carrier: "/dev/ttyS3:9600", simulateMeters: 4 }), {
      carrier: { path: "/dev/ttyS3", baud: 9600 },
      simulateMeters: 4,
    });
    assert.deepEqual(fieldFromFlags({}), {}, "nothing given: the start-up file decides");
    assert.deepEqual(fieldFromFlags({ simulateMeters: 5, simulateBaud: 115_200 }), {
      simulateMeters: 5,
      simulateBaud: 115_200,
    });
    assert.equal(defaultMasterNodeAddress("4403", 1), "000440300001");
  });
});

it("--simulate-baud: the simulated bus and its channel run at that speed; a meter reads through it", async () => {
  const dir = mkdtempSync(join(tmpdir(), "opendcu-simbaud-"));
  const daemon = await startDaemon({
    dbPath: join(dir, "dcu.sqlite"),
    uplink: { listen: { host: "127.0.0.1", port: 0 } },
    field: fieldFromFlags({ simulateMeters: 2, simulateBaud: 115_200 }),
  });
  try {
    const rs485 = daemon.field.rs485.get(2);
    assert.ok(rs485);
    assert.equal(rs485.line.baud, 115_200, "the channel's byte times follow the line");
    const r = await rs485.read({
      meter: { address: "000000000001", edition: "2007", port: 2 },
      di: DI_ADDRESS,
      priority: "live",
    });
    assert.ok(r.ok, JSON.stringify(r));
  } finally {
    await daemon.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

it("a serial line's timing from the start-up file reaches its channel; bad values are named", async () => {
  const dir = mkdtempSync(join(tmpdir(), "opendcu-timing-"));
  const daemon = await startDaemon({
    dbPath: join(dir, "dcu.sqlite"),
    uplink: { listen: { host: "127.0.0.1", port: 0 } },
    field: {
      serial: [{ port: 3, path: join(dir, "no-such-tty"), timing: { gapAfterAnswerMs: 20, retries: 1 } }],
    },
  });
  try {
    const channel = daemon.field.rs485.get(3);
    assert.ok(channel);
    assert.equal(channel.timing.gapAfterAnswerMs, 20);
    assert.equal(channel.timing.retries, 1);
    assert.equal(channel.timing.preambleBytes, 4, "the rest keeps the channel's defaults");
  } finally {
    await daemon.close();
    rmSync(dir, { recursive: true, force: true });
  }
  assert.throws(
    () =>
      parseDaemonConfig({ field: { serial: [{ port: 2, path: "/dev/x", timing: { preambleBytes: 9 } }] } }),
    /field\.serial\.0\.timing\.preambleBytes/,
  );
  assert.throws(
    () => parseDaemonConfig({ field: { serial: [{ port: 2, path: "/dev/x", timing: { gap: 1 } }] } }),
    /field\.serial\.0\.timing/,
  );
});
