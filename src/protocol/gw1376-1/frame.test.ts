import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { test } from "node:test";
import fc from "fast-check";
import { loadVectors, SHARED_VECTOR_DIR, VECTOR_DIR } from "../../../test/support/vectors.ts";
import { sum8 } from "../common/checksum.ts";
import { fromHex, toHex } from "../common/hex.ts";
import { fnsFromDt, pnsFromDa } from "./dadt.ts";
import { decodeFrame, encodeControl, encodeFrame, encodeSeq, type Frame, type FrameInit } from "./frame.ts";
import { arbTimeLabel } from "./layout-arbitrary.ts";
import { PROFILE_2013, PROFILE_TOLERANT } from "./profile.ts";

const vectors = loadVectors("gw1376-1.txt");

test("the project's copy of the golden vectors equals shared/vectors", () => {
  const shared = new URL("gw1376-1.txt", SHARED_VECTOR_DIR);
  // CI clones main with shared/ beside it, so this comparison runs there; a bare clone has only the copy.
  if (!existsSync(shared)) {
    assert.ok(vectors.length > 0);
    return;
  }
  assert.equal(readFileSync(new URL("gw1376-1.txt", VECTOR_DIR), "utf8"), readFileSync(shared, "utf8"));
});

test("there are golden vectors to check", () => {
  assert.ok(vectors.length >= 80, `only ${vectors.length} vectors loaded`);
});

for (const v of vectors) {
  test(`golden ${v.id}: header fields match the vector's expect line`, () => {
    const decoded = decodeFrame(v.bytes, PROFILE_TOLERANT);
    assert.ok(decoded.ok, decoded.ok ? "" : decoded.error.message);
    const f = decoded.value;
    assert.equal(hex(encodeControl(f.control)), v.expect.get("C"), "C");
    assert.equal(hex(f.afn), v.expect.get("AFN"), "AFN");
    assert.equal(hex(encodeSeq(f.seq)), v.expect.get("SEQ"), "SEQ");
    assert.equal(String(f.pid), v.expect.get("pid"), "pid");
    const l1 = 8 + f.userData.length + (f.pw ? 16 : 0) + (f.ec ? 2 : 0) + (f.tp ? 6 : 0);
    assert.equal(String(l1), v.expect.get("L1"), "L1");
    // The first data unit's DA/DT, straight from the bytes.
    const [pWord, fWord] = v.expectWords;
    assert.ok(pWord !== undefined && fWord !== undefined, "expect line names pn and Fn");
    const u = f.userData;
    assert.ok(u.length >= 4, "a data unit identifier is present");
    assert.equal(pnsFromDa(u[0] as number, u[1] as number)[0], Number(pWord.slice(1)), "pn");
    assert.deepEqual(
      fnsFromDt(u[2] as number, u[3] as number),
      fWord.split("/").map((w) => Number(w.slice(1))),
      "Fn",
    );
    // The frame layer is its own inverse on every golden frame (minus an FE preamble).
    const start = v.bytes.indexOf(0x68);
    assert.equal(toHex(encodeFrame(f, PROFILE_TOLERANT)), toHex(v.bytes.subarray(start)));
  });
}

test("X16 (PID 1) is rejected by the default profile and accepted by the tolerant one", () => {
  const x16 = vectors.find((v) => v.id === "X16");
  assert.ok(x16);
  const strict = decodeFrame(x16.bytes, PROFILE_2013);
  assert.equal(strict.ok, false);
  if (!strict.ok) assert.equal(strict.error.code, "bad-protocol");
  assert.equal(decodeFrame(x16.bytes, PROFILE_TOLERANT).ok, true);
});

test("S4 walk-through: reset with PW and Tp (shared/protocol §6.2)", () => {
  const s4 = vectors.find((v) => v.id === "S4");
  assert.ok(s4);
  const d = decodeFrame(s4.bytes);
  assert.ok(d.ok);
  const f = d.value;
  assert.deepEqual(f.control, { dir: 0, prm: 1, fcbAcd: 0, fcv: 0, fc: 1 });
  assert.deepEqual(f.address, { area: "0200", terminal: 0x1234, master: 2, group: false });
  assert.deepEqual(f.seq, { tpv: true, fir: true, fin: true, con: true, seq: 0 });
  assert.equal(toHex(f.pw ?? new Uint8Array()), toHex(new Uint8Array(16)));
  assert.deepEqual(f.tp, { pfc: 0, second: 28, minute: 53, hour: 13, day: 7, delay: 5 });
});

test("S5 walk-through: uplink confirm with ACD=1 carries EC then Tp", () => {
  const s5 = vectors.find((v) => v.id === "S5");
  assert.ok(s5);
  const d = decodeFrame(s5.bytes);
  assert.ok(d.ok);
  assert.deepEqual(d.value.ec, { ec1: 0x11, ec2: 0 });
  assert.deepEqual(d.value.tp, { pfc: 0, second: 27, minute: 52, hour: 13, day: 7, delay: 5 });
  assert.equal(d.value.pw, undefined);
});

test("X2: FE preamble skipped, broadcast address decoded", () => {
  const x2 = vectors.find((v) => v.id === "X2");
  assert.ok(x2);
  const d = decodeFrame(x2.bytes);
  assert.ok(d.ok);
  assert.deepEqual(d.value.address, { area: "FFFF", terminal: 0xffff, master: 0, group: true });
});

// ---- generated frames --------------------------------------------------------------------------------------

const arbFrame: fc.Arbitrary<FrameInit> = fc
  .record({
    dir: fc.constantFrom(0 as const, 1 as const),
    prm: fc.constantFrom(0 as const, 1 as const),
    fcbAcd: fc.constantFrom(0 as const, 1 as const),
    fcv: fc.constantFrom(0 as const, 1 as const),
    fc: fc.integer({ min: 0, max: 15 }),
    area: fc.integer({ min: 0, max: 0xffff }),
    terminal: fc.integer({ min: 0, max: 0xffff }),
    master: fc.integer({ min: 0, max: 127 }),
    group: fc.boolean(),
    afn: fc.integer({ min: 0, max: 255 }),
    tpv: fc.boolean(),
    fir: fc.boolean(),
    fin: fc.boolean(),
    con: fc.boolean(),
    seq: fc.integer({ min: 0, max: 15 }),
    userData: fc.uint8Array({ maxLength: 64 }),
    pw: fc.uint8Array({ minLength: 16, maxLength: 16 }),
    ec1: fc.integer({ min: 0, max: 255 }),
    ec2: fc.integer({ min: 0, max: 255 }),
    tp: arbTimeLabel,
  })
  .map((g) => {
    const fcv = g.dir === 1 ? 0 : g.fcv;
    const frame: FrameInit = {
      control: { dir: g.dir, prm: g.prm, fcbAcd: g.fcbAcd, fcv, fc: g.fc },
      address: {
        area: g.area.toString(16).toUpperCase().padStart(4, "0"),
        terminal: g.terminal,
        master: g.master,
        group: g.group,
      },
      afn: g.afn,
      seq: { tpv: g.tpv, fir: g.fir, fin: g.fin, con: g.con, seq: g.seq },
      userData: g.userData,
      ...(g.dir === 0 && PROFILE_2013.pwAfns.includes(g.afn) ? { pw: g.pw } : {}),
      ...(g.dir === 1 && g.fcbAcd === 1 ? { ec: { ec1: g.ec1, ec2: g.ec2 } } : {}),
      ...(g.tpv ? { tp: { ...g.tp } } : {}),
    };
    return frame;
  });

function comparable(f: Frame | FrameInit) {
  return {
    control: f.control,
    address: f.address,
    afn: f.afn,
    seq: f.seq,
    userData: toHex(f.userData),
    pw: f.pw ? toHex(f.pw) : undefined,
    ec: f.ec,
    tp: f.tp,
  };
}

test("property: decode(encode(frame)) == frame and encode(decode(bytes)) == bytes", () => {
  fc.assert(
    fc.property(arbFrame, (frame) => {
      const bytes = encodeFrame(frame);
      const decoded = decodeFrame(bytes);
      assert.ok(decoded.ok, decoded.ok ? "" : decoded.error.message);
      assert.deepEqual(comparable(decoded.value), comparable(frame));
      assert.equal(toHex(encodeFrame(decoded.value)), toHex(bytes));
    }),
    { numRuns: 300 },
  );
});

test("property: every strict prefix of a valid frame is `truncated`", () => {
  fc.assert(
    fc.property(arbFrame, (frame) => {
      const bytes = encodeFrame(frame);
      for (let n = 0; n < bytes.length; n++) {
        const d = decodeFrame(bytes.subarray(0, n));
        assert.equal(d.ok, false);
        if (!d.ok) assert.equal(d.error.code, "truncated", `prefix ${n}: ${d.error.message}`);
      }
    }),
    { numRuns: 60 },
  );
});

test("property: a corrupted checksum byte is `checksum`, a corrupted end byte `bad-end`", () => {
  fc.assert(
    fc.property(arbFrame, fc.integer({ min: 1, max: 255 }), (frame, delta) => {
      const bytes = encodeFrame(frame);
      const badCs = bytes.slice();
      const csAt = badCs.length - 2;
      badCs[csAt] = ((badCs[csAt] as number) + delta) & 0xff;
      const d1 = decodeFrame(badCs);
      assert.ok(!d1.ok && d1.error.code === "checksum" && d1.error.offset === csAt);
      const badEnd = bytes.slice();
      badEnd[badEnd.length - 1] = 0x16 ^ delta;
      const d2 = decodeFrame(badEnd);
      assert.ok(!d2.ok && d2.error.code === "bad-end");
    }),
    { numRuns: 200 },
  );
});

test("property: a flipped bit inside the user data is caught by the checksum", () => {
  fc.assert(
    fc.property(arbFrame, fc.nat(), fc.integer({ min: 0, max: 7 }), (frame, at, bit) => {
      const bytes = encodeFrame(frame);
      const l1 = bytes.length - 8;
      const i = 6 + (at % l1);
      const bad = bytes.slice();
      bad[i] = (bad[i] as number) ^ (1 << bit);
      const d = decodeFrame(bad);
      assert.ok(!d.ok && d.error.code === "checksum");
    }),
    { numRuns: 200 },
  );
});

test("wrong or mismatched length copies, bad starts and oversized lengths are named errors", () => {
  const good = fromHex("68 32 00 32 00 68 C9 00 02 34 12 00 02 71 00 00 01 00 85 16") as Uint8Array;
  assert.ok(decodeFrame(good).ok);
  const cases: [string, (b: Uint8Array) => void, string][] = [
    [
      "second L copy differs",
      (b) => {
        b[3] = 0x36;
      },
      "bad-length",
    ],
    [
      "first start byte",
      (b) => {
        b[0] = 0x69;
      },
      "bad-start",
    ],
    [
      "second start byte",
      (b) => {
        b[5] = 0x00;
      },
      "bad-start",
    ],
    [
      "protocol id 0",
      (b) => {
        b[1] = 0x30;
        b[3] = 0x30;
      },
      "bad-protocol",
    ],
    [
      "L1 below the fixed header",
      (b) => {
        b[1] = 0x12;
        b[3] = 0x12;
      },
      "bad-length",
    ],
    [
      "oversized L1",
      (b) => {
        b[1] = 0xfe;
        b[2] = 0xff;
        b[3] = 0xfe;
        b[4] = 0xff;
      },
      "truncated",
    ],
  ];
  for (const [name, mutate, code] of cases) {
    const b = good.slice();
    mutate(b);
    const d = decodeFrame(b);
    assert.ok(!d.ok, name);
    assert.equal(d.error.code, code, name);
    assert.ok(d.error.field.length > 0 && d.error.offset >= 0, name);
  }
  const longer = new Uint8Array([...good, 0x00]);
  const d = decodeFrame(longer);
  assert.ok(!d.ok && d.error.code === "trailing-bytes");
});

test("AUX longer than the user data is `bad-length`, not a crash", () => {
  // Downlink AFN04 (carries PW) with only 4 bytes after SEQ: the 16-byte PW cannot fit.
  const body = fromHex("4A 01 01 BA 07 02 04 60 00 00 01 00") as Uint8Array;
  const l = ((body.length << 2) | 2) & 0xffff;
  const frame = new Uint8Array([0x68, l & 0xff, l >> 8, l & 0xff, l >> 8, 0x68, ...body, sum8(body), 0x16]);
  const d = decodeFrame(frame);
  assert.ok(!d.ok);
  assert.equal(d.error.code, "bad-length");
  assert.equal(d.error.field, "aux");
});

test("property: random bytes never throw", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      const d = decodeFrame(bytes);
      if (!d.ok) assert.equal(d.error.kind, "decode-error");
    }),
    { numRuns: 2000 },
  );
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 8, maxLength: 200 }), (tail) => {
      // Random bytes behind a plausible header exercise the deeper checks.
      const l = ((tail.length << 2) | 2) & 0xffff;
      const d = decodeFrame(new Uint8Array([0x68, l & 0xff, l >> 8, l & 0xff, l >> 8, 0x68, ...tail]));
      if (!d.ok) assert.equal(d.error.kind, "decode-error");
    }),
    { numRuns: 2000 },
  );
});

function hex(b: number): string {
  return b.toString(16).toUpperCase().padStart(2, "0");
}
