import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { ManualClock } from "../../common/clock.ts";
import { CapturingLogger } from "../../common/logger.ts";
import { fromHex, toHex } from "../../protocol/common/hex.ts";
import { decodeFrame } from "../../protocol/dlt645/frame.ts";
import type { DataItem } from "../../protocol/gw1376-1/data-units.ts";
import type { Record_ } from "../../protocol/gw1376-1/layout.ts";
import { decodeMessage, type Message, messageItems } from "../../protocol/gw1376-1/message.ts";
import { encodeMultiFrame } from "../../protocol/gw1376-1/multi-frame.ts";
import { PROFILE_2013 } from "../../protocol/gw1376-1/profile.ts";
import { VirtualMeter } from "../../sim/virtual-meter.ts";
import { Dispatcher, type HandlerReply } from "../dispatcher.ts";
import type { FieldAccess, ForwardRequest } from "../field-access.ts";
import { FORWARD_RESULT } from "../forwarded-read.ts";
import { TerminalCore } from "../terminal-core.ts";

const START = Date.UTC(2026, 10, 26, 2, 30);
const ADDRESS = "000000000001";

/** Forwards to virtual meters on port 2 (the first RS-485 port), as a reading engine would. */
class MeterField implements FieldAccess {
  readonly forwards: ForwardRequest[] = [];
  readonly meters: VirtualMeter[];
  constructor(meters: VirtualMeter[]) {
    this.meters = meters;
  }
  readCurrent(): Promise<DataItem | undefined> {
    return Promise.resolve(undefined);
  }
  forward(request: ForwardRequest): Promise<Uint8Array | undefined> {
    this.forwards.push(request);
    if (request.port !== 2) return Promise.resolve(undefined);
    for (const meter of this.meters) {
      const answer = meter.handleFrame(request.frame);
      if (answer !== undefined) return Promise.resolve(answer);
    }
    return Promise.resolve(undefined);
  }
}

let host: ManualClock;
let core: TerminalCore;
let dispatcher: Dispatcher;
let field: MeterField;

beforeEach(() => {
  host = new ManualClock(START);
  core = new TerminalCore({ dbPath: ":memory:", hostClock: host, utcOffsetMinutes: 480 });
  dispatcher = new Dispatcher(core, new CapturingLogger());
  field = new MeterField([
    VirtualMeter.create(ADDRESS, host),
    VirtualMeter.create("000000000097", host, { edition: "1997" }),
  ]);
});

afterEach(() => core.close());

function request(fn: number, data: Record_): Message {
  return {
    afn: 0x10,
    address: { area: "4403", terminal: 1, master: 1, group: false },
    groups: [{ pns: [0], fns: [fn], items: [{ pn: 0, fn, data }] }],
  } as unknown as Message;
}

/** The reply as the master would decode it from the wire (checks the answer encodes). */
function overTheWire(reply: HandlerReply): DataItem[] {
  assert.equal(reply.kind, "data");
  if (reply.kind !== "data") return [];
  const frames = encodeMultiFrame(
    {
      control: { dir: 1, prm: 0, fcbAcd: 0, fcv: 0, fc: 8 },
      address: { area: "4403", terminal: 1, master: 1, group: false },
      afn: 0x10,
      seq: { tpv: false, fir: true, fin: true, con: false, seq: 0 },
    },
    reply.items,
    PROFILE_2013,
  );
  assert.equal(frames.length, 1);
  const decoded = decodeMessage(frames[0] as Uint8Array, PROFILE_2013);
  assert.ok(decoded.ok);
  return messageItems(decoded.value);
}

/** A DL/T 645-2007 read of DI 00 01 00 00 (positive active energy total) to `address`, as a master sends it. */
const READ_ENERGY = "FE FE FE FE 68 01 00 00 00 00 00 68 11 04 33 33 34 33 B3 16";

describe("AFN10 F1 transparent forwarding", () => {
  const f1 = (frame: string, port = 2) => ({
    port,
    // 2400 baud, 8 data bits, even parity, 1 stop bit (6B); 60 s (BC); 100 ms (0A): SMP capture S6
    control: { dataBitsCode: 3, oddParity: 0, parityEnabled: 1, twoStopBits: 0, baudCode: 3 },
    frameTimeout: { value: 60, seconds: 1 },
    byteTimeout10ms: 10,
    frame,
  });

  it("is denied without a reading engine", async () => {
    const reply = await dispatcher.handle(request(1, f1(READ_ENERGY)));
    assert.equal(reply.kind, "deny");
  });

  it("sends the master's frame as is with its line settings and answers the meter's frame", async () => {
    dispatcher.field = field;
    const items = overTheWire(await dispatcher.handle(request(1, f1(READ_ENERGY))));
    const sent = field.forwards[0];
    assert.ok(sent);
    assert.equal(toHex(sent.frame), READ_ENERGY);
    assert.equal(sent.timeoutMs, 60_000);
    assert.equal(sent.byteTimeoutMs, 100);
    assert.deepEqual(sent.line, { baud: 2400, dataBits: 8, parity: "even", stopBits: 1 });
    const answer = fromHex(String(items[0]?.data.frame));
    assert.ok(answer);
    const frame = decodeFrame(answer);
    assert.ok(frame.ok);
    assert.equal(frame.value.address, ADDRESS);
    assert.equal(frame.value.control, 0x91);
    assert.equal(items[0]?.data.port, 2);
  });

  it("answers k' = 0 when nothing comes back", async () => {
    dispatcher.field = field;
    const items = overTheWire(await dispatcher.handle(request(1, f1(READ_ENERGY, 3))));
    assert.deepEqual(items[0]?.data, { port: 3, frame: "" });
  });
});

describe("AFN10 F9 forwarded meter read", () => {
  const f9 = (meter: string, protocol: number, dataId: string, relays: string[] = []) => ({
    port: 2,
    relays: relays.map((address) => ({ address })),
    meter,
    protocol,
    dataId,
  });

  it("builds the DL/T 645-2007 read and answers result 5 with the DI and unscrambled data", async () => {
    dispatcher.field = field;
    const items = overTheWire(await dispatcher.handle(request(9, f9(ADDRESS, 1, "00 00 01 00"))));
    const sent = field.forwards[0];
    assert.ok(sent);
    const frame = decodeFrame(sent.frame);
    assert.ok(frame.ok);
    assert.deepEqual(
      { address: frame.value.address, control: frame.value.control, di: toHex(frame.value.data) },
      { address: ADDRESS, control: 0x11, di: "00 00 01 00" },
    );
    const direct = decodeFrame(field.meters[0]?.handleFrame(sent.frame) ?? new Uint8Array(0));
    assert.ok(direct.ok);
    const item = items[0];
    assert.equal(item?.data.result, FORWARD_RESULT.data);
    assert.equal(item?.data.meter, ADDRESS);
    assert.equal(item?.data.data, toHex(direct.value.data), "DI + energy, +33H removed");
    assert.equal(String(item?.data.data).split(" ").length, 8);
  });

  it("reads a DL/T 645-1997 meter with its 2-byte DI", async () => {
    dispatcher.field = field;
    const items = overTheWire(await dispatcher.handle(request(9, f9("000000000097", 0, "10 90 00 00"))));
    const sent = decodeFrame(field.forwards[0]?.frame ?? new Uint8Array(0));
    assert.ok(sent.ok);
    assert.equal(sent.value.control, 0x01);
    assert.equal(toHex(sent.value.data), "10 90");
    assert.equal(items[0]?.data.result, FORWARD_RESULT.data);
    assert.match(
      String(items[0]?.data.data),
      /^10 90 00 00 [0-9A-F]{2} [0-9A-F]{2} [0-9A-F]{2} [0-9A-F]{2}$/,
    );
  });

  it("answers result 4 with the error byte for an identifier the meter refuses", async () => {
    dispatcher.field = field;
    const items = overTheWire(await dispatcher.handle(request(9, f9(ADDRESS, 1, "FF FF FF 7F"))));
    assert.equal(items[0]?.data.result, FORWARD_RESULT.denied);
    assert.equal(String(items[0]?.data.data).split(" ").length, 5);
  });

  it("answers result 1 with the DI when the meter stays silent, and passes relays on", async () => {
    dispatcher.field = field;
    const items = overTheWire(
      await dispatcher.handle(request(9, f9("000000000055", 1, "00 00 01 00", ["000000000007"]))),
    );
    assert.deepEqual(items[0]?.data, {
      port: 2,
      meter: "000000000055",
      result: FORWARD_RESULT.timeout,
      data: "00 00 01 00",
    });
    assert.deepEqual(field.forwards[0]?.relays, ["000000000007"]);
  });

  it("answers result 0 without a reading engine or for an unknown protocol flag", async () => {
    const none = overTheWire(await dispatcher.handle(request(9, f9(ADDRESS, 1, "00 00 01 00"))));
    assert.equal(none[0]?.data.result, FORWARD_RESULT.cannotForward);
    dispatcher.field = field;
    const bad = overTheWire(await dispatcher.handle(request(9, f9(ADDRESS, 7, "00 00 01 00"))));
    assert.equal(bad[0]?.data.result, FORWARD_RESULT.cannotForward);
    assert.equal(field.forwards.length, 0);
  });
});
