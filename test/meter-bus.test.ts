import assert from "node:assert/strict";
import { test } from "node:test";
import { ManualClock } from "../src/common/clock.ts";
import { decodeDiData } from "../src/protocol/dlt645/data.ts";
import { decodeMessageBytes, encodeMessage, message, readRequest } from "../src/protocol/dlt645/message.ts";
import { MeterBus } from "../src/sim/meter-bus.ts";
import { exchange, request } from "../src/sim/meter-reader.ts";
import { VirtualMeter } from "../src/sim/virtual-meter.ts";
import { createPipe, lineTimeMs } from "../src/transport/pipe.ts";

const START = Date.UTC(2026, 10, 26, 10, 0, 0);

function bus(count: number, clock: ManualClock): { bus: MeterBus; meters: VirtualMeter[] } {
  const meters = Array.from({ length: count }, (_, i) =>
    VirtualMeter.create(String(i + 1).padStart(12, "0"), clock, { historyDays: 70 }),
  );
  return { bus: new MeterBus(meters), meters };
}

test("several meters on one line: only the addressed meter answers, with its own energy", async () => {
  const clock = new ManualClock(START);
  const { bus: b, meters } = bus(4, clock);
  const [master, line] = createPipe();
  b.attach(line);
  try {
    for (const meter of meters) {
      const reply = await request(master, readRequest("2007", meter.address, 0x00010000), 500);
      assert.ok(reply, `no answer from ${meter.address}`);
      assert.equal(reply.address, meter.address);
      const data = reply.fields.data;
      assert.ok(data instanceof Uint8Array);
      const reading = decodeDiData("2007", 0x00010000, data);
      assert.ok(reading.ok);
      assert.equal(reading.value.value, meter.model.energies().positiveActive[0]);
    }
    const silent = await request(master, readRequest("2007", "000000000099", 0x00010000), 100);
    assert.equal(silent, undefined);
    assert.equal(b.stats.answers, 4);
  } finally {
    await master.close();
  }
});

test("broadcast time sync reaches every meter and gets no answer; large corrections are refused", async () => {
  const clock = new ManualClock(START);
  const { bus: b, meters } = bus(3, clock);
  const [master, line] = createPipe();
  b.attach(line);
  try {
    // Meter clocks start up to ±60 s off; send the true time (UTC wall, utcOffsetMinutes = 0).
    const result = await exchange(
      master,
      encodeMessage(message("2007", "999999999999", "broadcast-time", "request", { time: "261126100000" })),
      150,
      false,
    );
    assert.equal(result.frames.length, 0);
    await b.idle();
    for (const meter of meters) {
      const w = meter.model.wallNow();
      assert.deepEqual([w.hour, w.minute, w.second], [10, 0, 0], meter.address);
      assert.equal(meter.stats.broadcasts, 1);
    }
    clock.advance(86_400_000);
    // An hour off is beyond the ±5 min broadcast window: refused.
    await exchange(
      master,
      encodeMessage(message("2007", "999999999999", "broadcast-time", "request", { time: "261127110000" })),
      50,
      false,
    );
    await b.idle();
    assert.equal((meters[0] as VirtualMeter).model.wallNow().hour, 10);
  } finally {
    await master.close();
  }
});

test("wildcard address: every matching meter answers at once and the replies collide", async () => {
  const clock = new ManualClock(START);
  const { bus: b } = bus(3, clock);
  const [master, line] = createPipe();
  b.attach(line);
  try {
    const result = await exchange(
      master,
      encodeMessage(readRequest("2007", "AAAAAAAAAAAA", 0x00010000)),
      150,
      false,
    );
    assert.equal(b.stats.collisions, 1);
    assert.equal(result.frames.length, 0, "garbled bytes must not form a valid frame");
    assert.ok(result.discarded > 0);
    // A wildcard that matches one meter only is answered cleanly (address discovery).
    const one = await request(master, message("2007", "AAAAAAAAAAAA", "read-address", "request", {}), 150);
    assert.equal(one, undefined, "three meters answer the read-address too: collision");
    const single = new MeterBus([VirtualMeter.create("000000000042", clock, { historyDays: 1 })]);
    const [m2, l2] = createPipe();
    single.attach(l2);
    const addr = await request(m2, message("2007", "AAAAAAAAAAAA", "read-address", "request", {}), 150);
    assert.equal(addr?.fields.address, "000000000042");
    await m2.close();
  } finally {
    await master.close();
  }
});

test("faults: no answer, abnormal reply, corrupted byte, wrong address, late answer", async () => {
  const clock = new ManualClock(START);
  const { bus: b, meters } = bus(5, clock);
  const [m1, m2, m3, m4, m5] = meters as [
    VirtualMeter,
    VirtualMeter,
    VirtualMeter,
    VirtualMeter,
    VirtualMeter,
  ];
  m1.faults = { noAnswer: 1 };
  m2.faults = { abnormal: 0x04 };
  m3.faults = { corruptByte: 1 };
  m4.faults = { wrongAddress: "999999999998" };
  m5.faults = { replyDelayMs: 120 };
  const [master, line] = createPipe();
  b.attach(line);
  try {
    assert.equal(await request(master, readRequest("2007", m1.address, 0x00010000), 100), undefined);
    const abnormal = await request(master, readRequest("2007", m2.address, 0x00010000), 200);
    assert.equal(abnormal?.abnormal, true);
    assert.equal(abnormal?.fields.error, 0x04);
    const corrupted = await exchange(
      master,
      encodeMessage(readRequest("2007", m3.address, 0x00010000)),
      100,
      false,
    );
    assert.equal(corrupted.frames.filter((f) => decodeMessageBytes(f).ok).length, 0);
    const wrong = await request(master, readRequest("2007", m4.address, 0x00010000), 200);
    assert.equal(wrong?.address, "999999999998");
    const late = await exchange(master, encodeMessage(readRequest("2007", m5.address, 0x00010000)), 1000);
    assert.equal(late.frames.length, 1);
    assert.ok(late.elapsedMs >= 110, `late answer after ${late.elapsedMs} ms`);
  } finally {
    await master.close();
  }
});

test("paced 2400-baud pipe delivers no faster than the line's byte time", async () => {
  const clock = new ManualClock(START);
  const { bus: b, meters } = bus(1, clock);
  const [master, line] = createPipe({ baud: 2400, turnaroundMs: 20 });
  b.attach(line);
  try {
    const req = encodeMessage(readRequest("2007", (meters[0] as VirtualMeter).address, 0x00010000));
    const result = await exchange(master, req, 1000);
    assert.equal(result.frames.length, 1);
    const replyBytes = 4 + 12 + 8;
    const minimum = lineTimeMs(req.length + replyBytes, 2400) + 40;
    assert.ok(result.elapsedMs >= minimum - 2, `${result.elapsedMs} ms < ${minimum} ms`);
    assert.ok(result.elapsedMs < minimum * 2 + 50, `${result.elapsedMs} ms is too slow`);
  } finally {
    await master.close();
  }
});
