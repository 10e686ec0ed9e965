/**
 * The reading engine on a small simulated field (RS-485 DL/T 645-2007 and -1997 buses, a carrier port), on
 * simulated time: frozen data collected from the meters' own records across a month change, real-time
 * values, live reads ahead of collection, forwarding, and the status items.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EngineFieldAccess } from "../src/collect/live.ts";
import { collectStatus, meterReadingInfoItem, readingStatusItem } from "../src/collect/status.ts";
import { DEFAULT_PREAMBLE } from "../src/protocol/dlt645/frame.ts";
import { decodeMessageBytes, encodeMessage, readRequest } from "../src/protocol/dlt645/message.ts";
import { findFnRow } from "../src/protocol/gw1376-1/fn-table.ts";
import { decodeBody, encodeBody } from "../src/protocol/gw1376-1/layout-codec.ts";
import type { FrozenRecord } from "../src/sim/meter-model.ts";
import { archiveBody, local, type PortSpec, startCollectFixture } from "./support/collect-fixture.ts";
import { runUntil } from "./support/sim-time.ts";

const SPECS: readonly PortSpec[] = [
  { port: 2, meters: 6, firstAddress: 1001, firstPoint: 1 },
  { port: 3, meters: 2, firstAddress: 2001, firstPoint: 7, edition: "1997" },
  {
    port: 31,
    kind: "carrier",
    meters: 4,
    firstAddress: 3001,
    firstPoint: 9,
    exchangeMs: 2500,
    timeoutMs: 9000,
  },
];

const energies = (record: FrozenRecord | undefined): { value: number }[] =>
  (record?.energies.positiveActive ?? []).map((value) => ({ value }));

function encodes(afn: number, fn: number, value: unknown): void {
  const layout = findFnRow(afn, fn)?.up ?? [];
  const bytes = encodeBody(layout, value as Parameters<typeof encodeBody>[1]);
  const back = decodeBody(layout, bytes);
  assert.ok(back.ok, back.ok ? "" : back.error.message);
  assert.deepEqual(back.value, value);
}

describe("reading engine on a small field", () => {
  it("collects the meters' own daily and monthly frozen records across a month change", async () => {
    const fx = startCollectFixture({ start: local(2026, 11, 30, 23, 30), specs: SPECS });
    try {
      await runUntil(fx.clock, local(2026, 12, 1, 3, 0));
      const store = fx.core.store;
      for (const { point, meter } of fx.meters) {
        const model = meter.model;
        if (model.edition === "2007") {
          for (const [i, day] of [20261130, 20261129, 20261128].entries()) {
            const f161 = store.daily.get(point, "0D:F161", day);
            assert.ok(f161, `p${point}: no F161 for ${day}`);
            assert.deepEqual((f161.value as { energy: unknown }).energy, energies(model.daily[i]));
            const f1 = store.daily.get(point, "0D:F1", day)?.value as { positiveActive: unknown };
            assert.ok(!("Td_d" in f1), "stored without its label (the period is the label)");
            assert.deepEqual(f1.positiveActive, energies(model.daily[i]));
          }
        } else {
          // DL/T 645-1997 keeps no daily record: only the day that just closed, frozen by the terminal.
          const f161 = store.daily.get(point, "0D:F161", 20261130);
          assert.ok(f161, `p${point}: 1997 meter has no terminal freeze`);
          assert.ok(f161.readAt >= local(2026, 12, 1, 0, 5));
          assert.equal(store.daily.get(point, "0D:F161", 20261129), undefined);
        }
        const f177 = store.monthly.get(point, "0D:F177", 202611);
        assert.ok(f177, `p${point}: no monthly frozen data for 2026-11`);
        assert.deepEqual((f177.value as { energy: unknown }).energy, energies(model.settlements[0]));
        for (const f of [161, 1]) {
          const v = store.daily.get(point, `0D:F${f}`, 20261130)?.value;
          if (v !== undefined) encodes(0x0d, f, { Td_d: "2026-11-30", ...(v as object) });
        }
        encodes(0x0d, 177, { Td_m: "2026-11", ...(f177.value as object) });
      }
      // Real-time values on RS-485 (default hourly); none on the carrier port without F33.
      for (const { point, port } of fx.meters) {
        const reading = store.readings.get(point, "0C:F129");
        if (port === 31) assert.equal(reading, undefined);
        else assert.ok(reading, `p${point}: no real-time F129`);
      }
      const status = collectStatus(fx.engine, fx.core);
      assert.equal(status.day, 20261130);
      assert.equal(status.dailyCoverage, 1);
      assert.equal(status.monthlyCoverage, 1);
      const f11 = readingStatusItem(fx.engine, fx.core);
      encodes(0x0c, 11, f11);
      const port2 = (f11.ports as { port: number; metersToRead: number; readOkCount: number }[]).find(
        (p) => p.port === 2,
      );
      assert.deepEqual([port2?.metersToRead, port2?.readOkCount], [6, 6]);
      const f170 = meterReadingInfoItem(fx.engine, fx.core, 3);
      assert.ok(f170);
      encodes(0x0c, 170, f170);
      assert.equal(f170.port, 2);
      assert.equal(f170.consecutiveFailures, 0);
      // The same F170 object is kept as the point's derived reading, which the data service serves.
      assert.deepEqual(store.readings.get(3, "0C:F170")?.value, f170);
      assert.deepEqual(new EngineFieldAccess(fx.engine, fx.core).readingStatus(), f11);
      assert.equal(
        fx.core.store.events.counters().importantTotal + fx.core.store.events.counters().generalTotal > 0,
        true,
      );
    } finally {
      fx.close();
    }
  });

  it("serves a live read ahead of queued collection and forwards a frame", async () => {
    const fx = startCollectFixture({ start: local(2026, 11, 26, 0, 4), specs: SPECS });
    try {
      const field = new EngineFieldAccess(fx.engine, fx.core);
      // At 00:05 the daily round queues every meter; the live read is asked a moment later.
      await runUntil(fx.clock, local(2026, 11, 26, 0, 5) + 1000);
      assert.ok((fx.engine.worker(2)?.queued() ?? 0) >= 3, "collection is queued on the bus");
      let done = false;
      const pending = field.readCurrent(4, 129, fx.clock.now() + 30_000).finally(() => {
        done = true;
      });
      // One exchange may be on the wire already; the live read is the next one (300 ms each).
      await runUntil(fx.clock, fx.clock.now() + 650);
      assert.ok(done, "the live read waited behind queued collection");
      const item = await pending;
      assert.ok(item, "live read gave nothing");
      const meter = fx.meters.find((m) => m.point === 4)?.meter;
      assert.deepEqual(
        (item.data as { energy: unknown }).energy,
        (meter?.model.energies().positiveActive ?? []).map((value) => ({ value })),
      );
      encodes(0x0c, 129, item.data);
      assert.ok(fx.core.store.readings.get(4, "0C:F129"), "live value stored as the current reading");
      // A deadline already passed never reaches the wire.
      assert.equal(await field.readCurrent(4, 129, fx.clock.now() - 1), undefined);
      // An item the catalogue has no source for, and a point that is no meter, give nothing.
      assert.equal(await field.readCurrent(4, 2, fx.clock.now() + 30_000), undefined);
      assert.equal(await field.readCurrent(999, 129, fx.clock.now() + 30_000), undefined);

      const frame = encodeMessage(readRequest("2007", meter?.address ?? "", 0x00010000), {
        preamble: DEFAULT_PREAMBLE,
      });
      const forwarded = field.forward({ port: 2, frame, timeoutMs: 2000 });
      await runUntil(fx.clock, fx.clock.now() + 3000);
      const answer = await forwarded;
      assert.ok(answer, "no forwarded answer");
      const reply = decodeMessageBytes(answer, "2007");
      assert.ok(reply.ok && reply.value.fields.di === 0x00010000);
      assert.equal(await field.forward({ port: 9, frame, timeoutMs: 2000 }), undefined, "no such port");
    } finally {
      fx.close();
    }
  });

  it("collects the frozen data of meters added to the archive during the day at once", async () => {
    const fx = startCollectFixture({ start: local(2026, 11, 26, 10, 0), specs: SPECS, configure: false });
    try {
      const set = (spec: PortSpec) =>
        assert.deepEqual(
          fx.core.parameters.set([{ fn: 10, pn: 0, body: archiveBody([spec]) }], 1).map((r) => r.err),
          [0],
        );
      set(SPECS[0] as PortSpec);
      await runUntil(fx.clock, local(2026, 11, 26, 10, 5));
      const has = (point: number) => fx.core.store.daily.get(point, "0D:F161", 20261125) !== undefined;
      assert.ok([1, 2, 3, 4, 5, 6].every(has), "the first bus was collected");
      assert.ok(![9, 10, 11, 12].some(has));
      set(SPECS[2] as PortSpec);
      // Well before the next supplementary round (30 min) or the next day's round.
      await runUntil(fx.clock, local(2026, 11, 26, 10, 10));
      assert.ok([9, 10, 11, 12].every(has), "carrier meters added at 10:05 were collected by 10:10");
    } finally {
      fx.close();
    }
  });

  it("reads a meter added after the cut-off once, without supplementary re-reads", async () => {
    const fx = startCollectFixture({ start: local(2026, 11, 26, 22, 30), specs: SPECS, configure: false });
    try {
      const set = (spec: PortSpec) =>
        assert.deepEqual(
          fx.core.parameters.set([{ fn: 10, pn: 0, body: archiveBody([spec]) }], 1).map((r) => r.err),
          [0],
        );
      await runUntil(fx.clock, local(2026, 11, 26, 22, 35));
      set(SPECS[0] as PortSpec);
      await runUntil(fx.clock, local(2026, 11, 26, 22, 40));
      const has = (point: number) => fx.core.store.daily.get(point, "0D:F161", 20261125) !== undefined;
      assert.ok([1, 2, 3, 4, 5, 6].every(has), "meters entered at 22:35 (cut-off 22:00) were read at once");
      const rounds = fx.engine.counters.supplementaryRounds;
      await runUntil(fx.clock, local(2026, 11, 26, 23, 50));
      assert.equal(fx.engine.counters.supplementaryRounds, rounds, "no re-reads after the cut-off");
    } finally {
      fx.close();
    }
  });
});
