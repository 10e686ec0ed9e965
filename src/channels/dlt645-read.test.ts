import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { toHex } from "../protocol/common/hex.ts";
import { decodeMessageBytes, encodeMessage, message } from "../protocol/dlt645/message.ts";
import { judgeReadAnswer, readFrame, readNextFrame } from "./dlt645-read.ts";
import type { MeterTarget } from "./meter-channel.ts";

const METER: MeterTarget = { address: "151230011061", edition: "2007", port: 31 };

function reply(
  fields: Record<string, unknown>,
  flags: { abnormal?: boolean; more?: boolean } = {},
  address = METER.address,
) {
  return encodeMessage(
    message("2007", address, flags.abnormal ? "read" : "read", "reply", fields as never, flags),
  );
}

test("read request: the S6 capture's DL/T 645 frame (no preamble) and with FE FE FE FE", () => {
  // shared/protocol/gw1376-1.md S6: 68 61 10 01 30 12 15 68 11 04 33 33 34 33 7B 16 reads 00 01 00 00.
  assert.equal(
    toHex(readFrame(METER, 0x00010000, undefined, {})),
    "68 61 10 01 30 12 15 68 11 04 33 33 34 33 7B 16",
  );
  assert.equal(toHex(readFrame(METER, 0x00010000, undefined).subarray(0, 5)), "FE FE FE FE 68");
  const withParams = decodeMessageBytes(readFrame(METER, 0x06000001, Uint8Array.of(1, 2), {}));
  assert.ok(withParams.ok);
  assert.deepEqual([...(withParams.value.fields.params as Uint8Array)], [1, 2]);
  const next = decodeMessageBytes(readNextFrame(METER, 0x03300101, 2, {}));
  assert.ok(next.ok);
  assert.equal(next.value.function, "read-next");
  assert.equal(next.value.fields.seq, 2);
});

test("judging answers: data, more, denial, other meter, other identifier, request frames, garbage", () => {
  // S7: the meter's answer, value 78 06 00 00.
  const s7 = Uint8Array.from([
    0x68, 0x61, 0x10, 0x01, 0x30, 0x12, 0x15, 0x68, 0x91, 0x08, 0x33, 0x33, 0x34, 0x33, 0xab, 0x39, 0x33,
    0x33, 0x49, 0x16,
  ]);
  assert.deepEqual(judgeReadAnswer(s7, METER.address, "2007", 0x00010000), {
    kind: "data",
    data: Uint8Array.of(0x78, 0x06, 0, 0),
    more: false,
  });
  const more = judgeReadAnswer(
    reply({ di: 0x00010000, data: Uint8Array.of(1) }, { more: true }),
    METER.address,
    "2007",
    0x00010000,
  );
  assert.equal(more.kind === "data" && more.more, true);
  const denied = judgeReadAnswer(
    reply({ error: 0x02 }, { abnormal: true }),
    METER.address,
    "2007",
    0x00010000,
  );
  assert.deepEqual(denied, { kind: "denied", detail: "error 0x02 (no requested data)" });
  const other = judgeReadAnswer(
    reply({ di: 0x00010000, data: Uint8Array.of(1) }, {}, "000000000002"),
    METER.address,
    "2007",
    0x00010000,
  );
  assert.equal(other.kind, "bad");
  // With wildcards any matching meter is the right one.
  const wild = judgeReadAnswer(
    reply({ di: 0x00010000, data: Uint8Array.of(1) }, {}, "000000000002"),
    "AAAAAAAAAA02",
    "2007",
    0x00010000,
  );
  assert.equal(wild.kind, "data");
  const otherDi = judgeReadAnswer(
    reply({ di: 0x00020000, data: Uint8Array.of(1) }),
    METER.address,
    "2007",
    0x00010000,
  );
  assert.match(otherDi.kind === "bad" ? otherDi.detail : "", /identifier 20000/);
  assert.equal(
    judgeReadAnswer(readFrame(METER, 0x00010000, undefined, {}), METER.address, "2007", 0x00010000).kind,
    "bad",
  );
  const flipped = Uint8Array.from(s7);
  flipped[18] = (flipped[18] as number) ^ 1;
  assert.equal(judgeReadAnswer(flipped, METER.address, "2007", 0x00010000).kind, "bad");
});

test("property: judging random bytes never throws and never yields data", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      assert.notEqual(judgeReadAnswer(bytes, METER.address, "2007", 0x00010000).kind, "data");
    }),
  );
});
