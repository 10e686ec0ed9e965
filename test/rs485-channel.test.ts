/**
 * The RS-485 channel against virtual meters on a simulated bus over in-memory pipes (real time, host
 * clock): reads, priorities, retries and every fault the bus can produce. No assertion depends on speed.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { MeterTarget } from "../src/channels/meter-channel.ts";
import { Rs485Channel, type Rs485ChannelOptions } from "../src/channels/rs485/rs485-channel.ts";
import { ManualClock, SystemClock } from "../src/common/clock.ts";
import { decodeDiData } from "../src/protocol/dlt645/data.ts";
import { EVENT_IDENTIFIERS } from "../src/protocol/dlt645/di-table.ts";
import { decodeMessageBytes, encodeMessage, readRequest } from "../src/protocol/dlt645/message.ts";
import type { ByteStream } from "../src/transport/byte-stream.ts";
import { makeMeters, meterAddress, type PipeField, pipeField } from "./support/rs485-fixture.ts";

const METER_TIME = Date.UTC(2026, 10, 26, 10, 0, 0);
const DI_ENERGY = 0x00010000;
/** Short timeouts keep failing cases quick; generous against a busy machine all the same. */
const TIMING = { responseBaseMs: 250, interByteFloorMs: 100, reopenInitialMs: 20, reopenMaxMs: 40 };

function target(n: number, extra: Partial<MeterTarget> = {}): MeterTarget {
  return { address: meterAddress(n), edition: "2007", port: 2, ...extra };
}

function channel(field: PipeField, options: Partial<Rs485ChannelOptions> = {}): Rs485Channel {
  return new Rs485Channel({
    port: 2,
    open: field.open,
    clock: new SystemClock(),
    timing: TIMING,
    ...options,
  });
}

function energyOf(data: Uint8Array): unknown {
  const decoded = decodeDiData("2007", DI_ENERGY, data);
  assert.ok(decoded.ok);
  return decoded.value.value;
}

test("reads each meter's own value; counts useful bytes both ways", async () => {
  const meters = makeMeters(3, new ManualClock(METER_TIME));
  const field = pipeField(meters, { baud: 9600 });
  const ch = channel(field);
  try {
    for (const [i, meter] of meters.entries()) {
      const r = await ch.read({ meter: target(i + 1), di: DI_ENERGY, priority: "scheduled" });
      assert.ok(r.ok, JSON.stringify(r));
      assert.equal(energyOf(r.data), meter.model.energies().positiveActive[0]);
    }
    const stats = ch.stats();
    assert.equal(stats.requests, 3);
    assert.equal(stats.answered, 3);
    assert.equal(stats.failed, 0);
    // Request: 4 FE + 16-byte frame; answer: 4 FE + 20-byte frame.
    assert.equal(stats.bytesOut, 3 * 20);
    assert.equal(stats.bytesIn, 3 * 24);
    assert.ok(stats.busyMs > 0);
    assert.equal(ch.counters.portOpens, 1);
  } finally {
    await ch.close();
  }
});

test("live requests overtake queued scheduled and supplementary work", async () => {
  const meters = makeMeters(2, new ManualClock(METER_TIME));
  const ch = channel(pipeField(meters, { baud: 9600 }));
  const order: string[] = [];
  const read = (name: string, priority: "live" | "scheduled" | "supplementary") =>
    ch.read({ meter: target(1), di: DI_ENERGY, priority }).then((r) => {
      assert.ok(r.ok);
      order.push(name);
    });
  try {
    // The first request goes to the wire at once; the others queue behind it.
    const all = [
      read("s1", "supplementary"),
      read("s2", "supplementary"),
      read("c1", "scheduled"),
      read("l1", "live"),
      read("c2", "scheduled"),
      read("l2", "live"),
    ];
    await Promise.all(all);
    assert.deepEqual(order, ["s1", "l1", "l2", "c1", "c2", "s2"]);
  } finally {
    await ch.close();
  }
});

test("a dead meter: no answer after every retry is a timeout; the next meter still reads", async () => {
  const meters = makeMeters(2, new ManualClock(METER_TIME));
  (meters[0] as (typeof meters)[0]).faults = { noAnswer: 1 };
  const ch = channel(pipeField(meters), { timing: { ...TIMING, retries: 2 } });
  try {
    const r = await ch.read({ meter: target(1), di: DI_ENERGY, priority: "scheduled" });
    assert.equal(r.ok, false);
    assert.equal(r.ok ? "" : r.reason, "timeout");
    assert.equal(ch.counters.attempts, 3);
    assert.equal(ch.counters.retries, 2);
    assert.equal(ch.counters.timeouts, 3);
    const ok = await ch.read({ meter: target(2), di: DI_ENERGY, priority: "scheduled" });
    assert.ok(ok.ok);
    assert.equal(ch.stats().failed, 1);
  } finally {
    await ch.close();
  }
});

test("garbage (corrupted answers) and a wrong address are bad answers, retried then given up", async () => {
  const meters = makeMeters(2, new ManualClock(METER_TIME));
  (meters[0] as (typeof meters)[0]).faults = { corruptByte: 1 };
  (meters[1] as (typeof meters)[0]).faults = { wrongAddress: "000000000077" };
  const ch = channel(pipeField(meters), { timing: { ...TIMING, retries: 1 } });
  try {
    const garbled = await ch.read({ meter: target(1), di: DI_ENERGY, priority: "scheduled" });
    assert.equal(garbled.ok ? "" : garbled.reason, "bad-answer");
    assert.equal(ch.counters.garbage, 2);
    const wrong = await ch.read({ meter: target(2), di: DI_ENERGY, priority: "scheduled" });
    assert.equal(wrong.ok ? "" : wrong.reason, "bad-answer");
    assert.match(wrong.ok ? "" : (wrong.detail ?? ""), /answer from 000000000077/);
    assert.equal(ch.counters.wrongAnswers, 2);
  } finally {
    await ch.close();
  }
});

test("a collision (two meters with one address) is garbage, not a value", async () => {
  const clock = new ManualClock(METER_TIME);
  const meters = [...makeMeters(1, clock), ...makeMeters(1, clock, { seed: 99 })];
  const ch = channel(pipeField(meters), { timing: { ...TIMING, retries: 0 } });
  try {
    const r = await ch.read({ meter: target(1), di: DI_ENERGY, priority: "scheduled" });
    assert.equal(r.ok ? "" : r.reason, "bad-answer");
    assert.equal(ch.counters.garbage, 1);
  } finally {
    await ch.close();
  }
});

test("echo tolerance: a half-duplex adapter's echo is skipped and not counted as meter traffic", async () => {
  const meters = makeMeters(1, new ManualClock(METER_TIME));
  const ch = channel(pipeField(meters, { baud: 9600, echo: true }));
  try {
    const r = await ch.read({ meter: target(1), di: DI_ENERGY, priority: "scheduled" });
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(energyOf(r.data), meters[0]?.model.energies().positiveActive[0]);
    assert.equal(ch.counters.echoes, 1);
    assert.equal(ch.stats().bytesIn, 24);
  } finally {
    await ch.close();
  }
});

test("an abnormal reply is a denial, not retried", async () => {
  const meters = makeMeters(1, new ManualClock(METER_TIME));
  const ch = channel(pipeField(meters));
  try {
    const r = await ch.read({ meter: target(1), di: 0x0e0e0e0e, priority: "scheduled" });
    assert.equal(r.ok ? "" : r.reason, "denied");
    assert.match(r.ok ? "" : (r.detail ?? ""), /no requested data/);
    assert.equal(ch.counters.attempts, 1);
  } finally {
    await ch.close();
  }
});

test("a long answer is followed through its subsequent frames (D5) and joined", async () => {
  const meters = makeMeters(1, new ManualClock(METER_TIME));
  const meter = meters[0] as (typeof meters)[0];
  meter.model.clearDemand(0x12345678);
  const di = EVENT_IDENTIFIERS["maximum demand clear"]?.first ?? 0;
  const expected = meter.valueOf(di);
  const ch = channel(pipeField(meters));
  try {
    const r = await ch.read({ meter: target(1), di, priority: "scheduled" });
    assert.ok(r.ok, JSON.stringify(r));
    assert.ok(r.data.length > 200, `only ${r.data.length} bytes`);
    assert.equal(ch.counters.attempts, 2);
    const decoded = decodeDiData("2007", di, r.data);
    assert.ok(decoded.ok);
    assert.deepEqual(decoded.value.value, expected);
  } finally {
    await ch.close();
  }
});

test("deadlines: already passed → expired; passing while queued behind a dead meter → expired", async () => {
  const meters = makeMeters(2, new ManualClock(METER_TIME));
  (meters[0] as (typeof meters)[0]).faults = { noAnswer: 1 };
  const ch = channel(pipeField(meters), { timing: { ...TIMING, retries: 2 } });
  try {
    const past = await ch.read({
      meter: target(2),
      di: DI_ENERGY,
      priority: "live",
      deadline: Date.now() - 1,
    });
    assert.equal(past.ok ? "" : past.reason, "expired");
    const slow = ch.read({ meter: target(1), di: DI_ENERGY, priority: "scheduled" });
    const queued = ch.read({
      meter: target(2),
      di: DI_ENERGY,
      priority: "scheduled",
      deadline: Date.now() + 100,
    });
    const r = await queued;
    assert.equal(r.ok ? "" : r.reason, "expired");
    assert.equal((await slow).ok, false);
    assert.equal(ch.counters.expired, 2);
  } finally {
    await ch.close();
  }
});

test("pause (F49) refuses reading work but serves live requests; resume (F50) reads again", async () => {
  const meters = makeMeters(1, new ManualClock(METER_TIME));
  const ch = channel(pipeField(meters));
  try {
    ch.pause();
    assert.equal(ch.paused, true);
    const refused = await ch.read({ meter: target(1), di: DI_ENERGY, priority: "scheduled" });
    assert.equal(refused.ok ? "" : refused.reason, "unavailable");
    const live = await ch.read({ meter: target(1), di: DI_ENERGY, priority: "live" });
    assert.ok(live.ok);
    const answer = await ch.forward(
      target(1),
      encodeMessage(readRequest("2007", meterAddress(1), DI_ENERGY)),
      1000,
    );
    assert.ok(answer);
    const m = decodeMessageBytes(answer);
    assert.ok(m.ok && m.value.address === meterAddress(1) && m.value.direction === "reply");
    ch.resume();
    assert.ok((await ch.read({ meter: target(1), di: DI_ENERGY, priority: "scheduled" })).ok);
  } finally {
    await ch.close();
  }
});

test("pause drops queued reading work at once", async () => {
  const meters = makeMeters(1, new ManualClock(METER_TIME));
  const ch = channel(pipeField(meters));
  try {
    const first = ch.read({ meter: target(1), di: DI_ENERGY, priority: "scheduled" });
    const queued = ch.read({ meter: target(1), di: DI_ENERGY, priority: "supplementary" });
    ch.pause();
    const r = await queued;
    assert.equal(r.ok ? "" : r.detail, "port paused");
    // The exchange already on the wire completes.
    assert.ok((await first).ok);
  } finally {
    await ch.close();
  }
});

test("a full queue refuses the least urgent work and counts it", async () => {
  const meters = makeMeters(1, new ManualClock(METER_TIME));
  const ch = channel(pipeField(meters), { queueCapacity: 2 });
  try {
    const reads = [1, 2, 3, 4].map(() =>
      ch.read({ meter: target(1), di: DI_ENERGY, priority: "supplementary" }),
    );
    const live = ch.read({ meter: target(1), di: DI_ENERGY, priority: "live" });
    const results = await Promise.all([...reads, live]);
    // The first went to the wire; two queued; the fourth was refused; the live one displaced a queued one.
    assert.deepEqual(
      results.map((r) => (r.ok ? "ok" : r.detail)),
      ["ok", "ok", "queue full: displaced by a more urgent request", "queue full", "ok"],
    );
    assert.equal(ch.counters.queueDropped, 2);
  } finally {
    await ch.close();
  }
});

test("port errors: a closed line is re-opened; a failing open backs off and reports unavailable", async () => {
  const meters = makeMeters(1, new ManualClock(METER_TIME));
  const field = pipeField(meters);
  // The host clock with a settable offset: the back-off is passed by moving time, not by sleeping.
  const clock = new SystemClock();
  const ch = channel(field, { clock, timing: { ...TIMING, reopenInitialMs: 60_000, reopenMaxMs: 120_000 } });
  try {
    assert.ok((await ch.read({ meter: target(1), di: DI_ENERGY, priority: "scheduled" })).ok);
    await field.meterEnd()?.close();
    assert.ok((await ch.read({ meter: target(1), di: DI_ENERGY, priority: "scheduled" })).ok);
    assert.equal(ch.counters.portOpens, 2);

    await field.meterEnd()?.close();
    field.failOpens(1);
    const down = await ch.read({ meter: target(1), di: DI_ENERGY, priority: "scheduled" });
    assert.equal(down.ok ? "" : down.reason, "unavailable");
    assert.match(down.ok ? "" : (down.detail ?? ""), /adapter unplugged/);
    // Within the back-off the port is not retried.
    const soon = await ch.read({ meter: target(1), di: DI_ENERGY, priority: "scheduled" });
    assert.match(soon.ok ? "" : (soon.detail ?? ""), /re-open in/);
    assert.equal(field.opened.length, 2);
    clock.offsetMs += 61_000;
    assert.ok((await ch.read({ meter: target(1), di: DI_ENERGY, priority: "scheduled" })).ok);
    assert.equal(ch.counters.portOpens, 3);
  } finally {
    await ch.close();
  }
});

test("a meter's own rate (F10) re-opens the line at that rate, then back to the port default", async () => {
  const meters = makeMeters(2, new ManualClock(METER_TIME));
  const field = pipeField(meters);
  const ch = channel(field);
  try {
    assert.ok((await ch.read({ meter: target(1, { baud: 1200 }), di: DI_ENERGY, priority: "scheduled" })).ok);
    assert.ok((await ch.read({ meter: target(1, { baud: 1200 }), di: DI_ENERGY, priority: "scheduled" })).ok);
    assert.ok((await ch.read({ meter: target(2), di: DI_ENERGY, priority: "scheduled" })).ok);
    ch.configure({ baud: 4800, parity: "none", dataBits: 8, stopBits: 1 });
    assert.ok((await ch.read({ meter: target(2), di: DI_ENERGY, priority: "scheduled" })).ok);
    assert.deepEqual(
      field.opened.map((l) => `${l.baud}${l.parity[0]}`),
      ["1200e", "2400e", "4800n"],
    );
  } finally {
    await ch.close();
  }
});

test("broadcast reaches every meter without an answer; close settles queued work", async () => {
  const clock = new ManualClock(METER_TIME);
  const meters = makeMeters(3, clock);
  const field = pipeField(meters);
  const ch = channel(field);
  await ch.broadcast(encodeMessage(readRequest("2007", "999999999999", DI_ENERGY)));
  await field.bus.idle();
  assert.deepEqual(
    meters.map((m) => m.stats.broadcasts),
    [1, 1, 1],
  );
  const pending = [1, 2].map(() => ch.read({ meter: target(1), di: DI_ENERGY, priority: "scheduled" }));
  await ch.close();
  const results = await Promise.all(pending);
  assert.ok(results.every((r) => r.ok || r.reason === "unavailable"));
  const after = await ch.read({ meter: target(1), di: DI_ENERGY, priority: "live" });
  assert.equal(after.ok ? "" : after.detail, "channel closed");
});

/** A port the test answers by hand, on a ManualClock: every write is recorded with the clock's time. */
function scriptedPort(clock: ManualClock) {
  const writes: { at: number; bytes: Uint8Array }[] = [];
  const listeners = new Set<(chunk: Uint8Array) => void>();
  let open = true;
  let markClosed = (): void => undefined;
  const closed = new Promise<void>((resolve) => {
    markClosed = resolve;
  });
  const stream: ByteStream = {
    label: "scripted",
    get isOpen() {
      return open;
    },
    closed,
    write: async (bytes) => {
      writes.push({ at: clock.now(), bytes: Uint8Array.from(bytes) });
    },
    onData: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: async () => {
      open = false;
      markClosed();
    },
  };
  const answer = (bytes: Uint8Array): void => {
    for (const listener of [...listeners]) listener(bytes);
  };
  return { stream, writes, answer };
}

/** Lets promise chains and the channel's setImmediate hops run (no clock time passes). */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

test("after a complete answer the next request goes out at once; after silence the gap is kept", async () => {
  const clock = new ManualClock(METER_TIME);
  const [meter] = makeMeters(1, clock);
  assert.ok(meter !== undefined);
  const port = scriptedPort(clock);
  const ch = new Rs485Channel({
    port: 2,
    open: async () => port.stream,
    clock,
    timing: { retries: 0, gapFloorMs: 7, gapByteTimes: 0 },
  });
  const reply = (n: number): Uint8Array => {
    // The request as written: 4 FE, then the frame the meter answers (with its own FE preamble).
    const answer = meter.handleFrame((port.writes[n] as { bytes: Uint8Array }).bytes.subarray(4));
    assert.ok(answer !== undefined, "the meter answers the request");
    return answer;
  };
  try {
    const read = (n: number) => ch.read({ meter: target(n), di: DI_ENERGY, priority: "scheduled" });
    const results = [read(1), read(1), read(2), read(1)];
    await settle();
    assert.equal(port.writes.length, 1);
    // Answer in two pieces: nothing goes out until the end byte (16) has arrived.
    const first = reply(0);
    port.answer(first.subarray(0, first.length - 1));
    await settle();
    assert.equal(port.writes.length, 1);
    port.answer(first.subarray(first.length - 1));
    await settle();
    assert.equal(port.writes.length, 2, "the second request follows the answer without waiting for a timer");
    assert.equal(port.writes[1]?.at, port.writes[0]?.at);
    port.answer(reply(1));
    await settle();
    assert.equal(port.writes.length, 3);
    // Meter 2 is silent: the response timeout ends the exchange, then the gap (7 ms) is kept.
    clock.advance(600);
    await settle();
    const silentAt = clock.now();
    assert.equal(port.writes.length, 3);
    clock.advance(6);
    await settle();
    assert.equal(port.writes.length, 3, "no request inside the gap after a silence");
    clock.advance(1);
    await settle();
    assert.equal(port.writes.length, 4);
    assert.equal((port.writes[3]?.at ?? 0) - silentAt, 7);
    port.answer(reply(3));
    const [a, b, c, d] = await Promise.all(results);
    assert.deepEqual([a?.ok, b?.ok, c?.ok ? "ok" : c?.reason, d?.ok], [true, true, "timeout", true]);
  } finally {
    // A failed assertion can leave the channel waiting on a timer of the manual clock: let them all run.
    const closing = ch.close();
    for (let i = 0; i < 20; i++) {
      clock.advance(1000);
      await settle();
    }
    await closing;
  }
});
