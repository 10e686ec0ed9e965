import assert from "node:assert/strict";
import { test } from "node:test";
import { AFN0A_ROWS, AFN04_ROWS, PARAMETERS } from "./afn04.ts";
import { findFnRow } from "./fn-table.ts";
import { assertGolden, firstUnit, fromHexStrict } from "./layout-arbitrary.ts";
import { decodeBody, fieldsFixedLength } from "./layout-codec.ts";

const set = (fn: number) => findFnRow(0x04, fn)?.down;
const query = (fn: number) => findFnRow(0x0a, fn);

test("AFN04/0A: both row sets come from the one parameter table", () => {
  for (const p of PARAMETERS) {
    const a0a = query(p.fn);
    assert.equal(a0a?.up, p.body, `AFN0A F${p.fn} answer is the parameter body`);
    if (p.queryOnly) assert.equal(findFnRow(0x04, p.fn), undefined, `F${p.fn} is query-only`);
    else assert.equal(set(p.fn), p.body, `AFN04 F${p.fn} body is the parameter body`);
  }
  assert.equal(AFN0A_ROWS.length, PARAMETERS.length);
  assert.equal(AFN04_ROWS.length, PARAMETERS.length * 2 - PARAMETERS.filter((p) => p.queryOnly).length);
});

test("AFN04/0A: stated fixed lengths of the reference (§4.3)", () => {
  const expected: Record<number, number> = { 1: 6, 3: 28, 4: 16, 5: 3, 6: 16, 8: 8, 9: 16, 12: 2, 16: 64 };
  Object.assign(expected, { 25: 11, 26: 57, 27: 24, 28: 4, 29: 12, 30: 1, 36: 4, 57: 3, 58: 1, 59: 5 });
  Object.assign(expected, { 60: 80, 61: 1, 67: 1, 68: 1, 89: 4, 90: 2, 91: 10, 98: 13 });
  for (const [fn, length] of Object.entries(expected)) {
    assert.equal(fieldsFixedLength(set(Number(fn)) ?? []), length, `F${fn}`);
  }
  assert.equal(fieldsFixedLength(query(150)?.up ?? []), 512);
});

test("AFN04 F1 + F3 golden (SYN-F1F3: one DT naming F1 and F3, bodies back to back)", () => {
  const unit = firstUnit(
    "68 12 01 12 01 68 4A 01 01 BA 07 02 04 F2 00 00 05 00 0A 05 1E 30 04 0F C0 A8 01 64 28 23 0A 00 00 01 29 23 43 4D 4E 45 54 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 02 05 30 12 15 05 C3 16",
    true,
  );
  assert.equal(unit.dt, "05 00");
  // F1: 0A RTS 10×20 ms | 05 RTM 5 min | 1E 30 = timeout 30 s, 3 resends | 04 events need confirm | 0F 15 min
  assertGolden(set(1), unit.body.subarray(0, 6), {
    rtsDelay20ms: 10,
    initiatorDelayMinutes: 5,
    response: { timeoutSeconds: 30, resends: 3, reserved: 0 },
    confirmFlags: 4,
    heartbeatMinutes: 15,
  });
  // F3: C0 A8 01 64 | 28 23 = 9000 | 0A 00 00 01 | 29 23 = 9001 | "CMNET" NUL-padded to 16
  assertGolden(set(3), unit.body.subarray(6), {
    mainIp: "192.168.1.100",
    mainPort: 9000,
    backupIp: "10.0.0.1",
    backupPort: 9001,
    apn: "CMNET",
  });
});

test("AFN04 F10 golden: X20 (one entry, 漏保 variant) and SYN-F10 (two entries)", () => {
  const x20 = firstUnit(
    "68 E6 00 E6 00 68 5A 01 01 BA 07 02 04 65 00 00 02 01 01 00 01 00 01 00 21 00 66 55 44 33 22 11 22 22 22 11 11 11 00 05 66 66 66 33 22 11 31 67 89 00 00 00 00 00 00 00 00 00 00 00 00 00 00 6B 16",
    true,
  );
  assert.equal(x20.dt, "02 01");
  // n=1 | serial 1 | pn 1 | 21 = baud code 1, port 1 | protocol 0 | address | password | tariffs 0 |
  // digits 05 | collector | class 31
  assertGolden(set(10), x20.body, {
    meters: [
      {
        serial: 1,
        pn: 1,
        ratePort: { port: 1, baudCode: 1 },
        protocol: 0,
        address: "112233445566",
        password: "22 22 22 11 11 11",
        tariffs: { count: 0, reserved: 0 },
        digits: { decimalCode: 1, integerCode: 1, reserved: 0 },
        collector: "112233666666",
        userClass: { small: 1, big: 3 },
      },
    ],
  });
  const syn = firstUnit(
    "68 6A 01 6A 01 68 4A 01 01 BA 07 02 04 F1 00 00 02 01 02 00 01 00 01 00 62 1E 01 00 00 00 00 00 00 00 00 00 00 00 04 09 00 00 00 00 00 00 10 02 00 02 00 1F 1E 78 56 34 12 18 20 00 00 00 00 00 00 04 09 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 01 00 30 12 15 05 A0 16",
    true,
  );
  const entry = (serial: number, port: number, baudCode: number, address: string, big: number) => ({
    serial,
    pn: serial,
    ratePort: { port, baudCode },
    protocol: 30, // DL/T 645-2007
    address,
    password: "00 00 00 00 00 00",
    tariffs: { count: 4, reserved: 0 },
    digits: { decimalCode: 1, integerCode: 2, reserved: 0 }, // 6 + 2 digits
    collector: "000000000000",
    userClass: { small: 0, big },
  });
  assertGolden(set(10), syn.body, {
    meters: [entry(1, 2, 3, "000000000001", 1), entry(2, 31, 0, "201812345678", 0)],
  });
});

test("AFN0A F10 golden: the query selector (SYN-A10Q) and X2's empty F89 query", () => {
  const q = firstUnit("68 4A 00 4A 00 68 4B 01 01 BA 07 02 0A 69 00 00 02 01 02 00 01 00 02 00 8B 16", false);
  // n = 2 | serial 1 | serial 2
  assertGolden(query(10)?.down, q.body, { serials: [{ serial: 1 }, { serial: 2 }] });
  const x2 = firstUnit("FE FE FE FE 68 32 00 32 00 68 5B FF FF FF FF 01 0A 60 00 00 01 0B CE 16", false);
  assert.equal(x2.dt, "01 0B");
  assertGolden(query(89)?.down, x2.body, {});
});

test("AFN04 F33 golden (X18: one port block, one window)", () => {
  const x18 = firstUnit(
    "68 BE 00 BE 00 68 5A 01 01 BA 07 02 04 63 00 00 01 04 01 01 3F 00 FF FF FF FF 00 00 01 00 00 00 01 00 00 00 23 67 89 00 00 00 00 00 00 00 00 00 00 00 00 00 00 DD 16",
    true,
  );
  assert.equal(x18.dt, "01 04");
  // n=1 | port 1 | control 003F | days FFFFFFFF | 00:00 | 1 min | sync 00 00:00 | m=1 | 00:00–23:00
  assertGolden(set(33), x18.body, {
    ports: [
      {
        port: 1,
        control: 0x3f,
        readingDays: 0xffffffff,
        readingDayTime: "00:00",
        intervalMinutes: 1,
        timeSyncTime: "00 00:00",
        windows: [{ start: "00:00", end: "23:00" }],
      },
    ],
  });
});

test("AFN04 F38 golden (X19: big class 1, one small class with one Fn group)", () => {
  const x19 = firstUnit(
    "68 86 00 86 00 68 7A 01 01 BA 07 02 04 64 00 00 20 04 01 01 01 01 FF 67 89 00 00 00 00 00 00 00 00 00 00 00 00 00 00 BE 16",
    true,
  );
  assert.equal(x19.dt, "20 04");
  assertGolden(set(38), x19.body, {
    bigClass: 1,
    smallClasses: [{ smallClass: 1, groups: [{ fns: 0xff }] }],
  });
});

test("AFN04 hand-written: F2 relay list, F7 variable texts, F37 cascade, F65 task, F89 address", () => {
  assertGolden(
    set(2),
    fromHexStrict(
      [
        "82", // D7 enabled, n = 2
        "01 00 02 00", // A2 0001, 0002
      ].join(" "),
    ),
    { control: { count: 2, enabled: 1 }, addresses: [{ a2: 1 }, { a2: 2 }] },
  );
  assertGolden(
    set(7),
    fromHexStrict(
      [
        "C0 A8 00 0A", // ip 192.168.0.10
        "FF FF FF 00", // mask
        "C0 A8 00 01", // gateway
        "00", // no proxy
        "00 00 00 00 00 00", // proxy ip + port
        "01", // auth user + password
        "02 61 62", // user "ab"
        "00", // empty password
        "28 23", // listen port 9000
      ].join(" "),
    ),
    {
      ip: "192.168.0.10",
      mask: "255.255.255.0",
      gateway: "192.168.0.1",
      proxyType: 0,
      proxyIp: "0.0.0.0",
      proxyPort: 0,
      proxyAuth: 1,
      user: "ab",
      password: "",
      listenPort: 9000,
    },
  );
  assertGolden(
    set(37),
    fromHexStrict(
      [
        "02", // port 2
        "6B", // 2400 8E1
        "0A 05 03 0F", // frame 1 s, byte 50 ms, 3 retries, patrol 15 min
        "01", // one cascaded terminal, this one is the master
        "03 44 01 00", // A1 4403, A2 1
      ].join(" "),
    ),
    {
      port: 2,
      control: { dataBitsCode: 3, oddParity: 0, parityEnabled: 1, twoStopBits: 0, baudCode: 3 },
      frameTimeout100ms: 10,
      byteTimeout10ms: 5,
      retries: 3,
      patrolMinutes: 15,
      cascade: { count: 1, cascaded: 0 },
      terminals: [{ a1: "4403", a2: 1 }],
    },
  );
  assertGolden(
    query(65)?.up,
    fromHexStrict(
      [
        "4F", // every 15 (D5..D0) hours (D7..D6 = 01)
        "00 00 00 15 71 23", // base time 2023-11-15 00:00:00 Wed
        "01", // curve ratio 1
        "01 01 01 01 10", // n = 1: p1 F129
      ].join(" "),
    ),
    {
      period: { value: 15, unit: 1 },
      baseTime: { time: "2023-11-15 00:00:00", weekday: 3 },
      curveRatio: 1,
      items: [{ da: "01 01", dt: "01 10" }],
    },
  );
  // F89: A1 4403 → 03 44, A2 0x0822 → 22 08
  assertGolden(set(89), fromHexStrict("03 44 22 08"), { a1: "4403", a2: 0x0822 });
  assert.equal(findFnRow(0x04, 65)?.pn, "task");
  assert.equal(findFnRow(0x04, 25)?.pn, "point");
});

test("AFN04: bad content names the field path", () => {
  // F10 entry 1 address with a nibble > 9
  const body = fromHexStrict(
    "01 00 01 00 01 00 21 00 6A 55 44 33 22 11 22 22 22 11 11 11 00 05 66 66 66 33 22 11 31",
  );
  const result = decodeBody(set(10) ?? [], body);
  assert.equal(result.ok, false);
  if (!result.ok) {
    assert.equal(result.error.code, "bad-value");
    assert.equal(result.error.field, "data.meters[0].address");
  }
  // F7 user name longer than 20
  const long = decodeBody(set(7) ?? [], fromHexStrict(`${"00 ".repeat(20)}15`));
  assert.equal(long.ok ? "ok" : long.error.field, "data.user.length");
});
