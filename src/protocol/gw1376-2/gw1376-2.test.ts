import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { fromHex, toHex } from "../common/index.ts";
import { GW13762_DETECTOR } from "./detector.ts";
import type { Body, Field } from "./fields.ts";
import { FN_ROWS } from "./fn-table.ts";
import { decodeFrame, downInfo, dtToFn, encodeFrame, type Frame, fnToDt, upInfo } from "./frame.ts";
import { decodeMessageBytes, encodeMessage } from "./message.ts";
import { FrameSplitter, splitFrames } from "./splitter.ts";

function hex(text: string): Uint8Array {
  const bytes = fromHex(text);
  assert.ok(bytes, `bad hex in test: ${text}`);
  return bytes;
}

// Golden vectors: real frames found in public concentrator/module sources (docs/protocol/gw1376-2.md §6).
const G1_AFN03_F1_REQUEST = hex(
  "68 0F 00" + // start, L = 15 (whole frame)
    " 41" + //      C: down, PRM=1, mode 1 (centralised narrowband)
    " 00 00 00 00 00 00" + // R: router mode, no relay, seq 0
    " 03 01 00" + // AFN03, DT = F1
    " 45 16", //   CS, end
);
const G2_AFN01_F2 = hex("68 0F 00 41 00 00 04 00 00 04 01 02 00 4C 16"); // R3 = 4 expected reply bytes, seq 4
const G3_AFN00_F1_UP = hex(
  "68 15 00 83" + //            L = 21, C: up, PRM=0, mode 3 (HPLC)
    " 00 00 00 00 00 02" + //    R (up), seq 2
    " 00 01 00" + //             AFN00 F1 confirm
    " FF FF FF FF 02 00" + //    status bits (command done + channels idle), wait 2 s
    " 84 16",
);
const G4_AFN13_F1_DOWN = hex(
  "68 2F 00 41" + //                         L = 47, C: down PRM=1 mode 1
    " 05 00 C8 00 00 0E" + //                  R1: bypass + to-slave; R3 = 200; seq 0x0E
    " 88 88 88 99 99 04" + //                  source address 049999888888
    " 04 33 00 00 00 00" + //                  destination 000000003304
    " 13 01 00" + //                           AFN13 F1
    " 02 00 00 10" + //                        DL/T 645-2007, not delay related, 0 attached, 16 bytes
    " 68 04 33 00 00 00 00 68 11 04 34 34 34 45 FD 16" + // the DL/T 645 read request
    " 57 16",
);
const G5_AFN13_F1_WIRELESS = hex(
  "68 2F 00 4A 04 00 28 00 00 68 10 00 00 00 10 00 30 70 75 21 01 01 13 01 00 02 00 00 10 68 30 70 75 21 01 01 68 11 04 35 34 33 37 ED 16 4F 16",
);

test("golden: AFN03 F1 request decodes and re-encodes byte for byte", () => {
  const m = decodeMessageBytes(G1_AFN03_F1_REQUEST);
  assert.ok(m.ok, m.ok ? "" : m.error.message);
  assert.deepEqual(m.value.control, { dir: "down", prm: true, mode: 1 });
  assert.equal(m.value.afn, 0x03);
  assert.equal(m.value.fn, 1);
  assert.deepEqual(m.value.body, {});
  assert.equal(toHex(encodeMessage(m.value)), toHex(G1_AFN03_F1_REQUEST));
});

test("golden: AFN01 F2 with expected-reply bytes and sequence number", () => {
  const f = decodeFrame(G2_AFN01_F2);
  assert.ok(f.ok);
  assert.equal(f.value.info.dir, "down");
  if (f.value.info.dir === "down") {
    assert.equal(f.value.info.expectedReplyBytes, 4);
    assert.equal(f.value.info.seq, 4);
  }
  assert.equal(f.value.afn, 1);
  assert.equal(f.value.fn, 2);
  assert.equal(toHex(encodeFrame(f.value)), toHex(G2_AFN01_F2));
});

test("golden: AFN00 F1 confirm from a module", () => {
  const m = decodeMessageBytes(G3_AFN00_F1_UP);
  assert.ok(m.ok, m.ok ? "" : m.error.message);
  assert.equal(m.value.info.seq, 2);
  assert.deepEqual(m.value.body, { status: { commandDone: 1, channelsIdle: 0x7fffffff }, waitSeconds: 2 });
  assert.equal(toHex(encodeMessage(m.value)), toHex(G3_AFN00_F1_UP));
});

test("golden: AFN13 F1 monitored reads with address field (two vendors)", () => {
  for (const [bytes, source, destination, mode] of [
    [G4_AFN13_F1_DOWN, "049999888888", "000000003304", 1],
    [G5_AFN13_F1_WIRELESS, "001000000010", "010121757030", 10],
  ] as const) {
    const m = decodeMessageBytes(bytes);
    assert.ok(m.ok, m.ok ? "" : m.error.message);
    assert.equal(m.value.control.mode, mode);
    assert.deepEqual(m.value.address, { source, relays: [], destination });
    assert.equal(m.value.body.protocol, 2);
    assert.equal(m.value.body.delayRelated, 0);
    assert.deepEqual(m.value.body.attached, []);
    const frame645 = m.value.body.frame as Uint8Array;
    assert.equal(frame645.length, 16);
    assert.equal(frame645[8], 0x11); // DL/T 645 read-data control code
    assert.equal(toHex(encodeMessage(m.value)), toHex(bytes));
  }
});

test("DT ↔ Fn mapping matches 1376.1 and rejects DT1 with several bits", () => {
  assert.deepEqual(fnToDt(1), [0x01, 0]);
  assert.deepEqual(fnToDt(10), [0x02, 1]);
  assert.deepEqual(fnToDt(248), [0x80, 30]);
  assert.equal(dtToFn(0x02, 1), 10);
  assert.equal(dtToFn(0x03, 0), undefined);
  assert.equal(dtToFn(0, 0), undefined);
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 248 }), (fn) => {
      const [a, b] = fnToDt(fn);
      assert.equal(dtToFn(a, b), fn);
    }),
    { numRuns: 100 },
  );
});

// ---------------------------------------------------------------------------------------------------------
// Bad input: named errors, never exceptions.

function expectError(bytes: Uint8Array, code: string, field?: string): void {
  const r = decodeMessageBytes(bytes);
  assert.equal(r.ok, false, `expected ${code} for ${toHex(bytes)}`);
  if (!r.ok) {
    assert.equal(r.error.code, code, r.error.message);
    if (field) assert.equal(r.error.field, field);
  }
}

function withFixedChecksum(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  let sum = 0;
  for (let i = 3; i < out.length - 2; i++) sum += out[i] as number;
  out[out.length - 2] = sum & 0xff;
  return out;
}

test("bad input: start, length, end, checksum, DT and body errors are named", () => {
  const bad = G4_AFN13_F1_DOWN.slice();
  bad[0] = 0x69;
  expectError(bad, "bad-start", "start");
  const cs = G4_AFN13_F1_DOWN.slice();
  cs[cs.length - 2] = (cs[cs.length - 2] as number) ^ 0xff;
  expectError(cs, "checksum", "cs");
  const end = G4_AFN13_F1_DOWN.slice();
  end[end.length - 1] = 0x17;
  expectError(end, "bad-end", "end");
  const len = G1_AFN03_F1_REQUEST.slice();
  len[1] = 0x05;
  expectError(len, "bad-length", "length");
  expectError(new Uint8Array([...G1_AFN03_F1_REQUEST, 0x00]), "trailing-bytes");
  // DT1 with two bits set.
  const dt = G1_AFN03_F1_REQUEST.slice();
  dt[11] = 0x03;
  expectError(withFixedChecksum(dt), "bad-value", "dt");
  // Unknown AFN/Fn.
  const unknown = G1_AFN03_F1_REQUEST.slice();
  unknown[10] = 0x7e;
  expectError(withFixedChecksum(unknown), "unknown-fn");
  // Body too short: AFN13 message length says 16 but one byte less is present → rebuild the frame.
  const m = decodeMessageBytes(G4_AFN13_F1_DOWN);
  assert.ok(m.ok);
  const f = decodeFrame(G4_AFN13_F1_DOWN);
  assert.ok(f.ok);
  const shortData: Frame = { ...f.value, data: f.value.data.subarray(0, f.value.data.length - 1) };
  expectError(encodeFrame(shortData), "truncated", "frame");
  // Extra byte after the body.
  const longData: Frame = { ...f.value, data: new Uint8Array([...f.value.data, 0]) };
  expectError(encodeFrame(longData), "trailing-bytes", "data");
});

test("bad input: every strict prefix of a valid frame is truncated", () => {
  for (let n = 0; n < G4_AFN13_F1_DOWN.length; n++) {
    const r = decodeMessageBytes(G4_AFN13_F1_DOWN.subarray(0, n));
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.error.code, "truncated", `prefix ${n}: ${r.error.message}`);
  }
});

test("bad input: random bytes never throw", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
      decodeMessageBytes(bytes);
      const framed = new Uint8Array([0x68, (bytes.length + 5) & 0xff, 0, ...bytes, 0, 0x16]);
      decodeMessageBytes(withFixedChecksum(framed));
      GW13762_DETECTOR.matches(bytes);
      GW13762_DETECTOR.describe(bytes);
    }),
    { numRuns: 400 },
  );
});

// ---------------------------------------------------------------------------------------------------------
// Round trip for every table row in every direction it defines, with generated bodies.

const hexAddress = fc
  .uint8Array({ minLength: 6, maxLength: 6 })
  .map((b) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(""));

function arbField(f: Field): fc.Arbitrary<unknown> {
  switch (f.type) {
    case "u8":
      return fc.integer({ min: 0, max: 0xff });
    case "u16":
      return fc.integer({ min: 0, max: 0xffff });
    case "u32":
      return fc.integer({ min: 0, max: 0xffffffff });
    case "address":
      return hexAddress;
    case "bcd":
      return fc.stringMatching(new RegExp(`^[0-9]{${f.bytes * 2}}$`));
    case "ascii":
      return fc.stringMatching(new RegExp(`^[A-Z0-9]{${f.bytes}}$`));
    case "raw":
      return fc.uint8Array({ minLength: f.bytes, maxLength: f.bytes });
    case "frame":
      return fc.uint8Array({ maxLength: 40 });
    case "bits":
      return fc
        .record(
          Object.fromEntries(f.parts.map((p) => [p.name, fc.integer({ min: 0, max: 2 ** p.width - 1 })])),
        )
        .map(plain);
    case "list":
    case "tail":
      return fc.array(arbBody(f.fields), { maxLength: 4 });
  }
}

/** fast-check records have a null prototype; deepStrictEqual compares prototypes, so copy to plain objects. */
function plain(v: unknown): unknown {
  if (v instanceof Uint8Array) return v;
  if (Array.isArray(v)) return v.map(plain);
  if (typeof v === "object" && v !== null) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  }
  return v;
}

function arbBody(fields: readonly Field[]): fc.Arbitrary<Body> {
  return fc.record(Object.fromEntries(fields.map((f) => [f.name, arbField(f)]))).map((b) => plain(b) as Body);
}

test("round trip: every Fn row, both directions, with and without address field", () => {
  for (const row of FN_ROWS) {
    for (const dir of ["down", "up"] as const) {
      const layout = dir === "down" ? row.down : row.up;
      if (!layout) continue;
      fc.assert(
        fc.property(
          arbBody(layout),
          fc.integer({ min: 0, max: 255 }),
          fc.option(hexAddress),
          (body, seq, dst) => {
            const control = { dir, prm: dir === "down", mode: 3 };
            const info =
              dir === "down"
                ? downInfo(seq, { toSlave: dst !== null })
                : upInfo(seq, { fromSlave: dst !== null });
            const spec =
              dst === null
                ? { control, info, afn: row.afn, fn: row.fn, body }
                : {
                    control,
                    info,
                    afn: row.afn,
                    fn: row.fn,
                    body,
                    address: { source: "000000000001", relays: [], destination: dst },
                  };
            const bytes = encodeMessage(spec);
            const back = decodeMessageBytes(bytes);
            assert.ok(back.ok, back.ok ? "" : `AFN${row.afn} F${row.fn} ${dir}: ${back.error.message}`);
            assert.deepEqual(back.value.body, body);
            assert.deepEqual(back.value.info, info);
            assert.equal(toHex(encodeMessage(back.value)), toHex(bytes));
          },
        ),
        { numRuns: 15 },
      );
    }
  }
});

test("round trip: information field R with relays in the address field", () => {
  fc.assert(
    fc.property(
      fc.record({
        routeBypass: fc.boolean(),
        attachedNodes: fc.boolean(),
        conflictDetect: fc.boolean(),
        relayLevel: fc.integer({ min: 0, max: 15 }),
        channel: fc.integer({ min: 0, max: 15 }),
        errorCoding: fc.integer({ min: 0, max: 15 }),
        expectedReplyBytes: fc.integer({ min: 0, max: 255 }),
        rate: fc.integer({ min: 0, max: 0x7fff }),
        rateInKbps: fc.boolean(),
      }),
      fc.array(hexAddress, { minLength: 15, maxLength: 15 }),
      (r, relays) => {
        const info = downInfo(7, { ...r, toSlave: true });
        const frame: Frame = {
          control: { dir: "down", prm: true, mode: 2 },
          info,
          address: {
            source: "000000000001",
            relays: relays.slice(0, r.relayLevel),
            destination: "000000000002",
          },
          afn: 0x12,
          fn: 1,
          data: new Uint8Array(0),
        };
        const back = decodeFrame(encodeFrame(frame));
        assert.ok(back.ok);
        assert.deepEqual(back.value.info, info);
        assert.deepEqual(back.value.address, frame.address);
      },
    ),
    { numRuns: 100 },
  );
});

test("encode refuses values that cannot be represented", () => {
  assert.throws(
    () =>
      encodeMessage({
        control: { dir: "down", prm: true, mode: 3 },
        info: downInfo(0),
        afn: 0x10,
        fn: 2,
        body: { start: 70000, count: 1 },
      }),
    /start/,
  );
  assert.throws(
    () =>
      encodeMessage({
        control: { dir: "down", prm: true, mode: 3 },
        info: downInfo(0),
        afn: 0x05,
        fn: 1,
        body: { address: "xyz" },
      }),
    /address/,
  );
  assert.throws(
    () =>
      encodeMessage({
        control: { dir: "up", prm: false, mode: 3 },
        info: upInfo(0),
        afn: 0x11,
        fn: 1,
        body: { nodes: [] },
      }),
    /no layout/,
  );
});

// ---------------------------------------------------------------------------------------------------------

test("splitter reassembles any chunking of a frame stream with noise between frames", () => {
  const stream = [G1_AFN03_F1_REQUEST, G3_AFN00_F1_UP, G4_AFN13_F1_DOWN, G5_AFN13_F1_WIRELESS];
  fc.assert(
    fc.property(
      fc.array(
        fc.uint8Array({ maxLength: 5 }).map((b) => b.map((x) => (x === 0x68 ? 0 : x))),
        {
          minLength: 5,
          maxLength: 5,
        },
      ),
      fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 20 }),
      (noise, cuts) => {
        const parts: number[] = [];
        stream.forEach((f, i) => {
          parts.push(...(noise[i] ?? []), ...f);
        });
        parts.push(...(noise[4] ?? []));
        const all = Uint8Array.from(parts);
        const splitter = new FrameSplitter();
        const got: string[] = [];
        let pos = 0;
        let c = 0;
        while (pos < all.length) {
          const n = cuts[c++ % cuts.length] as number;
          for (const f of splitter.push(all.subarray(pos, pos + n))) got.push(toHex(f));
          pos += n;
        }
        assert.deepEqual(
          got,
          stream.map((f) => toHex(f)),
        );
      },
    ),
    { numRuns: 100 },
  );
});

test("splitter skips a broken frame and caps the carry-over", () => {
  const broken = G4_AFN13_F1_DOWN.slice();
  broken[20] = (broken[20] as number) ^ 1;
  const r = splitFrames(new Uint8Array([...broken, ...G1_AFN03_F1_REQUEST]));
  assert.deepEqual(
    r.frames.map((f) => toHex(f)),
    [toHex(G1_AFN03_F1_REQUEST)],
  );
  assert.ok(r.discarded > 0);
  const capped = splitFrames(new Uint8Array([0x68, 0x00, 0x10, ...new Uint8Array(100)]), 50);
  assert.ok(capped.rest.length <= 50);
});

test("detector: matches 1376.2 frames only and describes them", () => {
  assert.equal(GW13762_DETECTOR.matches(G4_AFN13_F1_DOWN), true);
  assert.equal(GW13762_DETECTOR.matches(new Uint8Array([0xfe, 0xfe, ...G3_AFN00_F1_UP])), true);
  // A 1376.1 login frame (68 L L 68 …) and a DL/T 645 frame are not ours.
  assert.equal(
    GW13762_DETECTOR.matches(hex("68 32 00 32 00 68 C9 03 44 04 00 00 02 70 00 00 01 00 7D 16")),
    false,
  );
  assert.equal(GW13762_DETECTOR.matches(hex("68 04 33 00 00 00 00 68 11 04 34 34 34 45 FD 16")), false);
  const d = GW13762_DETECTOR.describe(G4_AFN13_F1_DOWN);
  assert.ok(d.ok);
  assert.equal(d.value.json.protocol, "gw1376.2");
  assert.equal(d.value.json.name, "monitor slave node");
  assert.ok(d.value.tree.some((l) => l.includes("destination=000000003304")));
  assert.ok(d.value.tree.some((l) => l.includes("68 04 33 00 00 00 00 68 11 04 34 34 34 45 FD 16")));
});
