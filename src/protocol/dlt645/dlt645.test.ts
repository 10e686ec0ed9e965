import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { fromHex, toHex } from "../common/hex.ts";
import { decodeDiData, encodeDiData } from "./data.ts";
import { DLT645_DETECTOR } from "./detector.ts";
import { DI_ROWS_1997, DI_ROWS_2007, type DiRow, findDi, rowLength } from "./di-table.ts";
import type { DataFormat, DataValue } from "./formats.ts";
import { decodeFrame, encodeFrame } from "./frame.ts";
import { baudFromWord, describeErrorBits } from "./functions.ts";
import { type Dlt645Message, decodeMessageBytes, encodeMessage, message, readRequest } from "./message.ts";
import { splitFrames } from "./splitter.ts";

function hex(text: string): Uint8Array {
  const bytes = fromHex(text);
  assert.ok(bytes, `bad hex in test: ${text}`);
  return bytes;
}

// --- golden vectors ----------------------------------------------------------------------------------------

test("real capture: AFN10 F1 relayed read of 00 01 00 00 and its answer (shared/vectors/gw1376-1.txt S6/S7)", () => {
  const req = decodeMessageBytes(
    hex(
      "68" + // start
        "61 10 01 30 12 15" + // address 151230011061, LSB first
        "68" + // start 2
        "11" + // C: request, read data
        "04" + // L
        "33 33 34 33" + // DI 00 01 00 00 (+33H each, DI0 first)
        "7B" + // CS
        "16", // end
    ),
  );
  assert.ok(req.ok);
  assert.equal(req.value.address, "151230011061");
  assert.equal(req.value.function, "read");
  assert.equal(req.value.fields.di, 0x00010000);

  const bytes = hex("68 61 10 01 30 12 15 68 91 08 33 33 34 33 AB 39 33 33 49 16");
  const reply = decodeMessageBytes(bytes);
  assert.ok(reply.ok);
  assert.equal(reply.value.direction, "reply");
  const data = reply.value.fields.data;
  assert.ok(data instanceof Uint8Array);
  assert.equal(toHex(data), "78 06 00 00"); // 000006.78 kWh after −33H
  const reading = decodeDiData("2007", 0x00010000, data);
  assert.ok(reading.ok);
  assert.equal(reading.value.value, 6.78);
  assert.equal(reading.value.unit, "kWh");
  assert.equal(toHex(encodeMessage(reply.value)), toHex(bytes));
});

test("real capture: remote trip (C=1C) with password, operator and deadline, and the 9C answer", () => {
  const bytes = hex(
    "68 61 10 01 30 12 15 68" + // start, address 151230011061, start 2
      "1C 10" + // C: remote control, L = 16
      "35 6A 39 35" + // PA=02, P0..P2 = 37 06 02 → password 020637
      "34 33 33 33" + // operator C0..C3 = 01 00 00 00
      "4D 33" + // N1 = 1A trip, N2 = 00
      "33 33 33 63 45 CC" + // N3..N8 = ss mm hh DD MM YY = 00 00 00 30 12 99
      "2C 16", // CS, end
  );
  const trip = decodeMessageBytes(bytes);
  assert.ok(trip.ok);
  assert.deepEqual(trip.value.fields.password, { level: 2, code: "020637" });
  assert.equal(trip.value.fields.operator, "00000001");
  assert.equal(trip.value.fields.command, 0x1a);
  assert.equal(trip.value.fields.deadline, "991230000000");
  assert.equal(toHex(encodeMessage(trip.value)), toHex(bytes));
  const ack = decodeMessageBytes(hex("68 61 10 01 30 12 15 68 9C 00 35 16"));
  assert.ok(ack.ok);
  assert.equal(ack.value.function, "remote-control");
  assert.deepEqual(ack.value.fields, {});
});

test("hand-checked vectors: broadcast time, read address, abnormal reply, 1997 read", () => {
  const cases: [string, string, (m: Dlt645Message) => void][] = [
    [
      "broadcast time 2026-11-26 10:52:30",
      // 68, address 99×6, 68, C=08, L=06, data ss mm hh DD MM YY = 30 52 10 26 11 26 (+33H), CS = 695H mod 256 = 95, 16
      "FE FE FE FE 68 99 99 99 99 99 99 68 08 06 63 85 43 59 44 59 95 16",
      (m) => {
        assert.equal(m.function, "broadcast-time");
        assert.equal(m.fields.time, "261126105230");
      },
    ],
    [
      "read address request to AAAAAAAAAAAA",
      // 68, AA×6, 68, C=13, L=00, CS = (68×2 + AA×6 + 13) mod 256 = DF, 16
      "68 AA AA AA AA AA AA 68 13 00 DF 16",
      (m) => {
        assert.equal(m.address, "AAAAAAAAAAAA");
        assert.equal(m.function, "read-address");
      },
    ],
    [
      "abnormal read reply, error 02 = no requested data",
      // 68, address 000000000001, 68, C=D1, L=01, ERR 02+33=35, CS = 1D8H → D8, 16
      "68 01 00 00 00 00 00 68 D1 01 35 D8 16",
      (m) => {
        assert.equal(m.abnormal, true);
        assert.equal(m.fields.error, 2);
        assert.deepEqual(describeErrorBits("2007", 2), ["no requested data"]);
      },
    ],
    [
      "1997 read of 90 10",
      // 68, address 000000000001, 68, C=01, L=02, DI 10 90 (+33H → 43 C3), CS = 1DAH → DA, 16
      "68 01 00 00 00 00 00 68 01 02 43 C3 DA 16",
      (m) => {
        assert.equal(m.edition, "1997");
        assert.equal(m.fields.di, 0x9010);
      },
    ],
  ];
  for (const [name, text, check] of cases) {
    const bytes = hex(text);
    const decoded = decodeMessageBytes(bytes);
    assert.ok(decoded.ok, `${name}: ${decoded.ok ? "" : decoded.error.message}`);
    check(decoded.value);
    const preamble = bytes[0] === 0xfe ? Uint8Array.of(0xfe, 0xfe, 0xfe, 0xfe) : undefined;
    const again = encodeMessage(decoded.value, preamble === undefined ? {} : { preamble });
    assert.equal(toHex(again), toHex(bytes), name);
  }
});

test("DI values: hand-checked data fields decode to engineering units", () => {
  const cases: [number, string, DataValue][] = [
    [0x02010100, "91 21", 219.1], // XXX.X V: 2191 LSB first
    [0x02020100, "35 02 80", -0.235], // XXX.XXX A with sign bit: 80 02 35 → −000.235
    [0x04000101, "04 26 11 26", "2026-11-26 w04"], // WW DD MM YY
    [0x04000102, "30 52 10", "10:52:30"], // ss mm hh
    [0x05060001, "00 00 26 11 26", "2026-11-26 00:00"], // mm hh DD MM YY
    [0x0001ff00, "00 00 01 00 00 00 01 00", [100, 100]], // total, tariff 1: 00010000 → 100.00 kWh
  ];
  for (const [di, data, value] of cases) {
    const decoded = decodeDiData("2007", di, hex(data));
    assert.ok(decoded.ok, decoded.ok ? "" : decoded.error.message);
    assert.deepEqual(decoded.value.value, value);
    const row = findDi("2007", di);
    assert.ok(row);
    assert.equal(toHex(encodeDiData(row, value)), data);
  }
});

test("DI table rows: record lengths checked against public firmware tables", () => {
  const lengths: [number, number][] = [
    [0x03300d01, 60],
    [0x03300e01, 60],
    [0x1d000101, 34],
    [0x1e000101, 34],
    [0x03110001, 12],
    [0x03300401, 16],
    [0x03300101, 106],
    [0x03300201, 202],
    [0x03300301, 14],
    [0x03300001, 50],
    [0x00010000, 4],
    [0x01010000, 8],
    [0x040005ff, 14],
  ];
  for (const [di, n] of lengths) assert.equal(rowLength(findDi("2007", di) as DiRow), n, di.toString(16));
  assert.ok(findDi("2007", 0x0506003e));
  assert.equal(findDi("2007", 0x0506003f), undefined);
  assert.equal(baudFromWord(0x08), 2400);
  assert.equal(baudFromWord(0x18), undefined);
});

// --- properties --------------------------------------------------------------------------------------------

const address = fc
  .array(
    fc.oneof(
      fc.integer({ min: 0, max: 99 }).map((n) => String(n).padStart(2, "0")),
      fc.constant("AA"),
    ),
    {
      minLength: 6,
      maxLength: 6,
    },
  )
  .map((pairs) => pairs.join(""));

function sampleValue(format: DataFormat, seed: number): DataValue {
  switch (format.kind) {
    case "bcd": {
      const digits = format.bytes * 2 - (format.signed === true ? 1 : 0);
      const n = seed % 10 ** Math.min(digits, 12);
      const v = n / 10 ** format.decimals;
      return format.signed === true && seed % 2 === 1 && n !== 0 ? -v : v;
    }
    case "time": {
      const two = (k: number): string => String((seed >> k) % 29).padStart(2, "0");
      const probe = findDi("2007", 0x04000101) as DiRow;
      void probe;
      const texts: Record<string, string> = {
        YYMMDDhhmmss: `20${two(1)}-${two(2)}-${two(3)} ${two(4)}:${two(5)}:${two(6)}`,
        YYMMDDhhmm: `20${two(1)}-${two(2)}-${two(3)} ${two(4)}:${two(5)}`,
        YYMMDDWW: `20${two(1)}-${two(2)}-${two(3)} w0${seed % 7}`,
        YYMMDDWWhhmmss: `20${two(1)}-${two(2)}-${two(3)} w0${seed % 7} ${two(4)}:${two(5)}:${two(6)}`,
        hhmmss: `${two(1)}:${two(2)}:${two(3)}`,
        MMDDhhmm: `${two(1)}-${two(2)} ${two(3)}:${two(4)}`,
        DDhh: `${two(1)} ${two(2)}h`,
      };
      return texts[format.pattern] as string;
    }
    case "digits":
      return String(seed)
        .padStart(format.bytes * 2, "0")
        .slice(-format.bytes * 2);
    case "word":
      return seed % 256 ** format.bytes;
    case "record":
      return Object.fromEntries(format.fields.map((f, i) => [f.name, sampleValue(f.format, seed + i)]));
    case "array":
      return Array.from({ length: format.count }, (_, i) => sampleValue(format.element, seed + i));
    case "repeat":
      return Array.from({ length: 1 + (seed % 5) }, (_, i) => sampleValue(format.element, seed + i));
  }
}

test("every DI row round-trips a generated value (both editions)", () => {
  fc.assert(
    fc.property(fc.nat({ max: 2 ** 30 }), (seed) => {
      for (const row of [...DI_ROWS_2007, ...DI_ROWS_1997]) {
        const value = sampleValue(row.format, seed);
        const bytes = encodeDiData(row, value);
        const decoded = decodeDiData(row.edition, row.di, bytes);
        assert.ok(decoded.ok, `${row.name}: ${decoded.ok ? "" : decoded.error.message}`);
        assert.deepEqual(decoded.value.value, value, row.name);
      }
    }),
    { numRuns: 5 },
  );
});

const messages: fc.Arbitrary<Dlt645Message> = fc.oneof(
  fc.tuple(address, fc.nat()).map(([a, di]) => readRequest("2007", a, di)),
  fc
    .tuple(address, fc.nat(), fc.uint8Array({ maxLength: 150 }), fc.boolean())
    .map(([a, di, data, more]) => message("2007", a, "read", "reply", { di, data }, { more })),
  fc.tuple(address, fc.integer({ min: 0, max: 0xffff })).map(([a, di]) => readRequest("1997", a, di)),
  fc
    .tuple(address, fc.integer({ min: 0, max: 0xff }))
    .map(([a, error]) => message("2007", a, "read", "reply", { error }, { abnormal: true })),
  fc
    .tuple(address, fc.nat(), fc.integer({ min: 0, max: 99 }), fc.uint8Array({ maxLength: 30 }))
    .map(([a, di, level, data]) =>
      message("2007", a, "write", "request", {
        di,
        password: { level, code: "12AB34" },
        operator: "0000ABCD",
        data,
      }),
    ),
);

test("messages round-trip through bytes; decode(random) never throws", () => {
  fc.assert(
    fc.property(messages, (m) => {
      const bytes = encodeMessage(m);
      const decoded = decodeMessageBytes(bytes, m.edition);
      assert.ok(decoded.ok, decoded.ok ? "" : decoded.error.message);
      assert.deepEqual(decoded.value, m);
    }),
    { numRuns: 200 },
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
      const r = decodeMessageBytes(bytes);
      if (!r.ok) assert.equal(r.error.kind, "decode-error");
      const d = DLT645_DETECTOR.describe(bytes);
      assert.equal(typeof d.ok, "boolean");
    }),
    { numRuns: 500 },
  );
});

test("bad input: every prefix is truncated, a flipped checksum is checksum, wrong markers are named", () => {
  const bytes = encodeMessage(readRequest("2007", "000000000001", 0x00010000));
  for (let n = 1; n < bytes.length; n++) {
    const r = decodeFrame(bytes.subarray(0, n));
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.error.code, "truncated", `prefix ${n}`);
  }
  const flipped = Uint8Array.from(bytes);
  flipped[bytes.length - 2] = (flipped[bytes.length - 2] as number) ^ 0x01;
  const cs = decodeFrame(flipped);
  assert.ok(!cs.ok && cs.error.code === "checksum" && cs.error.field === "checksum");
  const noEnd = Uint8Array.from(bytes);
  noEnd[bytes.length - 1] = 0x17;
  const end = decodeFrame(noEnd);
  assert.ok(!end.ok && end.error.code === "bad-end");
  const start2 = Uint8Array.from(bytes);
  start2[7] = 0x69;
  const s2 = decodeFrame(start2);
  assert.ok(!s2.ok && s2.error.code === "bad-start" && s2.error.field === "start2");
  const badAddress = encodeFrame({ address: "000000000001", control: 0x11, data: Uint8Array.of(0, 0, 1, 0) });
  badAddress[1] = 0x1f;
  badAddress[10] = (badAddress[10] as number) + 0x1e; // keep the checksum right
  const ba = decodeFrame(badAddress);
  assert.ok(!ba.ok && ba.error.code === "bad-value" && ba.error.field === "address");
  const unknown = decodeMessageBytes(
    encodeFrame({ address: "000000000001", control: 0x1f, data: new Uint8Array(0) }),
  );
  assert.ok(!unknown.ok && unknown.error.code === "unknown-fn");
  const shortData = decodeDiData("2007", 0x00010000, Uint8Array.of(1, 2, 3));
  assert.ok(!shortData.ok && shortData.error.code === "truncated");
  const badBcd = decodeDiData("2007", 0x00010000, Uint8Array.of(0x1a, 0, 0, 0));
  assert.ok(!badBcd.ok && badBcd.error.code === "bad-value");
  const unknownDi = decodeDiData("2007", 0x7f000000, Uint8Array.of());
  assert.ok(!unknownDi.ok && unknownDi.error.code === "unknown-fn");
});

test("splitter reassembles any chunking of a frame stream with preambles and garbage", () => {
  const frames = [
    encodeMessage(readRequest("2007", "000000000001", 0x00010000), { preamble: Uint8Array.of(0xfe, 0xfe) }),
    hex("00 68 12 68"), // garbage with stray 68s
    encodeMessage(
      message("2007", "000000000002", "read", "reply", { di: 1, data: Uint8Array.of(1, 2, 3, 4) }),
    ),
    encodeMessage(readRequest("1997", "123456789012", 0x9010)),
  ];
  const stream = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
  let at = 0;
  for (const f of frames) {
    stream.set(f, at);
    at += f.length;
  }
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: stream.length }), { maxLength: 8 }), (cuts) => {
      const points = [...new Set(cuts)].sort((a, b) => a - b);
      let carry: Uint8Array = new Uint8Array(0);
      const found: string[] = [];
      let prev = 0;
      for (const p of [...points, stream.length]) {
        const chunk = stream.subarray(prev, p);
        prev = p;
        const buffer = new Uint8Array(carry.length + chunk.length);
        buffer.set(carry);
        buffer.set(chunk, carry.length);
        const r = splitFrames(buffer);
        found.push(...r.frames.map((f) => toHex(f)));
        carry = r.rest;
      }
      assert.deepEqual(found, [
        toHex((frames[0] as Uint8Array).subarray(2)),
        toHex(frames[2] as Uint8Array),
        toHex(frames[3] as Uint8Array),
      ]);
    }),
    { numRuns: 200 },
  );
  const flood = splitFrames(new Uint8Array(5000).fill(0x68));
  assert.ok(flood.rest.length <= 300);
});

test("detector describes a read reply with the value in engineering units", () => {
  const bytes = hex("FE FE 68 61 10 01 30 12 15 68 91 08 33 33 34 33 AB 39 33 33 49 16");
  assert.ok(DLT645_DETECTOR.matches(bytes));
  const d = DLT645_DETECTOR.describe(bytes);
  assert.ok(d.ok);
  assert.equal(d.value.json.protocol, "dlt645");
  assert.equal(d.value.json.address, "151230011061");
  assert.deepEqual((d.value.json.reading as { value: unknown }).value, 6.78);
  assert.ok(d.value.tree.some((line) => line.includes("6.78 kWh")));
  assert.equal(DLT645_DETECTOR.matches(hex("68 32 00 32 00 68 5B")), false);
});
