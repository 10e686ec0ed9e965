/**
 * The RS-485 channel through the kernel's serial layer: a socat pseudo-terminal pair, the channel on one
 * end (serialport, 2400 baud 8E1), virtual meters on the other, with the faults a real bus produces.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { MeterTarget } from "../src/channels/meter-channel.ts";
import { DLT645_DEFAULT_LINE } from "../src/channels/rs485/line-settings.ts";
import { Rs485Channel } from "../src/channels/rs485/rs485-channel.ts";
import { ManualClock, SystemClock } from "../src/common/clock.ts";
import { decodeDiData } from "../src/protocol/dlt645/data.ts";
import { MeterBus } from "../src/sim/meter-bus.ts";
import { VirtualMeter } from "../src/sim/virtual-meter.ts";
import type { ByteStream } from "../src/transport/byte-stream.ts";
import { openSerial } from "../src/transport/serial.ts";
import { meterAddress } from "./support/rs485-fixture.ts";
import { openPtyPair, type PtyPair } from "./support/socat-pty.ts";

const meterClock = new ManualClock(Date.UTC(2026, 10, 26, 10, 0, 0));
const make = (n: number, seed = n) =>
  VirtualMeter.create(meterAddress(n), meterClock, { historyDays: 70, seed });
const meters = [make(1), make(2), make(3), make(4), make(5), make(6), make(7), make(7, 77)];
(meters[3] as VirtualMeter).faults = { noAnswer: 1 };
(meters[4] as VirtualMeter).faults = { corruptByte: 1 };
(meters[5] as VirtualMeter).faults = { wrongAddress: "000000000066" };
const bus = new MeterBus(meters);

let pty: PtyPair | undefined;
let meterSide: ByteStream | undefined;
let channel: Rs485Channel | undefined;
/** When set, the meter side sends every received chunk straight back (the DCU's adapter echo). */
let echo = false;

before(async () => {
  pty = await openPtyPair();
  const path = pty.a;
  meterSide = await openSerial({ path: pty.b, baudRate: 2400, parity: "even" });
  const side = meterSide;
  side.onData((chunk) => {
    if (echo) void side.write(chunk).catch(() => undefined);
  });
  bus.attach(side);
  channel = new Rs485Channel({
    port: 2,
    line: DLT645_DEFAULT_LINE,
    open: (line) =>
      openSerial({
        path,
        baudRate: line.baud,
        parity: line.parity,
        dataBits: line.dataBits === 7 ? 7 : 8,
        stopBits: line.stopBits,
      }),
    clock: new SystemClock(),
    // Real I/O on a shared machine: generous waits, few retries.
    timing: { responseBaseMs: 800, interByteFloorMs: 300, retries: 1 },
  });
});

after(async () => {
  await channel?.close();
  bus.detach();
  await meterSide?.close();
  pty?.close();
});

function target(n: number): MeterTarget {
  return { address: meterAddress(n), edition: "2007", port: 2 };
}

async function read(n: number, di = 0x00010000) {
  assert.ok(channel);
  return channel.read({ meter: target(n), di, priority: "scheduled" });
}

test("2400 8E1 over a pty: three meters read their own energy", async () => {
  for (const n of [1, 2, 3]) {
    const r = await read(n);
    assert.ok(r.ok, JSON.stringify(r));
    const value = decodeDiData("2007", 0x00010000, r.data);
    assert.ok(value.ok);
    assert.equal(value.value.value, meters[n - 1]?.model.energies().positiveActive[0]);
  }
});

test("faults over a pty: no answer, garbage, wrong address, collision", async () => {
  const dead = await read(4);
  assert.equal(dead.ok ? "" : dead.reason, "timeout");
  const garbled = await read(5);
  assert.equal(garbled.ok ? "" : garbled.reason, "bad-answer");
  const wrong = await read(6);
  assert.match(wrong.ok ? "" : (wrong.detail ?? ""), /answer from 000000000066/);
  const collided = await read(7);
  assert.equal(collided.ok ? "" : collided.reason, "bad-answer");
  assert.ok((channel?.counters.garbage ?? 0) >= 2);
  // The bus is still usable afterwards.
  assert.ok((await read(1)).ok);
});

test("an echoing adapter over a pty: the echo is skipped", async () => {
  echo = true;
  try {
    const before = channel?.counters.echoes ?? 0;
    const r = await read(2);
    assert.ok(r.ok, JSON.stringify(r));
    assert.ok((channel?.counters.echoes ?? 0) > before);
  } finally {
    echo = false;
  }
});

test("restart (F51) re-opens the serial port and reads again", async () => {
  assert.ok(channel);
  const opens = channel.counters.portOpens;
  await channel.restart();
  assert.ok((await read(3)).ok);
  assert.equal(channel.counters.portOpens, opens + 1);
});
