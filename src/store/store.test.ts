import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterEach, beforeEach, describe, it } from "node:test";
import { ManualClock } from "../common/clock.ts";
import { CapturingLogger } from "../common/logger.ts";
import { writeFileAtomic } from "./atomic-file.ts";
import { addDays, addMonths, dayKey, isDayKey, monthKey } from "./calendar.ts";
import { SCHEMA_VERSION } from "./database.ts";
import { CURVE_KEEP_DAYS } from "./frozen-repo.ts";
import type { MeterEntry } from "./meters-repo.ts";
import { Store } from "./store.ts";

const DAY = 86_400_000;
const START = Date.UTC(2026, 0, 1, 4); // 2026-01-01 12:00 at UTC+8

let dir: string;
let clock: ManualClock;
let store: Store;

function open(logger?: CapturingLogger): Store {
  return new Store({
    path: join(dir, "dcu.db"),
    clock,
    utcOffsetMinutes: 480,
    ...(logger === undefined ? {} : { logger }),
  });
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "opendcu-store-"));
  clock = new ManualClock(START);
  store = open();
});

afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function meter(serial: number, point: number, port: number, address: string): MeterEntry {
  return {
    serial,
    point,
    port,
    baudCode: 3,
    protocol: 30,
    address,
    password: new Uint8Array(6),
    tariffCount: 4,
    digits: 0x05,
    collector: "000000000000",
    userClass: 0x11,
    raw: new Uint8Array(27).fill(serial & 0xff),
  };
}

describe("database", () => {
  it("opens in WAL mode with synchronous=FULL, foreign keys and the current schema version", () => {
    assert.equal(store.db.pragma("journal_mode"), "wal");
    assert.equal(store.db.pragma("synchronous"), 2);
    assert.equal(store.db.pragma("foreign_keys"), 1);
    assert.equal(store.db.pragma("user_version"), SCHEMA_VERSION);
    assert.deepEqual(store.integrityCheck(), ["ok"]);
  });

  it("refuses a database written by a newer schema", () => {
    store.close();
    const raw = new DatabaseSync(join(dir, "dcu.db"));
    raw.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    assert.throws(
      () => open(),
      (e: unknown) => (e as { code?: string }).code === "store.invalid",
    );
    const fix = new DatabaseSync(join(dir, "dcu.db"));
    fix.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
    fix.close();
    store = open();
    assert.deepEqual(store.integrityCheck(), ["ok"]);
  });

  it("rolls back a failed transaction as a whole", () => {
    assert.throws(() =>
      store.transaction(() => {
        store.kv.set("a", 1);
        throw new Error("boom");
      }),
    );
    assert.equal(store.kv.get("a"), undefined);
  });

  it("keeps committed data across close and reopen", () => {
    store.kv.set("clock.offset", 1234);
    store.close();
    store = open();
    assert.equal(store.kv.getNumber("clock.offset", 0), 1234);
  });
});

describe("parameters", () => {
  it("stores the raw body and the decoded value per (Fn, pn) and lists set Fns", () => {
    store.parameters.put(1, 0, Uint8Array.of(1, 2, 3, 4, 5, 6), { rts: 1 });
    store.parameters.put(25, 3, Uint8Array.of(9), { pt: 1 });
    store.parameters.put(25, 3, Uint8Array.of(7), { pt: 2 });
    assert.deepEqual([...(store.parameters.get(25, 3)?.body ?? [])], [7]);
    assert.deepEqual(store.parameters.get(25, 3)?.decoded, { pt: 2 });
    assert.deepEqual(
      [...store.parameters.setFns()].sort((a, b) => a - b),
      [1, 25],
    );
    store.parameters.clearExcept(new Set([1]));
    assert.equal(store.parameters.get(25, 3), undefined);
    assert.ok(store.parameters.get(1, 0));
  });

  it("quarantines a row whose decoded JSON is corrupt instead of trusting it", () => {
    const logger = new CapturingLogger();
    store.close();
    store = open(logger);
    store.db.statement("INSERT INTO parameters VALUES (3, 0, x'00', '{not json', 0)").run();
    assert.equal(store.parameters.get(3, 0), undefined);
    assert.equal(store.quarantine.list().length, 1);
    assert.equal(store.quarantine.list()[0]?.source, "parameters");
    assert.ok(logger.entries.some((e) => e.level === "warn"));
    assert.equal(store.parameters.listFn(3).length, 0);
  });
});

describe("meter archive", () => {
  it("upserts, finds by point/address/port, and deletes", () => {
    store.meters.upsertMany([meter(1, 1, 2, "000000000001"), meter(2, 2, 2, "000000000002")]);
    store.meters.upsertMany([meter(3, 3, 31, "000000000001")]);
    assert.equal(store.meters.count(), 3);
    assert.equal(store.meters.getByPoint(2)?.serial, 2);
    assert.deepEqual(
      store.meters.findByAddress(2, "000000000001").map((m) => m.serial),
      [1],
    );
    assert.deepEqual(
      store.meters.listPort(2).map((m) => m.serial),
      [1, 2],
    );
    store.meters.deleteSerials([1, 3]);
    assert.deepEqual(
      store.meters.list().map((m) => m.serial),
      [2],
    );
  });

  it("quarantines a meter row with a malformed address", () => {
    store.meters.upsertMany([meter(5, 5, 2, "000000000005")]);
    store.db.statement("UPDATE meters SET address = 'zz' WHERE serial = 5").run();
    assert.equal(store.meters.get(5), undefined);
    assert.equal(store.meters.count(), 0);
    assert.match(store.quarantine.list()[0]?.reason ?? "", /address/);
  });

  it("rejects out-of-range rows at the schema level (STRICT + CHECK)", () => {
    assert.throws(() => store.meters.upsertMany([meter(2041, 1, 2, "000000000001")]));
    assert.equal(store.meters.count(), 0);
  });
});

describe("readings and frozen data", () => {
  it("keeps the latest reading per (item, point) and answers all points of an item in one query", () => {
    store.readings.putMany([
      { point: 2, item: "0C:F129", readAt: 10, value: { total: 1 } },
      { point: 1, item: "0C:F129", readAt: 11, value: { total: 2 } },
    ]);
    store.readings.put({ point: 2, item: "0C:F129", readAt: 12, value: { total: 3 } });
    assert.deepEqual(
      store.readings.forItem("0C:F129").map((r) => [r.point, r.readAt, r.value]),
      [
        [1, 11, { total: 2 }],
        [2, 12, { total: 3 }],
      ],
    );
  });

  it("stores one day for 2,040 points and reads them back for that day and item only", () => {
    const today = dayKey(clock.now(), 480);
    const rows = Array.from({ length: 2040 }, (_, i) => ({
      point: i + 1,
      item: "0D:F161",
      period: today,
      readAt: clock.now(),
      value: [i, i + 0.25, null],
    }));
    store.daily.putMany(rows);
    store.daily.putMany([{ point: 1, item: "0D:F162", period: today, readAt: 0, value: 0 }]);
    const back = store.daily.forPeriod("0D:F161", today);
    assert.equal(back.length, 2040);
    assert.deepEqual(back[2039]?.value, [2039, 2039.25, null]);
    assert.equal(back[0]?.point, 1);
    assert.equal(store.daily.pointsWith("0D:F162", today).size, 1);
  });

  it("keeps exactly 62 days after 100 simulated days", () => {
    for (let d = 0; d < 100; d++) {
      const period = dayKey(clock.now(), 480);
      store.daily.putMany([
        { point: 1, item: "F161", period, readAt: clock.now(), value: d },
        { point: 2, item: "F161", period, readAt: clock.now(), value: d },
      ]);
      clock.advance(DAY);
    }
    clock.set(clock.now() - DAY); // back on the last day written
    const periods = store.daily.periods();
    assert.equal(periods.length, 62);
    assert.equal(periods.at(-1), dayKey(START + 99 * DAY, 480));
    assert.equal(periods[0], addDays(dayKey(START + 99 * DAY, 480), -61));
    assert.equal(store.daily.count(), 124);
  });

  it("keeps exactly 12 months after 15 simulated months", () => {
    let t = START;
    for (let m = 0; m < 15; m++) {
      clock.set(t);
      store.monthly.putMany([{ point: 7, item: "F177", period: monthKey(t, 480), readAt: t, value: m }]);
      t += 31 * DAY;
    }
    const periods = store.monthly.periods();
    assert.equal(periods.length, 12);
    assert.equal(periods[0], addMonths(monthKey(clock.now(), 480), -11));
    assert.equal(store.monthly.get(7, "F177", monthKey(clock.now(), 480))?.value, 14);
  });

  it("drops records already outside the window and keeps curves as long as daily data", () => {
    store.daily.put({
      point: 1,
      item: "F161",
      period: addDays(dayKey(clock.now(), 480), -62),
      readAt: 0,
      value: 1,
    });
    assert.equal(store.daily.count(), 0);
    const base = Math.floor((clock.now() + 480 * 60_000) / 60_000);
    store.curves.putMany(
      Array.from({ length: 64 * 96 }, (_, i) => ({
        point: 1,
        item: "F81",
        period: base - i * 15,
        readAt: 0,
        value: i,
      })),
    );
    const kept = store.curves.periods();
    assert.ok(base - (kept[0] ?? base) >= CURVE_KEEP_DAYS * 1440, "at least 62 days of curve");
    assert.ok(base - (kept[0] ?? base) < (CURVE_KEEP_DAYS + 1) * 1440 + 15, "not more than 63 days");
    // The retention job (every write prunes) drops them as the clock moves on.
    clock.advance(2 * 86_400_000);
    store.curves.putNew([]);
    assert.ok(
      base - (store.curves.periods()[0] ?? base) < (CURVE_KEEP_DAYS - 1) * 1440,
      "pruned as days pass",
    );
  });

  it("putNew writes a curve point once: a second write of the same (period, item, point) is ignored", () => {
    const base = Math.floor((clock.now() + 480 * 60_000) / 60_000);
    const point = { point: 3, item: "0D:F81", period: base, readAt: 1, value: { value: 1.5 } };
    assert.equal(store.curves.putNew([point, { ...point, period: base + 15 }]), 2);
    assert.equal(store.curves.putNew([{ ...point, readAt: 2, value: { value: 9 } }]), 0);
    assert.deepEqual(store.curves.get(3, "0D:F81", base)?.value, { value: 1.5 });
    assert.equal(store.curves.count(), 2);
  });

  it("quarantines readings and frozen rows whose value is not JSON", () => {
    store.readings.put({ point: 1, item: "a", readAt: 0, value: 1 });
    store.readings.put({ point: 2, item: "a", readAt: 0, value: 2 });
    store.db.statement("UPDATE readings SET value = '{broken' WHERE point = 2").run();
    assert.deepEqual(
      store.readings.forItem("a").map((r) => r.point),
      [1],
    );
    const today = dayKey(clock.now(), 480);
    store.daily.put({ point: 1, item: "d", period: today, readAt: 0, value: 1 });
    store.db.statement("UPDATE frozen_daily SET value = 'x'").run();
    assert.equal(store.daily.get(1, "d", today), undefined);
    assert.deepEqual(
      store.quarantine.list().map((q) => q.source),
      ["readings", "frozen_daily"],
    );
    assert.equal(store.daily.count(), 0);
  });

  it("checks calendar keys", () => {
    assert.equal(addDays(20260301, -1), 20260228);
    assert.equal(addMonths(202601, -1), 202512);
    assert.equal(addMonths(202612, 1), 202701);
    assert.ok(isDayKey(20240229));
    assert.ok(!isDayKey(20250229));
    assert.equal(dayKey(Date.UTC(2026, 0, 1, 16), 480), 20260102);
  });
});

describe("reading state", () => {
  it("counts consecutive failures, resets on success, and tracks supplementary needs", () => {
    store.readingState.recordFailure(4, 100);
    const s = store.readingState.recordFailure(4, 200);
    assert.equal(s.consecutiveFailures, 2);
    store.readingState.recordSuccess(4, 300);
    assert.deepEqual(store.readingState.get(4), {
      point: 4,
      lastSuccessAt: 300,
      lastFailureAt: 200,
      consecutiveFailures: 0,
      totalFailures: 2,
    });
    assert.ok(store.readingState.addNeed(4, "F161", 20260101, 1));
    assert.ok(store.readingState.addNeed(4, "F161", 20260101, 2)); // idempotent
    store.readingState.noteAttempt(4, "F161", 20260101);
    assert.deepEqual(store.readingState.needs(), [
      { point: 4, item: "F161", period: 20260101, since: 1, attempts: 1 },
    ]);
    store.readingState.removeNeed(4, "F161", 20260101);
    assert.equal(store.readingState.needs().length, 0);
  });
});

describe("terminal event rings", () => {
  const rec = (erc: number, n: number) => Uint8Array.of(erc, 2, n & 0xff, n >> 8);

  it("writes at EC, advances EC mod 256 and reads Pm..Pn exclusive with wrap-around", () => {
    for (let i = 0; i < 300; i++) store.events.append("important", rec(1, i), i);
    store.events.append("general", rec(3, 0), 0);
    const c = store.events.counters();
    assert.equal(c.ec1, 300 % 256);
    assert.equal(c.ec2, 1);
    assert.equal(c.importantTotal, 300);
    const wrap = store.events.read("important", 250, 5); // 250..255, 0..4 → 11 records
    assert.equal(wrap.length, 11);
    assert.deepEqual(
      wrap.map((e) => e.slot),
      [250, 251, 252, 253, 254, 255, 0, 1, 2, 3, 4],
    );
    // slot 0 was overwritten by record 256
    assert.deepEqual([...(wrap[6]?.record ?? [])], [1, 2, 0, 1]);
    assert.equal(store.events.read("general", 0, 1).length, 1);
    assert.equal(store.events.latest("important", 3).at(-1)?.recordedAt, 299);
  });

  it("quarantines a stored record whose bytes disagree with its Le", () => {
    store.events.append("general", rec(1, 1), 0);
    store.events.append("general", rec(1, 2), 0);
    store.db.statement("UPDATE event_log SET content = x'0105' WHERE slot = 1").run();
    assert.deepEqual(
      store.events.read("general", 0, 2).map((e) => e.slot),
      [0],
    );
    assert.equal(store.quarantine.list()[0]?.source, "event_log");
  });

  it("refuses a record whose Le does not match and clears to EC = 0", () => {
    assert.throws(() => store.events.append("general", Uint8Array.of(1, 5, 0), 0), RangeError);
    store.events.append("general", rec(1, 1), 0);
    store.events.clear();
    assert.deepEqual(store.events.counters(), { ec1: 0, ec2: 0, importantTotal: 0, generalTotal: 0 });
    assert.equal(store.events.read("general", 0, 0).length, 0);
  });
});

describe("meter events, traffic, file transfer", () => {
  it("bounds meter events", () => {
    for (let i = 0; i < 30; i++) {
      store.meterEvents.append({ point: 1, kind: "cover", occurredAt: i, recordedAt: i, data: { i } });
    }
    assert.equal(store.meterEvents.count(), 30);
    assert.deepEqual(
      store.meterEvents.list(1, 2).map((e) => e.data),
      [{ i: 28 }, { i: 29 }],
    );
  });

  it("adds traffic to today and this month, and starts a new day at local midnight", () => {
    store.traffic.add(100, 20);
    store.traffic.add(1, 2);
    assert.deepEqual(store.traffic.today(), { upBytes: 101, downBytes: 22 });
    clock.advance(DAY);
    store.traffic.add(5, 5);
    assert.deepEqual(store.traffic.today(), { upBytes: 5, downBytes: 5 });
    assert.deepEqual(store.traffic.thisMonth(), { upBytes: 106, downBytes: 27 });
  });

  it("stores segments in any order, reports missing ones and assembles the file", () => {
    const seg = (n: number, len = 4) => new Uint8Array(len).fill(n);
    assert.equal(store.files.storeSegment(1, 3, 1, seg(1)).result, "stored");
    assert.equal(store.files.storeSegment(1, 3, 1, seg(1)).result, "duplicate");
    assert.equal(store.files.storeSegment(1, 3, 0, seg(0, 3)).result, "bad-length");
    assert.equal(store.files.storeSegment(1, 3, 3, seg(0)).result, "bad-index");
    assert.deepEqual(store.files.missing(1), [0, 2]);
    assert.equal(store.files.assemble(1), undefined);
    assert.equal(store.files.storeSegment(1, 3, 2, seg(2, 2)).complete, false);
    assert.equal(store.files.storeSegment(1, 3, 0, seg(0)).complete, true);
    assert.deepEqual([...(store.files.assemble(1) ?? [])], [0, 0, 0, 0, 1, 1, 1, 1, 2, 2]);
    store.files.clear(1);
    assert.equal(store.files.get(1), undefined);
  });

  it("clearData keeps parameters and meters but removes data and events", () => {
    store.parameters.put(1, 0, Uint8Array.of(1), {});
    store.meters.upsertMany([meter(1, 1, 2, "000000000001")]);
    store.readings.put({ point: 1, item: "a", readAt: 0, value: 1 });
    store.daily.put({ point: 1, item: "a", period: dayKey(clock.now(), 480), readAt: 0, value: 1 });
    store.events.append("general", Uint8Array.of(1, 0), 0);
    store.clearData();
    assert.equal(store.readings.forItem("a").length, 0);
    assert.equal(store.daily.count(), 0);
    assert.equal(store.events.counters().ec2, 0);
    assert.ok(store.parameters.get(1, 0));
    assert.equal(store.meters.count(), 1);
    store.clearParameters();
    assert.equal(store.parameters.get(1, 0), undefined);
    assert.equal(store.meters.count(), 0);
  });
});

describe("atomic file write", () => {
  it("replaces the file content and leaves no temp file", async () => {
    const path = join(dir, "config.json");
    await writeFileAtomic(path, "one");
    await writeFileAtomic(path, "two");
    assert.equal(readFileSync(path, "utf8"), "two");
    const { readdirSync } = await import("node:fs");
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.endsWith(".tmp")),
      [],
    );
  });
});
