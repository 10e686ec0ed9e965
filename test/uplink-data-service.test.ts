/**
 * The data service over real TCP on 127.0.0.1: the daemon's store (a real SQLite file) holds current readings
 * and one day of F161 for 2,040 meters; a master reads them back with named points (DA bitmaps) and with
 * "all points" (DA FF 00). The all-points answer is a multi-frame reply: every frame is checked against the
 * profile's size limit and the master library's reassembly must give back exactly what was stored.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ALL_POINTS } from "../src/protocol/gw1376-1/dadt.ts";
import type { Record_ } from "../src/protocol/gw1376-1/layout.ts";
import { decodeMessage } from "../src/protocol/gw1376-1/message.ts";
import { PROFILE_2013 } from "../src/protocol/gw1376-1/profile.ts";
import { FrameSplitter } from "../src/protocol/gw1376-1/splitter.ts";
import type { MasterStation } from "../src/sim/master/master-station.ts";
import { addDays, dayKey } from "../src/store/calendar.ts";
import { type ServerDaemonFixture, startServerDaemon } from "./support/server-daemon.ts";

const METERS = 2040;
const TIMEOUT = { timeoutMs: 120_000 };

/** F161 data (without its Td_d) for meter `pn`: total + 4 tariffs, values distinct per point. */
function dailyEnergy(pn: number): Record_ {
  return {
    readTime: "2026-11-25 00:05",
    tariffCount: 4,
    energy: Array.from({ length: 5 }, (_, i) => ({ value: pn * 10 + i + 0.1234 })),
  };
}

/** AFN0D F1 data (without Td_d): four energy blocks of total + 4 tariffs, 91 bytes per point. */
function dailyFourEnergies(pn: number): Record_ {
  const block = (k: number) => Array.from({ length: 5 }, (_, i) => ({ value: pn + k + i }));
  return {
    readTime: "2026-11-25 00:05",
    tariffCount: 4,
    positiveActive: block(0),
    positiveReactive: block(1),
    quadrant1Reactive: block(2),
    quadrant4Reactive: block(3),
  };
}

describe("data service over TCP", { timeout: 180_000 }, () => {
  let fixture: ServerDaemonFixture;
  let master: MasterStation;
  let day: number;
  let td: string;

  before(async () => {
    fixture = await startServerDaemon();
    master = fixture.master;
    const store = fixture.daemon.core.store;
    // Yesterday in terminal-local time, so the 62-day retention keeps it.
    day = addDays(dayKey(fixture.daemon.core.clock.now(), fixture.daemon.config.utcOffsetMinutes), -1);
    td = `${Math.floor(day / 10_000)}-${String(Math.floor(day / 100) % 100).padStart(2, "0")}-${String(day % 100).padStart(2, "0")}`;
    store.daily.putMany(
      Array.from({ length: METERS }, (_, i) => ({
        point: i + 1,
        item: "0D:F161",
        period: day,
        readAt: 0,
        value: dailyEnergy(i + 1),
      })),
    );
    store.daily.putMany(
      Array.from({ length: METERS }, (_, i) => ({
        point: i + 1,
        item: "0D:F1",
        period: day,
        readAt: 0,
        value: dailyFourEnergies(i + 1),
      })),
    );
    store.readings.putMany(
      [1, 3, 8, 9].map((pn) => ({
        point: pn,
        item: "0C:F129",
        readAt: fixture.daemon.core.clock.now(),
        value: dailyEnergy(pn),
      })),
    );
  });

  after(async () => {
    await fixture?.close();
  });

  it("answers named points of AFN0C F129 from the store, leaving out points without readings", async () => {
    const reply = await master.request(
      0x0c,
      [1, 2, 3, 8, 9].map((pn) => ({ pn, fn: 129 })),
    );
    assert.equal(reply.message.afn, 0x0c);
    assert.deepEqual(
      reply.items.map((i) => [i.pn, i.data]),
      [1, 3, 8, 9].map((pn) => [pn, dailyEnergy(pn)]),
    );
  });

  it("answers F161 for one day on all 2,040 meters as frames within the size limit, reassembled intact", async () => {
    const splitter = new FrameSplitter();
    const frames: Uint8Array[] = [];
    const stop = master.stream.onData((chunk) => {
      for (const frame of splitter.push(chunk)) frames.push(Uint8Array.from(frame));
    });
    try {
      const reply = await master.request(0x0d, [{ pn: ALL_POINTS, fn: 161, data: { Td_d: td } }], TIMEOUT);
      assert.equal(reply.denied, false);
      assert.equal(reply.items.length, METERS);
      reply.items.forEach((item, i) => {
        assert.equal(item.pn, i + 1);
        assert.equal(item.fn, 161);
        assert.deepEqual(item.data, { Td_d: td, ...dailyEnergy(i + 1) });
      });
    } finally {
      stop();
    }
    assert.ok(frames.length > 10, `a multi-frame reply (${frames.length} frames)`);
    const seqs: number[] = [];
    frames.forEach((frame, i) => {
      assert.ok(frame.length <= PROFILE_2013.maxFrameBytes, `frame ${i}: ${frame.length} bytes`);
      const decoded = decodeMessage(frame, PROFILE_2013);
      assert.ok(decoded.ok);
      assert.equal(decoded.value.seq.fir, i === 0);
      assert.equal(decoded.value.seq.fin, i === frames.length - 1);
      seqs.push(decoded.value.seq.seq);
    });
    const expected = seqs.map((_, i) => ((seqs[0] as number) + i) & 0x0f);
    assert.deepEqual(seqs, expected, "RSEQ increments per frame");
  });

  it("answers F1 for all meters: more frames than the outbound queue holds at once, none dropped", async () => {
    const reply = await master.request(0x0d, [{ pn: ALL_POINTS, fn: 1, data: { Td_d: td } }], TIMEOUT);
    assert.equal(reply.items.length, METERS);
    assert.deepEqual(reply.items[METERS - 1]?.data, { Td_d: td, ...dailyFourEnergies(METERS) });
  });

  it("answers F161 for DA bitmaps (several points per DA) with their own Td", async () => {
    const points = [5, 6, 7, 2040];
    const reply = await master.request(
      0x0d,
      points.map((pn) => ({ pn, fn: 161, data: { Td_d: td } })),
      TIMEOUT,
    );
    assert.deepEqual(
      reply.items.map((i) => [i.pn, i.data]),
      points.map((pn) => [pn, { Td_d: td, ...dailyEnergy(pn) }]),
    );
  });

  it("denies a day nothing was frozen for", async () => {
    const empty = addDays(day, -3);
    const text = `${Math.floor(empty / 10_000)}-${String(Math.floor(empty / 100) % 100).padStart(2, "0")}-${String(empty % 100).padStart(2, "0")}`;
    const reply = await master.request(0x0d, [{ pn: ALL_POINTS, fn: 161, data: { Td_d: text } }], TIMEOUT);
    assert.equal(reply.denied, true);
  });
});
