import assert from "node:assert/strict";
import { test } from "node:test";
import {
  baudFromF10Code,
  bitsPerByte,
  byteTimeMs,
  DLT645_DEFAULT_LINE,
  lineForMeter,
  lineFromF34,
} from "./line-settings.ts";
import { DEFAULT_RS485_TIMING, exchangeTimeouts, interFrameGapMs } from "./rs485-timing.ts";

test("byte time: 8E1 is 11 bits, 8N1 10 bits", () => {
  assert.equal(bitsPerByte(DLT645_DEFAULT_LINE), 11);
  assert.equal(byteTimeMs(DLT645_DEFAULT_LINE), 11000 / 2400);
  assert.equal(bitsPerByte({ baud: 9600, parity: "none", dataBits: 8, stopBits: 1 }), 10);
  assert.equal(bitsPerByte({ baud: 9600, parity: "odd", dataBits: 7, stopBits: 2 }), 11);
});

test("F10 baud codes: 0 = port default, 3 = 2400, 7 = 19200", () => {
  assert.equal(baudFromF10Code(0), undefined);
  assert.equal(baudFromF10Code(1), 600);
  assert.equal(baudFromF10Code(3), 2400);
  assert.equal(baudFromF10Code(7), 19200);
  assert.deepEqual(lineForMeter(DLT645_DEFAULT_LINE, undefined), DLT645_DEFAULT_LINE);
  assert.deepEqual(lineForMeter(DLT645_DEFAULT_LINE, 1200), { ...DLT645_DEFAULT_LINE, baud: 1200 });
});

test("F34 control word 6B = 2400 8E1 (vector S6); the explicit baud wins when plausible", () => {
  // 0x6B = 011 0 1 0 11: baud code 3, one stop bit, parity on, even, 8 data bits.
  const control = { baudCode: 3, twoStopBits: 0, parityEnabled: 1, oddParity: 0, dataBitsCode: 3 };
  assert.deepEqual(lineFromF34(control, 0), DLT645_DEFAULT_LINE);
  assert.deepEqual(lineFromF34(control, 9600), { ...DLT645_DEFAULT_LINE, baud: 9600 });
  assert.deepEqual(lineFromF34(control, 123), DLT645_DEFAULT_LINE);
  assert.deepEqual(
    lineFromF34({ baudCode: 2, twoStopBits: 1, parityEnabled: 1, oddParity: 1, dataBitsCode: 2 }, 0),
    {
      baud: 1200,
      parity: "odd",
      dataBits: 7,
      stopBits: 2,
    },
  );
  assert.equal(lineFromF34({ ...control, parityEnabled: 0 }, 0).parity, "none");
});

test("timeouts and the gap scale with byte time: a slower line gets more patience", () => {
  const slow = { ...DLT645_DEFAULT_LINE, baud: 1200 };
  const fast = { ...DLT645_DEFAULT_LINE, baud: 19200 };
  const t = DEFAULT_RS485_TIMING;
  const s = exchangeTimeouts(slow, t);
  const f = exchangeTimeouts(fast, t);
  assert.equal(s.responseMs, t.responseBaseMs + t.responseByteTimes * byteTimeMs(slow));
  assert.ok(s.responseMs > f.responseMs);
  // 20 byte times at 1200 baud (183 ms) exceed the 100 ms floor; at 19200 the floor holds.
  assert.equal(s.interByteMs, 20 * byteTimeMs(slow));
  assert.equal(f.interByteMs, t.interByteFloorMs);
  assert.ok(s.maxAnswerMs > 2 * 271 * byteTimeMs(slow));
  // After silence or garbage the line's state is unknown: the scaled gap.
  assert.equal(interFrameGapMs(slow, t, false), byteTimeMs(slow));
  assert.equal(interFrameGapMs(fast, t, false), t.gapFloorMs);
  // After a complete answer the next request goes out at once (the FE preamble is the guard), unless configured.
  assert.equal(interFrameGapMs(slow, t, true), 0);
  assert.equal(interFrameGapMs(slow, { ...t, gapAfterAnswerMs: 12 }, true), 12);
});
