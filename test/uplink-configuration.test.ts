/**
 * AFN09 over real TCP: the configuration the terminal advertises (F2–F8) is derived from what it serves, so a
 * master can trust it. Checked against the dispatcher's registrations and by sending what is (not) advertised.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Value } from "../src/protocol/gw1376-1/layout.ts";
import type { MasterStation } from "../src/sim/master/master-station.ts";
import { DAILY_KEEP_DAYS, MONTHLY_KEEP_MONTHS } from "../src/store/frozen-repo.ts";
import { AFN_HANDLERS } from "../src/terminal/dispatcher.ts";
import { type ServerDaemonFixture, startServerDaemon } from "./support/server-daemon.ts";

/** Fn numbers from an F4/F5-style `groups` list: byte g bit i = F(8g + i + 1). */
function fnsOf(groups: Value): number[] {
  const out: number[] = [];
  (groups as readonly { fns: number }[]).forEach((g, index) => {
    for (let bit = 0; bit < 8; bit++) if (g.fns & (1 << bit)) out.push(index * 8 + bit + 1);
  });
  return out;
}

describe("AFN09 terminal configuration over TCP", { timeout: 20_000 }, () => {
  let fixture: ServerDaemonFixture;
  let master: MasterStation;

  before(async () => {
    fixture = await startServerDaemon();
    master = fixture.master;
  });

  after(async () => {
    await fixture?.close();
  });

  async function config(fn: number): Promise<Record<string, Value>> {
    const reply = await master.request(0x09, [{ pn: 0, fn }]);
    assert.equal(reply.message.afn, 0x09, `F${fn} answered with data`);
    const item = reply.items.find((i) => i.fn === fn);
    assert.ok(item, `F${fn} present`);
    return item.data as Record<string, Value>;
  }

  it("F4–F7 list exactly the parameters, controls, class-1 and class-2 data the handlers serve", async () => {
    assert.deepEqual(
      fnsOf((await config(4)).groups as Value),
      [...(AFN_HANDLERS.get(0x04)?.fns ?? [])].sort((a, b) => a - b),
    );
    assert.deepEqual(fnsOf((await config(5)).groups as Value), [29, 30, 31, 37, 49, 50, 51, 149]);
    const f6 = await config(6);
    const blocks = f6.blocks as readonly { groups: Value }[];
    assert.ok(blocks.length > 0);
    const served = (afn: number) => [...(AFN_HANDLERS.get(afn)?.fns ?? [])].sort((a, b) => a - b);
    assert.ok(served(0x0c).includes(2) && served(0x0c).includes(129));
    assert.ok(served(0x0c).includes(14), "AFN0C F14 (file segments still missing) is served");
    for (const block of blocks) assert.deepEqual(fnsOf(block.groups), served(0x0c));
    const f7 = await config(7);
    assert.ok(served(0x0d).includes(161));
    for (const block of f7.blocks as readonly { groups: Value }[])
      assert.deepEqual(fnsOf(block.groups), served(0x0d));
  });

  it("F8 lists the ERCs the terminal raises", async () => {
    const hex = String((await config(8)).ercs);
    const value = BigInt(`0x${hex}`);
    const ercs = Array.from({ length: 64 }, (_, i) => i + 1).filter((erc) => (value >> BigInt(erc - 1)) & 1n);
    assert.deepEqual(ercs, [1, 3, 12, 14, 20, 21, 27, 30, 31, 32, 33, 37, 38, 39, 41]);
  });

  it("F2/F3 report the store's and codec's real capacities", async () => {
    const f2 = await config(2);
    assert.equal(f2.maxMeters, 2040);
    assert.deepEqual(f2.ports, []);
    const f3 = await config(3);
    assert.equal(f3.maxPoints, 2040);
    assert.equal(f3.dailyDays, DAILY_KEEP_DAYS);
    assert.equal(f3.monthlyMonths, MONTHLY_KEEP_MONTHS);
  });

  it("an advertised control is carried out; one that is not advertised is denied", async () => {
    const allowed = await master.request(0x05, [{ pn: 0, fn: 29, data: {} }]);
    assert.equal(allowed.message.afn, 0x00);
    assert.equal(allowed.denied, false);
    const notAdvertised = await master.request(0x05, [{ pn: 0, fn: 38, data: {} }]);
    assert.equal(notAdvertised.denied, true);
  });
});
