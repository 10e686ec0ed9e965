/**
 * The meter archive over real TCP on 127.0.0.1: a master sets 2,040 meters with AFN04 F10 (several frames),
 * the daemon commits them to its SQLite file, and AFN0A F10 reads back exactly what was set.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { MasterStation } from "../src/sim/master/master-station.ts";
import {
  ENTRIES_PER_SET_FRAME,
  type MeterConfig,
  type Progress,
  readMeterArchive,
  setMeterArchive,
} from "../src/sim/master/meter-archive.ts";
import { type ServerDaemonFixture, startServerDaemon } from "./support/server-daemon.ts";

const TIMEOUT_MS = 60_000;

function meter(serial: number): MeterConfig {
  return {
    serial,
    pn: serial,
    port: serial <= 1020 ? 2 : 31,
    baud: serial <= 1020 ? 2400 : 0,
    protocol: serial % 7 === 0 ? 1 : 30,
    address: String(100_000_000_000 + serial),
    password: serial.toString(16).padStart(12, "0"),
    tariffs: 4,
    integerDigits: 6,
    decimalDigits: 2,
    collector: serial % 5 === 0 ? String(900_000_000_000 + serial) : "000000000000",
    bigClass: serial % 16,
    smallClass: (serial >> 4) % 16,
  };
}

describe("meter archive over TCP", { timeout: 180_000 }, () => {
  let fixture: ServerDaemonFixture;
  let master: MasterStation;
  const archive = Array.from({ length: 2040 }, (_, i) => meter(i + 1));

  before(async () => {
    fixture = await startServerDaemon();
    master = fixture.master;
  });

  after(async () => {
    await fixture?.close();
  });

  it("sets 2,040 meters in several AFN04 F10 frames, with progress", async () => {
    const progress: Progress[] = [];
    const result = await setMeterArchive(master, archive, (p) => progress.push(p), TIMEOUT_MS);
    assert.deepEqual(result, { accepted: 2040, refused: [] });
    assert.equal(progress.length, Math.ceil(2040 / ENTRIES_PER_SET_FRAME));
    assert.deepEqual(progress.at(-1), { done: 2040, total: 2040 });
    assert.equal(fixture.daemon.core.store.meters.count(), 2040);
  });

  it("reads back exactly the archive that was set (AFN0A F10 by serial)", async () => {
    const progress: Progress[] = [];
    const back = await readMeterArchive(master, undefined, (p) => progress.push(p), TIMEOUT_MS);
    assert.deepEqual(back, archive);
    assert.deepEqual(progress.at(-1), { done: 2040, total: 2040 });
  });

  it("answers only the serials asked for, in request order", async () => {
    const back = await readMeterArchive(master, [2040, 7, 7, 1], undefined, TIMEOUT_MS);
    assert.deepEqual(
      back.map((m) => m.serial),
      [2040, 7, 1],
    );
  });

  it("refuses a meter whose address is already another serial's on that port (ERR 2), keeps the archive", async () => {
    const clash = { ...meter(1), serial: 5, pn: 5 };
    const result = await setMeterArchive(master, [clash], undefined, TIMEOUT_MS);
    assert.equal(result.accepted, 0);
    assert.match(result.refused[0]?.reason ?? "", /duplicated/);
    const back = await readMeterArchive(master, [5], undefined, TIMEOUT_MS);
    assert.deepEqual(back, [meter(5)]);
  });

  it("denies a query for serials that are not configured", async () => {
    await setMeterArchive(master, [{ ...meter(2040), pn: 0 }], undefined, TIMEOUT_MS);
    const reply = await master.request(0x0a, [{ pn: 0, fn: 10, data: { serials: [{ serial: 2040 }] } }]);
    assert.equal(reply.denied, true);
  });
});
