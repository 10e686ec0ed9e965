import assert from "node:assert/strict";
import { test } from "node:test";
import { ManualClock } from "../common/clock.ts";
import { decodeDiData } from "../protocol/dlt645/data.ts";
import { decodeMessageBytes, encodeMessage, message, readRequest } from "../protocol/dlt645/message.ts";
import { VirtualMeter } from "./virtual-meter.ts";

const START = Date.UTC(2026, 10, 26, 23, 0, 0);
const PASSWORD = { level: 2, code: "000000" };

function read(meter: VirtualMeter, di: number): unknown {
  const reply = meter.handleFrame(encodeMessage(readRequest("2007", meter.address, di)));
  assert.ok(reply);
  const m = decodeMessageBytes(reply);
  assert.ok(m.ok && !m.value.abnormal, `read ${di.toString(16)}`);
  const data = m.value.fields.data;
  assert.ok(data instanceof Uint8Array);
  const v = decodeDiData("2007", di, data);
  assert.ok(v.ok);
  return v.value.value;
}

test("energy advances with the clock and the daily freeze happens at meter midnight", () => {
  const clock = new ManualClock(START);
  const meter = VirtualMeter.create("000000000007", clock, {
    historyDays: 3,
    clockOffsetMs: 0,
    clockDriftPpm: 0,
  });
  const before = read(meter, 0x00010000) as number;
  assert.equal(read(meter, 0x05060001), "2026-11-26 00:00");
  clock.advance(2 * 3_600_000);
  const after = read(meter, 0x00010000) as number;
  assert.ok(after > before, `${after} > ${before}`);
  assert.equal(read(meter, 0x05060001), "2026-11-27 00:00");
  assert.equal(read(meter, 0x05060002), "2026-11-26 00:00");
  const frozen = read(meter, 0x05060101) as number[];
  assert.ok((frozen[0] as number) > before && (frozen[0] as number) <= after);
});

test("time write needs the password and records a clock-set event; trip/close change the relay", () => {
  const clock = new ManualClock(START);
  const meter = VirtualMeter.create("000000000008", clock, { historyDays: 1 });
  const write = (password: { level: number; code: string }) =>
    decodeMessageBytes(
      meter.handleFrame(
        encodeMessage(
          message("2007", meter.address, "write", "request", {
            di: 0x04000102,
            password,
            operator: "00000001",
            data: Uint8Array.of(0x00, 0x30, 0x12),
          }),
        ),
      ) ?? new Uint8Array(0),
    );
  const denied = write({ level: 2, code: "123456" });
  assert.ok(denied.ok && denied.value.abnormal && denied.value.fields.error === 0x04);
  const accepted = write(PASSWORD);
  assert.ok(accepted.ok && !accepted.value.abnormal);
  assert.equal(read(meter, 0x04000102), "12:30:00");
  assert.equal(read(meter, 0x03300400), 1);

  const control = (command: number) =>
    meter.handleFrame(
      encodeMessage(
        message("2007", meter.address, "remote-control", "request", {
          password: PASSWORD,
          operator: "00000001",
          command,
          reserved: 0,
          deadline: "991230000000",
        }),
      ),
    );
  assert.ok(control(0x1a));
  assert.equal(meter.model.relayOpen, true);
  assert.equal(((read(meter, 0x040005ff) as number[])[2] as number) & 0x10, 0x10);
  assert.equal(read(meter, 0x1d000001), 1);
  const energy = read(meter, 0x00010000);
  clock.advance(3_600_000);
  assert.equal(read(meter, 0x00010000), energy, "no energy while tripped");
  assert.ok(control(0x1c));
  assert.equal(meter.model.relayOpen, false);
  assert.equal(read(meter, 0x1e000001), 1);
});

test("a 1997 meter answers 1997 reads and ignores 2007 frames", () => {
  const clock = new ManualClock(START);
  const meter = VirtualMeter.create("000000000009", clock, { edition: "1997", historyDays: 1 });
  assert.equal(meter.handleFrame(encodeMessage(readRequest("2007", meter.address, 0x00010000))), undefined);
  const reply = meter.handleFrame(encodeMessage(readRequest("1997", meter.address, 0x9010)));
  assert.ok(reply);
  const m = decodeMessageBytes(reply, "1997");
  assert.ok(m.ok && m.value.fields.di === 0x9010);
});
