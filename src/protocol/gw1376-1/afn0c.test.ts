import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { fromHex, toHex } from "../common/hex.ts";
import { AFN0C_ROWS } from "./afn0c.ts";
import { findFnRow } from "./fn-table.ts";
import type { FnRow, Record_, Value } from "./layout.ts";
import { arbitraryForFields, unitArea } from "./layout-arbitrary.ts";
import { decodeBody, encodeBody } from "./layout-codec.ts";

// ---- shared helpers (each AFN test file keeps its own few lines; no cross-test imports) -----------------------

/** The body of the unit whose DA/DT starts at `at` in the unit area, `length` bytes long (default: to the end). */
function bodyAt(area: Uint8Array, at: number, length?: number): Uint8Array {
  return area.subarray(at + 4, length === undefined ? undefined : at + 4 + length);
}

function row(fn: number): FnRow {
  const r = findFnRow(0x0c, fn);
  assert.ok(r !== undefined, `AFN0C F${fn} is in the table`);
  return r;
}

/** decode(bytes) succeeds and encode(decoded) reproduces the bytes; returns the decoded value. */
function goldenUp(fn: number, body: Uint8Array): Record_ {
  const up = row(fn).up ?? [];
  const decoded = decodeBody(up, body);
  assert.ok(decoded.ok, decoded.ok ? "" : decoded.error.message);
  assert.equal(toHex(encodeBody(up, decoded.value)), toHex(body));
  return decoded.value;
}

function at(value: Value | undefined, ...path: (string | number)[]): Value | undefined {
  let v: Value | undefined = value;
  for (const key of path) {
    if (v === null || v === undefined || typeof v !== "object") return undefined;
    v = (v as Record<string | number, Value>)[key];
  }
  return v;
}

// ---- golden vectors ---------------------------------------------------------------------------------------------

describe("AFN0C golden vectors", () => {
  test("SYN-C2R F2 terminal clock: Wed 2023-11-15 14:30:05", () => {
    const area = unitArea("68 4A 00 4A 00 68 88 01 01 BA 07 02 0C 67 00 00 02 00 05 30 14 15 71 23 B4 16");
    const v = goldenUp(2, bodyAt(area, 0));
    assert.deepEqual(v, { clock: { time: "2023-11-15 14:30:05", weekday: 3 } });
  });

  test("X22 F2 clock with weekday 0 (not given) and X25 F2 Tue 2015-12-15", () => {
    const x22 = unitArea("68 4A 00 4A 00 68 88 00 13 00 05 00 0C 70 00 00 02 00 51 20 23 07 10 18 E1 16");
    assert.deepEqual(goldenUp(2, bodyAt(x22, 0)), { clock: { time: "2018-10-07 23:20:51", weekday: 0 } });
    const x25 = unitArea("68 4A 00 4A 00 68 88 00 00 01 00 02 0C 60 00 00 02 00 49 48 11 15 52 15 17 16");
    assert.deepEqual(goldenUp(2, bodyAt(x25, 0)), { clock: { time: "2015-12-15 11:48:49", weekday: 2 } });
  });

  test("L15 F129: total 0.0100 kWh, four EE tariffs → null", () => {
    const area = unitArea(
      "68 C6 00 C6 00 68 88 71 01 22 08 02 0C A2 01 01 01 10 18 16 28 08 18 04 00 01 00 00 00 EE EE EE EE EE EE EE EE EE EE EE EE EE EE EE EE EE EE EE EE 02 39 19 16 28 00 8C 16",
    );
    const v = goldenUp(129, bodyAt(area, 0));
    assert.equal(v.readTime, "2018-08-28 16:18");
    assert.equal(v.tariffCount, 4);
    assert.deepEqual(v.energy, [
      { value: 0.01 },
      { value: null },
      { value: null },
      { value: null },
      { value: null },
    ]);
  });

  test("S15 F170 for p1 and p2 (two units, no read time)", () => {
    const area = unitArea(
      "68 F2 00 F2 00 68 A8 00 02 34 12 04 0C E4 01 01 02 15 01 00 00 00 01 33 00 00 22 E1 17 00 00 00 00 00 00 00 02 01 02 15 1F 00 00 FF 00 EE EE EE EE EE EE 34 00 00 22 E1 17 01 4F 00 04 34 00 00 22 05 15 16",
    );
    const p1 = goldenUp(170, bodyAt(area, 0, 18));
    assert.deepEqual(p1, {
      port: 1,
      relayDepth: 0,
      plcPhase: 0,
      signalQuality: 0,
      lastResult: 1,
      lastOkTime: { time: "2017-01-22 00:00:33", weekday: 7 },
      lastFailTime: "unset", // 00×6: never failed
      consecutiveFailures: 0,
    });
    const p2 = goldenUp(170, bodyAt(area, 22, 18));
    assert.deepEqual(p2, {
      port: 31,
      relayDepth: 0,
      plcPhase: 0,
      signalQuality: 255,
      lastResult: 0,
      lastOkTime: null, // EE×6: never read
      lastFailTime: { time: "2017-01-22 00:00:34", weekday: 7 },
      consecutiveFailures: 1,
    });
  });

  test("L18 F25: 67-byte power/voltage/current block", () => {
    const area = unitArea(
      "68 56 01 56 01 68 88 71 01 22 08 02 0C AB 01 01 01 03 47 16 28 08 18 00 00 00 00 00 00 EE EE EE EE EE EE EE EE EE EE EE EE EE EE EE EE EE EE 00 10 00 10 EE EE EE EE 27 24 EE EE EE EE 00 00 00 EE EE EE EE EE EE EE EE EE EE EE EE EE EE EE EE EE EE EE EE EE 0B 13 49 16 28 00 4A 16",
    );
    const body = bodyAt(area, 0);
    assert.equal(body.length, 67);
    const v = goldenUp(25, body);
    assert.equal(v.readTime, "2018-08-28 16:47");
    assert.equal(v.activePower, 0);
    assert.equal(v.activePowerA, 0);
    assert.equal(v.activePowerB, null);
    assert.equal(v.powerFactor, 100);
    assert.equal(v.powerFactorA, 100);
    assert.equal(v.voltageA, 242.7);
    assert.equal(v.currentA, 0);
    assert.equal(v.apparentPowerC, null);
  });

  test("L19 F33: 6 + 17(M+1) with M = 4", () => {
    const l19 = unitArea(
      `68 B6 01 B6 01 68 88 71 01 22 08 02 0C AC 01 01 01 04 48 16 28 08 18 04 00 01 00 00 00 ${"EE ".repeat(80)}0C 09 50 16 28 00 93 16`,
    );
    const v33 = goldenUp(33, bodyAt(l19, 0));
    assert.equal(v33.tariffCount, 4);
    assert.equal(at(v33, "positiveActive", 0, "value"), 0.01);
    assert.equal(at(v33, "quadrant4Reactive", 4, "value"), null);
  });

  test("L20 F34 as captured: the total `00 EE EE EE EE` is half-filled with EE → bad-value (terminal quirk)", () => {
    // The KSY terminal writes 00 then EE×4 for the negative-active total: neither a value nor "no data".
    const l20 = unitArea(
      `68 B6 01 B6 01 68 88 71 01 22 08 02 0C AD 01 01 02 04 49 16 28 08 18 04 00 ${"EE ".repeat(84)}0D 22 51 16 28 00 68 16`,
    );
    const body = bodyAt(l20, 0);
    assert.equal(body.length, 6 + 17 * 5);
    const r = decodeBody(row(34).up ?? [], body);
    assert.ok(!r.ok);
    assert.equal(r.error.code, "bad-value");
    assert.equal(r.error.field, "data.negativeActive[0].value");
  });

  test("L16 F167 carries 5 bytes more than the 41-byte layout (non-BCD `C8 16`/`D5 16`): trailing-bytes", () => {
    const area = unitArea(
      "68 02 01 02 01 68 88 71 01 22 08 02 0C A3 01 01 40 14 20 16 28 08 18 EE EE EE EE EE EE EE EE EE EE EE EE EE EE EE EE EE EE EE EE EE EE EE EE EE EE 00 00 C8 16 10 00 D5 16 EE EE EE EE EE EE EE 03 59 21 16 28 00 EB 16",
    );
    const body = bodyAt(area, 0);
    assert.equal(body.length, 46);
    const whole = decodeBody(row(167).up ?? [], body);
    assert.ok(!whole.ok);
    // The reference layout (41 bytes, also KSY's own spec) is what we keep; the sample's first 41 bytes still
    // fail: bytes 31..34 `00 00 C8 16` are not BCD, so this capture is not a usable F167 vector.
    const first = decodeBody(row(167).up ?? [], body.subarray(0, 41));
    assert.ok(!first.ok);
    assert.equal(first.error.code, "bad-value");
  });
});

// ---- hand-written vectors ----------------------------------------------------------------------------------------

describe("AFN0C hand-written bodies", () => {
  test("F10 traffic: today 0x1234 bytes, month 0x00ABCDEF bytes", () => {
    const body = fromHex(
      "34 12 00 00" + // today BIN 4 = 4660
        " EF CD AB 00", // this month BIN 4 = 11259375
    );
    assert.ok(body !== undefined);
    assert.deepEqual(goldenUp(10, body), { todayBytes: 0x1234, monthBytes: 0xabcdef });
  });

  test("F11 reading status: two ports, 19 bytes each", () => {
    const body = fromHex(
      "02" + // n = 2 ports
        " 02 10 00 01 0F 00 00 00 00 00 15 11 23 00 30 01 15 11 23" + // port 2, 16 to read, status 01, 15 ok, 0 key, start 00:00:00 15-11-23 (weekday 0), end 01:30:00
        " 1F 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00", // port 31, nothing read: both times 00×6 = unset
    );
    assert.ok(body !== undefined);
    const v = goldenUp(11, body);
    assert.deepEqual(at(v, "ports", 0), {
      port: 2,
      metersToRead: 16,
      status: 1,
      readOkCount: 15,
      keyUserOkCount: 0,
      startTime: { time: "2023-11-15 00:00:00", weekday: 0 },
      endTime: { time: "2023-11-15 01:30:00", weekday: 0 },
    });
    assert.equal(at(v, "ports", 1, "startTime"), "unset");
  });

  test("F4 uplink state bitfield and F169 nested route list", () => {
    const f4 = fromHex("06"); // D1..D0 = 2 (active report forbidden), D3..D2 = 1 (talk allowed)
    assert.ok(f4 !== undefined);
    assert.deepEqual(goldenUp(4, f4), { state: { activeReport: 2, talk: 1, reserved: 0 } });
    const f169 = fromHex(
      "1F" + // port 31
        " 02" + // 2 routes
        " 00" + // route 1: depth 0 (direct)
        " 01 78 56 34 12 18 20", // route 2: depth 1, relay 201812345678 (A.12)
    );
    assert.ok(f169 !== undefined);
    const v = goldenUp(169, f169);
    assert.deepEqual(v, { port: 31, routes: [{ relays: [] }, { relays: [{ address: "201812345678" }] }] });
  });

  test("F35 max demand: all demands, then all their times (grouped, as GY decodes it); F37 is an energy block", () => {
    const body = fromHex(
      "30 08 15 11 23" + // read time 2023-11-15 08:30
        " 01" + // M = 1
        " 00 50 12 00 40 11" + // active max demand total 12.5000, tariff 1 11.4000 (A.23)
        " 15 07 03 11 15 07 03 11" + // their times 11-03 07:15 twice (A.17 mm hh DD MM)
        " EE EE EE 00 00 01" + // reactive max demand total: no data, tariff 1 1.0000
        " EE EE EE EE 00 00 01 10", // their times: no data, 10-01 00:00
    );
    assert.ok(body !== undefined);
    const v = goldenUp(35, body);
    assert.deepEqual(v.activeMaxDemand, [{ value: 12.5 }, { value: 11.4 }]);
    assert.deepEqual(v.activeMaxDemandTime, [{ value: "11-03 07:15" }, { value: "11-03 07:15" }]);
    assert.deepEqual(v.reactiveMaxDemand, [{ value: null }, { value: 1 }]);
    assert.deepEqual(v.reactiveMaxDemandTime, [{ value: null }, { value: "10-01 00:00" }]);
    assert.deepEqual(row(37).up, row(33).up);
    assert.deepEqual(row(39).up, row(35).up);
  });

  test("F165 switch operations (23 bytes): counts A.10 and last times A.1, never-opened cover = unset", () => {
    const body = fromHex(
      "30 08 15 11 23" + // read time 2023-11-15 08:30
        " 12 00 00" + // programming-switch count 12 (A.10)
        " 00 00 09 01 71 23" + // last at 2023-11-01 09:00:00, weekday 3
        " 00 00 00" + // cover openings 0
        " 00 00 00 00 00 00", // last opening: never (zeros)
    );
    assert.ok(body !== undefined);
    assert.equal(body.length, 23);
    assert.deepEqual(goldenUp(165, body), {
      readTime: "2023-11-15 08:30",
      programSwitchCount: 12,
      lastProgramSwitchTime: { time: "2023-11-01 09:00:00", weekday: 3 },
      coverOpenCount: 0,
      lastCoverOpenTime: "unset",
    });
  });

  test("F13 meters found by search [L]: count BIN 2, then address, protocol, collector, port per meter", () => {
    const body = fromHex(
      "02 00" + // 2 meters
        " 01 11 00 00 00 00 1E 00 00 00 00 00 00 02" + // 000000001101, protocol 30 (645-2007), no collector, port 2
        " 57 34 00 00 00 00 01 78 56 34 12 18 20 1F", // 000000003457, protocol 1 (645-1997), collector 201812345678, port 31
    );
    assert.ok(body !== undefined);
    assert.deepEqual(goldenUp(13, body), {
      meters: [
        { address: "000000001101", protocol: 30, collector: "000000000000", port: 2 },
        { address: "000000003457", protocol: 1, collector: "201812345678", port: 31 },
      ],
    });
    const none = fromHex("00 00");
    assert.ok(none !== undefined);
    assert.deepEqual(goldenUp(13, none), { meters: [] });
  });

  test("F13 with an entry cut short is `truncated`, with a non-BCD address is `bad-value`", () => {
    const up = row(13).up ?? [];
    const short = fromHex("01 00 01 11 00 00 00 00 1E 00 00 00 00 00 00"); // count 1, entry lacks its port byte
    assert.ok(short !== undefined);
    const r1 = decodeBody(up, short);
    assert.ok(!r1.ok);
    assert.equal(r1.error.code, "truncated");
    const bad = fromHex("01 00 0A 11 00 00 00 00 1E 00 00 00 00 00 00 02"); // address byte 0A is not BCD
    assert.ok(bad !== undefined);
    const r2 = decodeBody(up, bad);
    assert.ok(!r2.ok);
    assert.equal(r2.error.code, "bad-value");
    assert.match(r2.error.field, /address/);
  });

  test("F129 with a truncated tariff is `truncated`, with a non-BCD digit is `bad-value`", () => {
    const up = row(129).up ?? [];
    const short = fromHex("18 16 28 08 18 01 00 01 00 00 00 00 01 00 00"); // M=1 but the tariff has 4 of 5 bytes
    assert.ok(short !== undefined);
    const r1 = decodeBody(up, short);
    assert.ok(!r1.ok && r1.error.code === "truncated");
    const bad = fromHex("18 16 28 08 18 00 0A 00 00 00 00"); // total's first byte 0A is not BCD
    assert.ok(bad !== undefined);
    const r2 = decodeBody(up, bad);
    assert.ok(!r2.ok && r2.error.code === "bad-value");
  });
});

// ---- whole-table properties ---------------------------------------------------------------------------------------

describe("AFN0C table properties", () => {
  test("rows: unique Fn, empty request bodies, families built from shared shapes", () => {
    assert.equal(new Set(AFN0C_ROWS.map((r) => r.fn)).size, AFN0C_ROWS.length);
    for (const r of AFN0C_ROWS) assert.deepEqual(r.down, [], `F${r.fn} request body`);
    // F129..F136 share the energy shape with F137..F144 (one declaration, two families).
    assert.deepEqual(row(129).up, row(137).up);
    assert.deepEqual(row(130).up, row(132).up);
  });

  test("every up body round-trips generated values", () => {
    for (const r of AFN0C_ROWS) {
      const up = r.up ?? [];
      fc.assert(
        fc.property(arbitraryForFields(up), (value) => {
          const bytes = encodeBody(up, value);
          const back = decodeBody(up, bytes);
          assert.ok(back.ok, `F${r.fn}: ${back.ok ? "" : back.error.message}`);
          assert.equal(toHex(encodeBody(up, back.value)), toHex(bytes));
        }),
        { numRuns: 25 },
      );
    }
  });

  test("random bytes into every up/down body give a Result, never an exception", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        for (const r of AFN0C_ROWS) {
          decodeBody(r.up ?? [], bytes);
          decodeBody(r.down ?? [], bytes);
        }
      }),
      { numRuns: 150 },
    );
  });
});
