/**
 * Events by pointer over real TCP (shared/protocol/gw1376-1.md §3.5, §3.6): the daemon's replies carry ACD=1
 * and EC while important events are unread; the master reads them with AFN0E F1 Pm = its old EC1 .. Pn = the
 * new EC1, after which ACD is 0 again. A whole-ring read is a multi-frame answer, reassembled by the master.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Record_ } from "../src/protocol/gw1376-1/layout.ts";
import type { MasterStation } from "../src/sim/master/master-station.ts";
import { erc21 } from "../src/terminal/erc-records.ts";
import { type ServerDaemonFixture, startServerDaemon } from "./support/server-daemon.ts";

interface EventsAnswer {
  ec1: number;
  ec2: number;
  pm: number;
  pn: number;
  records: { erc: number; data: Record_ }[];
}

describe("AFN0E events by pointer over TCP", { timeout: 20_000 }, () => {
  let fixture: ServerDaemonFixture;
  let master: MasterStation;

  before(async () => {
    fixture = await startServerDaemon();
    master = fixture.master;
  });

  after(async () => {
    await fixture?.close();
  });

  it("ACD/EC announce unread important events until AFN0E F1 reads them", async () => {
    // The first start recorded ERC1 (data initialisation), an important event: EC1 = 1, unread.
    const first = await master.request(0x0c, [{ pn: 0, fn: 2 }]);
    assert.equal(first.message.control.fcbAcd, 1, "ACD set");
    assert.deepEqual(first.message.ec, { ec1: 1, ec2: 0 });

    // A parameter set by this master raises ERC3 (important by default): EC1 moves to 2.
    const set = await master.request(0x04, [{ pn: 0, fn: 36, data: { bytesPerMonth: 0 } }]);
    assert.equal(set.message.afn, 0x00);
    assert.deepEqual(set.message.ec, { ec1: 2, ec2: 0 });

    // The master reads from its stored EC1 (0) to the new one (2), as a GY-style master does.
    const read = await master.request(0x0e, [{ pn: 0, fn: 1, data: { pm: 0, pn: 2 } }]);
    assert.equal(read.message.afn, 0x0e);
    const answer = read.items[0]?.data as unknown as EventsAnswer;
    assert.deepEqual([answer.ec1, answer.ec2, answer.pm, answer.pn], [2, 0, 0, 2]);
    assert.deepEqual(
      answer.records.map((r) => r.erc),
      [1, 3],
    );
    const erc3 = answer.records[1]?.data as { msa?: unknown };
    assert.equal(erc3.msa, 1, "ERC3 names the master that changed the parameter");
    assert.equal(read.message.control.fcbAcd, 0, "the reading reply itself already clears ACD");
    assert.equal(read.message.ec, undefined);

    const after = await master.request(0x0c, [{ pn: 0, fn: 2 }]);
    assert.equal(after.message.control.fcbAcd, 0);
    assert.equal(after.message.ec, undefined);
  });

  it("a whole ring of important events travels as a multi-frame answer with chained pointers", async () => {
    const core = fixture.daemon.core;
    for (let i = 0; i < 300; i++) core.events.record(erc21(core.clock.now(), 480, (i % 6) + 1));
    const { ec1 } = core.store.events.counters();
    const before = await master.request(0x0c, [{ pn: 0, fn: 2 }]);
    assert.equal(before.message.control.fcbAcd, 1);

    const reply = await master.request(0x0e, [{ pn: 0, fn: 1, data: { pm: ec1, pn: ec1 } }]);
    assert.ok(reply.items.length > 1, `${reply.items.length} units`);
    const units = reply.items.map((i) => i.data as unknown as EventsAnswer);
    assert.equal(units[0]?.pm, ec1);
    assert.equal(units.at(-1)?.pn, ec1);
    for (let i = 1; i < units.length; i++) assert.equal(units[i]?.pm, units[i - 1]?.pn);
    const records = units.flatMap((u) => u.records);
    assert.equal(records.length, 256);
    assert.ok(records.every((r) => r.erc === 21));
    assert.deepEqual(
      records.slice(0, 6).map((r) => r.data.faultCode),
      [1, 2, 3, 4, 5, 6].map((k) => ((44 + k - 1) % 6) + 1),
      "oldest first: the 45th ERC21 is the oldest the ring still holds",
    );

    const after = await master.request(0x0c, [{ pn: 0, fn: 2 }]);
    assert.equal(after.message.control.fcbAcd, 0);
  });

  it("general events by F2 and events by ERC with F3", async () => {
    // The 300 ERC21 of the previous test have pushed ERC1 and ERC3 out of the important ring.
    const latest = await master.request(0x0e, [{ pn: 0, fn: 3, data: { erc: 21, count: 3 } }]);
    const records = (latest.items[0]?.data as { records?: { erc: number; data: Record_ }[] })?.records ?? [];
    assert.deepEqual(
      records.map((r) => [r.erc, r.data.faultCode]),
      [
        [21, 4],
        [21, 5],
        [21, 6],
      ],
    );
    const gone = await master.request(0x0e, [{ pn: 0, fn: 3, data: { erc: 3, count: 0 } }]);
    assert.deepEqual(gone.items[0]?.data, { records: [] });
    const f2 = await master.request(0x0e, [{ pn: 0, fn: 2, data: { pm: 0, pn: 1 } }]);
    assert.deepEqual(f2.items[0]?.data, {
      ec1: fixture.daemon.core.store.events.counters().ec1,
      ec2: 0,
      pm: 0,
      pn: 1,
      records: [],
    });
  });
});
