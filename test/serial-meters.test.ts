/**
 * Virtual meters read through the kernel's serial line: a socat pseudo-terminal pair, both ends opened
 * with serialport at 2400 baud, 8 data bits, even parity, 1 stop bit (the DL/T 645 RS-485 default).
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ManualClock } from "../src/common/clock.ts";
import { decodeDiData } from "../src/protocol/dlt645/data.ts";
import { type Dlt645Message, readRequest } from "../src/protocol/dlt645/message.ts";
import { MeterBus } from "../src/sim/meter-bus.ts";
import { request } from "../src/sim/meter-reader.ts";
import { VirtualMeter } from "../src/sim/virtual-meter.ts";
import type { ByteStream } from "../src/transport/byte-stream.ts";
import { openSerial } from "../src/transport/serial.ts";
import { openPtyPair, type PtyPair } from "./support/socat-pty.ts";

let pty: PtyPair | undefined;
let master: ByteStream | undefined;
let meterSide: ByteStream | undefined;
const clock = new ManualClock(Date.UTC(2026, 10, 26, 10, 0, 0));
const meters = [1, 2, 3].map((n) => VirtualMeter.create(`00000000000${n}`, clock, { historyDays: 70 }));
const bus = new MeterBus(meters);

before(async () => {
  pty = await openPtyPair();
  master = await openSerial({ path: pty.a, baudRate: 2400, parity: "even" });
  meterSide = await openSerial({ path: pty.b, baudRate: 2400, parity: "even" });
  bus.attach(meterSide);
});

after(async () => {
  bus.detach();
  await master?.close();
  await meterSide?.close();
  pty?.close();
});

async function read(address: string, di: number): Promise<Dlt645Message> {
  assert.ok(master);
  const reply = await request(master, readRequest("2007", address, di), 2000);
  assert.ok(reply, `no answer from ${address} for ${di.toString(16)}`);
  assert.equal(reply.abnormal, false);
  return reply;
}

function value(reply: Dlt645Message): unknown {
  const di = reply.fields.di;
  const data = reply.fields.data;
  assert.ok(typeof di === "number" && data instanceof Uint8Array);
  const decoded = decodeDiData("2007", di, data);
  assert.ok(decoded.ok);
  return decoded.value.value;
}

test("serial 2400 8E1 over a socat pty: energy, time, daily frozen and an event record", async () => {
  const meter = meters[1] as VirtualMeter;
  meter.model.openCover("meter cover open", 30_000);

  const energy = await read(meter.address, 0x00010000);
  assert.equal(value(energy), meter.model.energies().positiveActive[0]);

  const time = await read(meter.address, 0x04000102);
  const wall = meter.model.wallNow();
  assert.equal(
    value(time),
    [wall.hour, wall.minute, wall.second].map((n) => String(n).padStart(2, "0")).join(":"),
  );

  const frozenTime = await read(meter.address, 0x05060001);
  assert.equal(value(frozenTime), "2026-11-26 00:00");
  const frozen = await read(meter.address, 0x05060101);
  assert.deepEqual(value(frozen), meter.model.daily[0]?.energies.positiveActive);

  const count = await read(meter.address, 0x03300d00);
  assert.equal(value(count), 1);
  const record = (await read(meter.address, 0x03300d01)) as Dlt645Message;
  const rec = value(record) as { openTime: string; closeTime: string };
  // Meter clocks start within ±60 s of true time (10:00:00).
  assert.match(rec.openTime, /^2026-11-26 (09:59|10:00|10:01):\d\d$/);
  assert.notEqual(rec.openTime, rec.closeTime);

  // Another meter on the same line answers for itself.
  const other = await read((meters[2] as VirtualMeter).address, 0x00010000);
  assert.equal(other.address, "000000000003");
});
