import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import fc from "fast-check";
import { ManualClock } from "../common/clock.ts";
import { fromHex, toHex } from "../protocol/common/hex.ts";
import { AFN04_ROWS } from "../protocol/gw1376-1/afn04.ts";
import { arbitraryForFields, undescribedCustomField } from "../protocol/gw1376-1/layout-arbitrary.ts";
import { encodeBody } from "../protocol/gw1376-1/layout-codec.ts";
import { dayKey } from "../store/calendar.ts";
import { f9FromEventConfig } from "./event-recorder.ts";
import { encodeA1 } from "./local-time.ts";
import { HEARTBEAT_INTERVAL_MS, TerminalCore } from "./terminal-core.ts";
import { defaultVersionInfo } from "./version-info.ts";

const OFFSET = 480;
// 2026-11-26 10:30:00 local (UTC+8)
const START = Date.UTC(2026, 10, 26, 2, 30);

let dir: string;
let host: ManualClock;
let core: TerminalCore;

function open(version = defaultVersionInfo()): TerminalCore {
  return new TerminalCore({
    dbPath: join(dir, "dcu.db"),
    hostClock: host,
    utcOffsetMinutes: OFFSET,
    version,
  });
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "opendcu-terminal-"));
  host = new ManualClock(START);
  core = open();
});

afterEach(() => {
  core.close();
  rmSync(dir, { recursive: true, force: true });
});

function hex(text: string): Uint8Array {
  const bytes = fromHex(text);
  if (bytes === undefined) throw new Error(`bad hex ${text}`);
  return bytes;
}

/** One 27-byte F10 entry: serial, pn, port (rate code 3 = 2400), DL/T 645-2007, address digits. */
function f10Entry(serial: number, pn: number, port: number, address: string): Uint8Array {
  const addr = address.padStart(12, "0");
  const bcd = Array.from({ length: 6 }, (_, i) => Number.parseInt(addr.slice(10 - 2 * i, 12 - 2 * i), 16));
  return Uint8Array.of(
    serial & 0xff,
    serial >> 8,
    pn & 0xff,
    pn >> 8,
    (3 << 5) | port,
    30,
    ...bcd,
    ...new Uint8Array(6),
    4,
    0x05,
    ...new Uint8Array(6),
    0x11,
  );
}

function f10(...entries: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(2 + 27 * entries.length);
  out[0] = entries.length;
  entries.forEach((e, i) => {
    out.set(e, 2 + 27 * i);
  });
  return out;
}

function records(ring: "important" | "general") {
  return core.store.events.read(ring, 0, 0);
}

describe("terminal clock", () => {
  it("sets the time from an A.1 body, persists the offset and records ERC41", () => {
    const target = Date.UTC(2026, 10, 26, 4, 0, 5); // 12:00:05 local
    assert.ok(core.setClockFromA1(encodeA1(target, OFFSET)));
    assert.equal(core.clock.now(), target);
    host.advance(1000);
    assert.equal(core.clock.now(), target + 1000);
    const erc41 = records("important").find((e) => e.erc === 41);
    assert.ok(erc41);
    // Le 14: pn 0000, before 00 30 10 26 91 26 (Thu = 4 → 0x80|0x11), after 05 00 12 26 91 26
    assert.equal(toHex(erc41.record), "29 0E 00 00 00 30 10 26 91 26 05 00 12 26 91 26");
    core.close();
    core = open();
    assert.equal(core.clock.now(), target + 1000, "offset survives a restart");
  });

  it("refuses a malformed A.1 body", () => {
    assert.equal(core.setClockFromA1(hex("00 00 25 31 02 26")), false); // 31 February
    assert.equal(core.setClockFromA1(hex("00 00 12")), false);
    assert.equal(core.clock.offsetMs, 0);
  });
});

describe("event recording per F9", () => {
  it("records only enabled ERCs, in the ring F9 assigns, and moves EC1/EC2", () => {
    const seen: number[] = [];
    core.events.onEvent((e) => seen.push(e.erc));
    const f9 = f9FromEventConfig({ record: new Set([3, 21]), important: new Set([21]) });
    assert.deepEqual(core.parameters.set([{ fn: 9, pn: 0, body: f9 }], 7), [{ fn: 9, pn: 0, err: 0 }]);
    // the ERC3 for the F9 change itself is recorded under the new F9: general ring
    assert.deepEqual(
      records("general").map((e) => e.erc),
      [3],
    );
    core.selfCheck(); // no fault → nothing
    core.setClock(START + 5000); // ERC41 disabled by F9
    assert.equal(records("important").filter((e) => e.erc === 41).length, 0);
    const c = core.store.events.counters();
    assert.equal(c.ec2, 1);
    assert.deepEqual(seen, [3]);
  });
});

describe("parameters", () => {
  it("stores accepted units byte-exact, refuses bad ones per unit, and audits with ERC3", () => {
    const f1 = hex("01 02 03 04 05 06");
    const results = core.parameters.set(
      [
        { fn: 1, pn: 0, body: f1 },
        { fn: 3, pn: 0, body: hex("01 02") },
        { fn: 200, pn: 0, body: hex("00") },
        { fn: 25, pn: 5, body: new Uint8Array(11) },
      ],
      0x12,
    );
    assert.deepEqual(
      results.map((r) => [r.fn, r.pn, r.err]),
      [
        [1, 0, 0],
        [3, 0, 1],
        [200, 0, 1],
        [25, 5, 0],
      ],
    );
    assert.match(results[1]?.reason ?? "", /truncated at F3/);
    assert.match(results[2]?.reason ?? "", /unknown-fn/);
    assert.equal(toHex(core.parameters.get(1, 0) ?? new Uint8Array()), "01 02 03 04 05 06");
    assert.equal(core.parameters.get(3, 0), undefined);
    assert.deepEqual(core.parameters.getDecoded(1, 0), {
      rtsDelay20ms: 1,
      initiatorDelayMinutes: 2,
      response: { timeoutSeconds: 0x403, resends: 0, reserved: 0 },
      confirmFlags: 5,
      heartbeatMinutes: 6,
    });
    const erc3 = records("important").find((e) => e.erc === 3);
    assert.ok(erc3);
    // time 30 10 26 11 26, MSA 12, DA/DT p0 F1 = 00 00 01 00, p5 F25 = 10 01 01 03
    assert.equal(toHex(erc3.record), "03 0E 30 10 26 11 26 12 00 00 01 00 10 01 01 03");
  });

  it("applies a semantic rule after the layout (F35: at most 10 key users)", () => {
    const body = new Uint8Array(1 + 11 * 2);
    body[0] = 11;
    const [r] = core.parameters.set([{ fn: 35, pn: 0, body }], 1);
    assert.equal(r?.err, 1);
    assert.match(r?.reason ?? "", /exceeds 10/);
  });

  it("reports set parameters in the AFN0C F3 bitmap", () => {
    core.parameters.set([{ fn: 1, pn: 0, body: new Uint8Array(6) }], 1);
    core.parameters.set([{ fn: 10, pn: 0, body: f10(f10Entry(1, 1, 2, "1")) }], 1);
    const bitmap = core.parameters.statusBitmap();
    assert.equal(bitmap.length, 31);
    assert.equal(bitmap[0], 0b0000_0001); // F1
    assert.equal(bitmap[1], 0b0000_0010); // F10 = bit 9
  });
});

describe("meter archive through AFN04 F10", () => {
  it("stores entries and answers AFN0A F10 byte-exact; pn 0 deletes", () => {
    const e1 = f10Entry(1, 1, 2, "202611260001");
    const e2 = f10Entry(2, 2, 31, "202611260002");
    assert.equal(core.parameters.set([{ fn: 10, pn: 0, body: f10(e1, e2) }], 1)[0]?.err, 0);
    assert.equal(toHex(core.parameters.queryMeters([2, 1, 9])), toHex(f10(e2, e1)));
    const m = core.store.meters.get(1);
    assert.equal(m?.address, "202611260001");
    assert.equal(m?.port, 2);
    assert.equal(m?.baudCode, 3);
    assert.equal(core.parameters.set([{ fn: 10, pn: 0, body: f10(f10Entry(1, 0, 2, "0")) }], 1)[0]?.err, 0);
    assert.equal(core.store.meters.get(1), undefined);
    assert.equal(core.store.meters.count(), 1);
  });

  it("answers ERR 2 for duplicate serial, pn or address, and keeps the other units of the frame", () => {
    core.parameters.set([{ fn: 10, pn: 0, body: f10(f10Entry(1, 1, 2, "11")) }], 1);
    const results = core.parameters.set(
      [
        { fn: 10, pn: 0, body: f10(f10Entry(5, 5, 2, "55"), f10Entry(5, 6, 2, "56")) }, // serial twice
        { fn: 10, pn: 0, body: f10(f10Entry(5, 5, 2, "55"), f10Entry(6, 5, 2, "56")) }, // pn twice
        { fn: 10, pn: 0, body: f10(f10Entry(5, 5, 3, "55"), f10Entry(6, 6, 3, "55")) }, // address twice
        { fn: 10, pn: 0, body: f10(f10Entry(7, 7, 2, "11")) }, // address already serial 1 on port 2
        { fn: 10, pn: 0, body: f10(f10Entry(8, 1, 2, "88")) }, // pn 1 already serial 1
        { fn: 10, pn: 0, body: f10(f10Entry(9, 9, 3, "11")) }, // same address, other port: fine
        { fn: 10, pn: 0, body: f10(f10Entry(1, 1, 2, "12")) }, // serial 1 rewritten: fine
      ],
      1,
    );
    assert.deepEqual(
      results.map((r) => r.err),
      [2, 2, 2, 2, 2, 0, 0],
    );
    assert.deepEqual(
      core.store.meters.list().map((m) => [m.serial, m.point, m.address]),
      [
        [1, 1, "000000000012"],
        [9, 9, "000000000011"],
      ],
    );
  });

  it("refuses malformed F10 bodies with ERR 1 and no partial writes", () => {
    const good = f10Entry(3, 3, 2, "33");
    const truncated = f10(good).subarray(0, 20);
    const badSerial = f10(f10Entry(2041, 3, 2, "33"));
    const badBcd = f10(good);
    badBcd[8] = 0xab;
    const wrongCount = f10(good);
    wrongCount[0] = 2;
    const results = core.parameters.set(
      [truncated, badSerial, badBcd, wrongCount].map((body) => ({ fn: 10, pn: 0, body })),
      1,
    );
    assert.deepEqual(
      results.map((r) => r.err),
      [1, 1, 1, 1],
    );
    assert.equal(core.store.meters.count(), 0);
    assert.equal(records("important").filter((e) => e.erc === 3).length, 0, "no ERC3 when nothing changed");
  });
});

describe("initialisation (AFN01)", () => {
  function fill(): void {
    core.parameters.set(
      [
        { fn: 1, pn: 0, body: new Uint8Array(6) },
        { fn: 25, pn: 1, body: new Uint8Array(11) },
        { fn: 10, pn: 0, body: f10(f10Entry(1, 1, 2, "1")) },
      ],
      1,
    );
    core.store.readings.put({ point: 1, item: "0C:F129", readAt: 1, value: 1 });
    core.store.daily.put({
      point: 1,
      item: "0D:F161",
      period: dayKey(core.clock.now(), OFFSET),
      readAt: 1,
      value: 1,
    });
  }

  it("F2 clears data and events but keeps parameters, then records ERC1 as the first event", () => {
    fill();
    core.initialise(2);
    assert.equal(core.store.readings.forItem("0C:F129").length, 0);
    assert.equal(core.store.daily.count(), 0);
    assert.ok(core.parameters.get(1, 0));
    assert.equal(core.store.meters.count(), 1);
    assert.deepEqual(
      records("important").map((e) => [e.slot, e.erc, e.record[7]]),
      [[0, 1, 1]],
    );
  });

  it("F3 clears parameters and data; F4 keeps master-communication parameters", () => {
    fill();
    core.initialise(4);
    assert.ok(core.parameters.get(1, 0), "F1 (uplink comm) kept by F4");
    assert.equal(core.parameters.get(25, 1), undefined);
    assert.equal(core.store.meters.count(), 0);
    core.initialise(3);
    assert.equal(core.parameters.get(1, 0), undefined);
    assert.equal(core.store.events.counters().ec1, 1);
  });

  it("F1 asks for a restart, keeps state, and the next start records ERC14 (normal)", () => {
    core.start();
    fill();
    host.advance(HEARTBEAT_INTERVAL_MS * 2 + 10);
    assert.deepEqual(core.initialise(1), { restart: true });
    core.close();
    host.advance(5 * 60_000);
    core = open();
    core.start();
    assert.ok(core.parameters.get(1, 0));
    const erc14 = records("important").find((e) => e.erc === 14);
    assert.ok(erc14);
    // off = last heartbeat 10:32, on = 10:37
    assert.equal(toHex(erc14.record), "0E 0A 32 10 26 11 26 37 10 26 11 26");
  });
});

describe("start-up checks", () => {
  it("records ERC1 on first start and on a version change, ERC14 after a power cut", () => {
    core.start();
    assert.deepEqual(
      records("important").map((e) => e.erc),
      [1],
    );
    host.advance(90_000); // heartbeat at 10:31, then the power goes at 10:31:30
    core.close();
    host.advance(3600_000);
    core = open({ ...defaultVersionInfo(), softwareVersion: "0200" });
    core.start();
    const events = records("important");
    assert.deepEqual(
      events.map((e) => e.erc),
      [1, 1, 14],
    );
    // ERC1: time, flags D1 (version change), old "0100", new "0200"
    assert.equal(
      toHex(events[1]?.record ?? new Uint8Array()),
      "01 0E 31 11 26 11 26 02 30 31 30 30 30 32 30 30",
    );
    assert.equal(toHex(events[2]?.record ?? new Uint8Array()), "0E 0A 31 10 26 11 26 31 11 26 11 26");
  });

  it("records ERC21 once for a clock fault that persists", () => {
    host.set(Date.UTC(1990, 0, 1));
    core.selfCheck();
    const r = core.selfCheck();
    assert.deepEqual(r.faults, [2]);
    const erc21 = records("important").filter((e) => e.erc === 21);
    assert.equal(erc21.length, 1);
    assert.equal(toHex(erc21[0]?.record ?? new Uint8Array()), "15 06 EE EE EE EE EE 02");
  });
});

describe("version info", () => {
  it("encodes the 41-byte AFN09 F1 body from package metadata", () => {
    const body = core.versionBody();
    assert.equal(body.length, 41);
    const text = new TextDecoder().decode(body);
    assert.equal(text.slice(0, 4), "ODCU");
    assert.equal(text.slice(12, 16), "0100"); // package.json 0.1.0
    assert.equal(toHex(body.subarray(16, 19)), "26 11 26");
    assert.equal(text.slice(30, 34), "1301");
  });
});

describe("every AFN04 Fn of the shared table", () => {
  it("accepts a generated valid body and returns it byte-exact for AFN0A", () => {
    const rows = AFN04_ROWS.filter(
      (r) =>
        r.afn === 0x04 && r.fn !== 10 && r.down !== undefined && undescribedCustomField(r.down) === undefined,
    );
    assert.ok(rows.length >= 30, `only ${rows.length} AFN04 rows`);
    for (const row of rows) {
      const fields = row.down ?? [];
      const pn = row.pn === "p0" ? 0 : 1;
      fc.assert(
        fc.property(arbitraryForFields(fields), (value) => {
          const body = encodeBody(fields, value);
          const [result] = core.parameters.set([{ fn: row.fn, pn, body }], 1);
          if (row.fn === 35 && (body[0] ?? 0) > 10) return result?.err === 1;
          assert.equal(result?.err, 0, `F${row.fn}: ${result?.reason}`);
          assert.equal(toHex(core.parameters.get(row.fn, pn) ?? new Uint8Array()), toHex(body), `F${row.fn}`);
          return true;
        }),
        { numRuns: 3 },
      );
    }
  });

  it("refuses a point parameter on pn 0, a p0 parameter on a point, and trailing bytes", () => {
    const results = core.parameters.set(
      [
        { fn: 25, pn: 0, body: new Uint8Array(11) },
        { fn: 9, pn: 3, body: new Uint8Array(16) },
        { fn: 9, pn: 0, body: new Uint8Array(17) },
      ],
      1,
    );
    assert.deepEqual(
      results.map((r) => r.err),
      [1, 1, 1],
    );
    assert.match(results[2]?.reason ?? "", /trailing-bytes/);
  });
});
