/**
 * The terminal's own state items over real TCP: a daemon in server mode (SQLite file) and a master station.
 * AFN0C F4 follows the master's AFN05 F29 / F37, F8 flags the ERCs the daemon itself recorded (ERC1 at the
 * first start, ERC41 once the master sets the clock), F9 / F12 are the honest zeros of a DCU without switch
 * inputs or control outputs; AFN0D F49 counts the daemon's one start-up today and nothing before it existed.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { DataItem } from "../src/protocol/gw1376-1/data-units.ts";
import type { MasterStation } from "../src/sim/master/master-station.ts";
import { addDays, dayKey, localParts } from "../src/store/calendar.ts";
import { type ServerDaemonFixture, startServerDaemon } from "./support/server-daemon.ts";

/** ERC numbers whose bit is set in an F8 answer (16 hex digits, MSB first: ERC64 … ERC1). */
function flaggedErcs(item: DataItem | undefined): number[] {
  assert.ok(item, "no F8 unit in the reply");
  const flags = BigInt(`0x${String(item.data.ercFlags)}`);
  return Array.from({ length: 64 }, (_, i) => i + 1).filter((erc) => (flags >> BigInt(erc - 1)) & 1n);
}

describe("terminal state items over TCP", { timeout: 60_000 }, () => {
  let fixture: ServerDaemonFixture;
  let master: MasterStation;

  before(async () => {
    fixture = await startServerDaemon();
    master = fixture.master;
  });

  after(async () => {
    await fixture?.close();
  });

  const p0 = async (fn: number): Promise<DataItem | undefined> => {
    const reply = await master.request(0x0c, [{ pn: 0, fn }]);
    assert.equal(reply.denied, false, `F${fn} denied`);
    return reply.items.find((i) => i.fn === fn);
  };

  it("AFN0C F4 reports active reporting as the master last switched it", async () => {
    // The start-up file's default (off) before the master ever switched it.
    assert.deepEqual((await p0(4))?.data, { state: { activeReport: 2, talk: 1, reserved: 0 } });
    assert.equal((await master.request(0x05, [{ pn: 0, fn: 29 }])).denied, false);
    assert.deepEqual((await p0(4))?.data, { state: { activeReport: 1, talk: 1, reserved: 0 } });
    assert.equal((await master.request(0x05, [{ pn: 0, fn: 37 }])).denied, false);
    assert.deepEqual((await p0(4))?.data, { state: { activeReport: 2, talk: 1, reserved: 0 } });
  });

  it("AFN0C F4 follows the start-up file's reporting.allowedByDefault before the master switched it", async () => {
    const allowed = await startServerDaemon({ reporting: { allowedByDefault: true } });
    try {
      const reply = await allowed.master.request(0x0c, [{ pn: 0, fn: 4 }]);
      assert.deepEqual(reply.items.find((i) => i.fn === 4)?.data, {
        state: { activeReport: 1, talk: 1, reserved: 0 },
      });
    } finally {
      await allowed.close();
    }
  });

  it("AFN0C F8 flags the ERCs the terminal recorded, a new one after the master sets the clock", async () => {
    const before = flaggedErcs(await p0(8));
    assert.ok(before.includes(1), `ERC1 of the first start is flagged (${before})`);
    assert.ok(!before.includes(41), "no clock set yet");
    const { daemon } = fixture;
    const now = localParts(daemon.core.clock.now(), daemon.config.utcOffsetMinutes);
    const two = (n: number) => String(n).padStart(2, "0");
    const time = `${now.year}-${two(now.month)}-${two(now.day)} ${two(now.hour)}:${two(now.minute)}:${two(now.second)}`;
    const set = await master.request(0x05, [
      { pn: 0, fn: 31, data: { clock: { time, weekday: now.weekday } } },
    ]);
    assert.equal(set.denied, false);
    const after = flaggedErcs(await p0(8));
    assert.deepEqual(
      after,
      [...new Set([...before, 41])].sort((a, b) => a - b),
    );
  });

  it("AFN0C F9 and F12 are all zero, answered together with F2 in one reply", async () => {
    const reply = await master.request(
      0x0c,
      [2, 9, 12].map((fn) => ({ pn: 0, fn })),
    );
    assert.equal(reply.denied, false);
    assert.deepEqual(
      reply.items.filter((i) => i.fn !== 2).map((i) => [i.fn, i.data]),
      [
        [9, { states: 0, changes: 0 }],
        [12, { states: 0, changes: 0 }],
      ],
    );
  });

  it("AFN0D F49 counts today's start-up and denies a day before the terminal first ran", async () => {
    const { daemon } = fixture;
    const today = dayKey(daemon.core.clock.now(), daemon.config.utcOffsetMinutes);
    const td = (day: number) =>
      `${Math.floor(day / 10_000)}-${String(Math.floor(day / 100) % 100).padStart(2, "0")}-${String(day % 100).padStart(2, "0")}`;
    const reply = await master.request(0x0d, [{ pn: 0, fn: 49, data: { Td_d: td(today) } }]);
    assert.equal(reply.denied, false);
    const data = reply.items[0]?.data as { Td_d: string; supplyMinutes: number; resetCount: number };
    assert.equal(data.Td_d, td(today));
    assert.equal(data.resetCount, 1, "the daemon started once");
    assert.ok(data.supplyMinutes <= 1, `a test daemon runs for seconds (${data.supplyMinutes} min)`);
    const before = await master.request(0x0d, [{ pn: 0, fn: 49, data: { Td_d: td(addDays(today, -1)) } }]);
    assert.equal(before.denied, true);
  });
});
