/**
 * Server mode over real TCP on 127.0.0.1: a master connects to the running daemon (real SQLite file in a
 * temp dir) and reads the clock, sets it, reads the version, sets and queries parameters, gets a deny.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { findFnRow } from "../src/protocol/gw1376-1/fn-table.ts";
import { encodeBody } from "../src/protocol/gw1376-1/layout-codec.ts";
import type { MasterStation } from "../src/sim/master/master-station.ts";
import { fromLocalParts } from "../src/store/calendar.ts";
import { type ServerDaemonFixture, startServerDaemon } from "./support/server-daemon.ts";

const OFFSET = 480;

function parseA1(value: unknown): number {
  const time = (value as { time: string }).time;
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(time);
  assert.ok(m, `A.1 time text: ${time}`);
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as number[];
  return fromLocalParts(
    {
      year: year as number,
      month: month as number,
      day: day as number,
      hour: hour as number,
      minute: minute as number,
      second: second as number,
    },
    OFFSET,
  );
}

describe("uplink server mode over TCP", { timeout: 20_000 }, () => {
  let fixture: ServerDaemonFixture;
  let master: MasterStation;

  before(async () => {
    fixture = await startServerDaemon();
    master = fixture.master;
  });

  after(async () => {
    await fixture?.close();
  });

  it("reads the terminal clock (AFN0C F2) close to now", async () => {
    const reply = await master.request(0x0c, [{ pn: 0, fn: 2 }]);
    assert.equal(reply.message.afn, 0x0c);
    assert.equal(reply.message.control.dir, 1);
    assert.equal(reply.message.control.prm, 0);
    const item = reply.items[0];
    assert.ok(item);
    assert.equal(item.fn, 2);
    const clock = parseA1((item.data as { clock: unknown }).clock);
    assert.ok(Math.abs(clock - Date.now()) < 5000, `terminal clock ${new Date(clock).toISOString()}`);
  });

  it("sets the clock with AFN05 F31 (PW zeros) and reads it back", async () => {
    const target = fromLocalParts({ year: 2031, month: 3, day: 14, hour: 9, minute: 26, second: 53 }, OFFSET);
    const set = await master.request(0x05, [
      { pn: 0, fn: 31, data: { clock: { time: "2031-03-14 09:26:53", weekday: 5 } } },
    ]);
    assert.equal(set.message.afn, 0x00);
    assert.equal(set.items[0]?.fn, 1, "AFN00 F1 confirm");
    const read = await master.request(0x0c, [{ pn: 0, fn: 2 }]);
    const clock = parseA1((read.items[0]?.data as { clock?: unknown } | undefined)?.clock);
    assert.ok(Math.abs(clock - target) < 5000, `read back ${new Date(clock).toISOString()}`);
  });

  it("answers AFN09 F1 with the version", async () => {
    const reply = await master.request(0x09, [{ pn: 0, fn: 1 }]);
    assert.equal(reply.message.afn, 0x09);
    const data = reply.items[0]?.data as { softwareVersion?: unknown; vendor?: unknown };
    assert.equal(typeof data.softwareVersion, "string");
    assert.equal((data.softwareVersion as string).length, 4);
  });

  it("sets AFN04 F1 and F3 and queries them back byte-exact with AFN0A", async () => {
    const f1 = {
      rtsDelay20ms: 10,
      initiatorDelayMinutes: 5,
      response: { timeoutSeconds: 30, resends: 3, reserved: 0 },
      confirmFlags: 4,
      heartbeatMinutes: 15,
    };
    const f3 = { mainIp: "10.1.2.3", mainPort: 9001, backupIp: "10.1.2.4", backupPort: 9002, apn: "cmnet" };
    const f1Bytes = encodeBody(findFnRow(0x04, 1)?.down ?? [], f1);
    const f3Bytes = encodeBody(findFnRow(0x04, 3)?.down ?? [], f3);
    const set = await master.request(0x04, [
      { pn: 0, fn: 1, data: f1 },
      { pn: 0, fn: 3, data: f3 },
    ]);
    assert.equal(set.message.afn, 0x00);
    assert.deepEqual(
      set.items.map((i) => i.fn),
      [1],
    );
    const query = await master.request(0x0a, [
      { pn: 0, fn: 1 },
      { pn: 0, fn: 3 },
    ]);
    assert.equal(query.message.afn, 0x0a);
    const byFn = new Map(query.items.map((i) => [i.fn, i.data]));
    const up1 = findFnRow(0x0a, 1)?.up ?? [];
    const up3 = findFnRow(0x0a, 3)?.up ?? [];
    assert.deepEqual(encodeBody(up1, byFn.get(1) ?? {}), f1Bytes);
    assert.deepEqual(encodeBody(up3, byFn.get(3) ?? {}), f3Bytes);
  });

  it("denies an unsupported request with AFN00 F2", async () => {
    // AFN0C F25 (meter real-time power) is not served by this slice: the answer must be a deny, not silence.
    const reply = await master.request(0x0c, [{ pn: 1, fn: 25 }]);
    assert.equal(reply.message.afn, 0x00);
    assert.equal(reply.denied, true);
    assert.equal(reply.message.control.fc, 9);
  });
});
