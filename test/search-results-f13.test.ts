/**
 * AFN0C F13 "meters found by meter search" end to end: a wildcard search over a real RS-485 channel against
 * a simulated bus (two meters whose answers collide, as in collect-search-rs485.test.ts) keeps what it found;
 * a master station asks over real TCP and gets those meters back. A list longer than one unit comes back as
 * several F13 units of one multi-frame answer; a search the master asks for again starts a fresh list.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { requestMeterSearch } from "../src/collect/meter-search.ts";
import { foundMeters, NO_COLLECTOR, recordFound } from "../src/collect/search-results.ts";
import { SystemClock } from "../src/common/clock.ts";
import { silentLogger } from "../src/common/logger.ts";
import { connectToDcu } from "../src/sim/master/master-station.ts";
import { F13_METERS_PER_UNIT } from "../src/terminal/data-service/search-items.ts";
import { Dispatcher } from "../src/terminal/dispatcher.ts";
import { TerminalCore } from "../src/terminal/terminal-core.ts";
import { UplinkServer } from "../src/uplink/uplink-server.ts";
import { addressOf, OFFSET } from "./support/collect-fixture.ts";
import { collidingSearch } from "./support/rs485-fixture.ts";

async function until(condition: () => boolean, limit: number): Promise<void> {
  while (!condition() && Date.now() < limit) await new Promise((r) => setTimeout(r, 100));
}

test("AFN0C F13 returns the meters an RS-485 search found, over TCP", { timeout: 150_000 }, async () => {
  const { clock, meters, channel, core, engine, planner } = collidingSearch(OFFSET);
  const dispatcher = new Dispatcher(core, silentLogger);
  const server = await UplinkServer.start({
    identity: { area: "4403", terminal: 1 },
    handle: (request) => dispatcher.handle(request),
    clock: core.clock,
    utcOffsetMinutes: OFFSET,
    logger: silentLogger,
    host: "127.0.0.1",
    port: 0,
  });
  const master = await connectToDcu("127.0.0.1", server.port, { timeoutMs: 5000 });
  engine.start();
  try {
    // Before any search: an answer with no meters (searched nothing, found nothing), not a deny.
    const before = await master.request(0x0c, [{ pn: 0, fn: 13 }]);
    assert.equal(before.denied, false);
    assert.deepEqual(
      before.items.map((i) => i.data),
      [{ meters: [] }],
    );

    requestMeterSearch(core.store, 2, clock.now());
    const limit = Date.now() + 120_000;
    await until(() => planner.counters.ercs >= 2, limit);
    await until(() => planner.round(2) === undefined, limit);
    assert.equal(planner.round(2), undefined, "round finished");

    const reply = await master.request(0x0c, [{ pn: 0, fn: 13 }]);
    assert.equal(reply.denied, false);
    assert.equal(reply.message.afn, 0x0c);
    assert.equal(reply.items.length, 1);
    const listed = (reply.items[0]?.data as { meters?: { address: string }[] } | undefined)?.meters ?? [];
    assert.deepEqual(
      [...listed].sort((a, b) => a.address.localeCompare(b.address)),
      meters.map((m) => ({ address: m.address, protocol: 30, collector: NO_COLLECTOR, port: 2 })),
    );

    // More than one unit's worth (filled directly: a bus of 250 meters would take minutes to search): F13
    // units of at most F13_METERS_PER_UNIT meters each, together the whole list in order.
    const many = Array.from({ length: 250 }, (_, i) => ({
      port: 3,
      address: addressOf(500_000 + i),
      protocol: 1,
      collector: addressOf(7),
    }));
    recordFound(core.store, many, planner.config.maxFoundKept, clock.now());
    const long = await master.request(0x0c, [{ pn: 0, fn: 13 }]);
    assert.equal(long.items.length, Math.ceil(252 / F13_METERS_PER_UNIT));
    assert.ok(long.items.every((i) => i.fn === 13 && i.pn === 0));
    const all = long.items.flatMap((i) => (i.data as { meters: unknown[] }).meters);
    assert.deepEqual(all, foundMeters(core.store));
    assert.equal(all.length, 252);

    // A new search the master asks for starts a fresh list (its meters are found again).
    requestMeterSearch(core.store, 2, clock.now());
    await until(() => foundMeters(core.store).length === 0 || planner.round(2) !== undefined, limit);
    await until(() => planner.round(2) === undefined, limit);
    const again = foundMeters(core.store);
    assert.deepEqual(
      again.map((m) => m.port),
      [2, 2],
      "only this search's meters",
    );
  } finally {
    await master.close();
    await server.close();
    engine.close();
    core.close();
    await channel.close();
  }
});

test("the found list is bounded and survives bad stored rows", () => {
  const clock = new SystemClock();
  const core = new TerminalCore({ dbPath: ":memory:", hostClock: clock, utcOffsetMinutes: OFFSET });
  try {
    const meter = (n: number) => ({ port: 2, address: addressOf(n), protocol: 30, collector: NO_COLLECTOR });
    assert.deepEqual(recordFound(core.store, [meter(1), meter(2), meter(1)], 3, 0), {
      added: 2,
      overflow: 0,
    });
    assert.deepEqual(recordFound(core.store, [meter(3), meter(4), meter(2)], 3, 0), {
      added: 1,
      overflow: 1,
    });
    assert.deepEqual(
      foundMeters(core.store).map((m) => m.address),
      [1, 2, 3].map(addressOf),
    );
    // A damaged row: entries of the wrong shape are left out, the rest still served.
    core.store.meterWatch.set(0, "search.found", [meter(5), { port: 99, address: "x" }, "junk", null], 0);
    assert.deepEqual(foundMeters(core.store), [meter(5)]);
    core.store.meterWatch.set(0, "search.found", { not: "a list" }, 0);
    assert.deepEqual(foundMeters(core.store), []);
    // Data initialisation (AFN01 F2) forgets it.
    recordFound(core.store, [meter(6)], 3, 0);
    core.initialise(2);
    assert.deepEqual(foundMeters(core.store), []);
  } finally {
    core.close();
  }
});
