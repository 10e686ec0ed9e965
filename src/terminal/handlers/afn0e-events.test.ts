import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { ManualClock } from "../../common/clock.ts";
import type { DataItem } from "../../protocol/gw1376-1/data-units.ts";
import { encodeErcRecord } from "../../protocol/gw1376-1/erc.ts";
import type { Record_ } from "../../protocol/gw1376-1/layout.ts";
import { decodeMessage, type Message, messageItems } from "../../protocol/gw1376-1/message.ts";
import { encodeMultiFrame, MultiFrameReassembler } from "../../protocol/gw1376-1/multi-frame.ts";
import { erc21 } from "../erc-records.ts";
import { localTimeText } from "../local-time.ts";
import { TerminalCore } from "../terminal-core.ts";
import { AFN0E_FNS, EVENT_RECORD_BYTES_PER_UNIT, handleAfn0E } from "./afn0e-events.ts";
import { importantEventsPending, markImportantRead, unreadImportantEvents } from "./afn0e-read-pointer.ts";
import type { HandlerReply } from "./handler.ts";

const OFFSET = 480;
const START = Date.UTC(2026, 0, 10, 0, 0);

let clock: ManualClock;
let core: TerminalCore;

beforeEach(() => {
  clock = new ManualClock(START);
  // Not started: no ERC1/ERC14 of its own, the rings hold exactly what each test records.
  core = new TerminalCore({ dbPath: ":memory:", hostClock: clock, utcOffsetMinutes: OFFSET });
});

afterEach(() => core.close());

/** One important event (ERC21) per call, a minute apart, so every record is distinct by its time. */
function important(n: number): void {
  for (let i = 0; i < n; i++) {
    clock.advance(60_000);
    core.events.record(erc21(clock.now(), OFFSET, (i % 6) + 1));
  }
}

/** One general event per call: ERC13 meter fault (Le 8), point = the call's index. */
function general(n: number): void {
  for (let i = 0; i < n; i++) {
    clock.advance(60_000);
    const record = encodeErcRecord({
      erc: 13,
      data: {
        time: localTimeText(clock.now(), OFFSET, false),
        point: { pn: i + 1, reserved: 0, occurred: 1 },
        faultFlags: 0,
      },
    });
    assert.ok(record.ok, record.ok ? "" : record.error.message);
    core.events.record(record.value);
  }
}

async function ask(fn: number, data: Record_): Promise<DataItem[]> {
  const reply: HandlerReply = await handleAfn0E({
    core,
    request: {} as Message,
    items: [{ pn: 0, fn, data }],
    support: { parameters: [], controls: [], class1: [], class2: [], ercs: [] },
  });
  assert.equal(reply.kind, "data");
  return reply.kind === "data" ? [...reply.items] : [];
}

type Answer = { ec1: number; ec2: number; pm: number; pn: number; records: { erc: number; data: Record_ }[] };
const answer = (item: DataItem | undefined): Answer => item?.data as unknown as Answer;

describe("AFN0E F1/F2 by pointer", () => {
  it("reads Pm..Pn across the end of the 256 ring, in ring order", async () => {
    important(260); // slots 0..255 then 0..3 again: EC1 = 4
    const items = await ask(1, { pm: 250, pn: 6 });
    const records = items.flatMap((i) => answer(i).records);
    assert.equal(records.length, 12, "Y = 256 + 6 − 250");
    assert.equal(answer(items[0]).ec1, 4);
    assert.equal(answer(items[0]).pm, 250);
    assert.equal(answer(items.at(-1)).pn, 6);
    // Slots 250..255 were written by events 251..256, slots 0..5 by events 257..260 then 7..8 (the lap).
    const minutes = records.map((r) => String(r.data.time));
    const expected = [251, 252, 253, 254, 255, 256, 257, 258, 259, 260, 5, 6].map((k) =>
      localTimeText(START + k * 60_000, OFFSET, false),
    );
    assert.deepEqual(minutes, expected);
  });

  it("Pm = Pn is a whole lap; general events come from their own ring with EC2", async () => {
    general(3);
    important(1);
    const items = await ask(2, { pm: 0, pn: 0 });
    assert.equal(items.length, 1);
    const a = answer(items[0]);
    assert.deepEqual([a.ec1, a.ec2, a.pm, a.pn], [1, 3, 0, 0]);
    assert.deepEqual(
      a.records.map((r) => [r.erc, (r.data.point as { pn: number }).pn]),
      [
        [13, 1],
        [13, 2],
        [13, 3],
      ],
    );
  });

  it("an empty range still answers with the counters", async () => {
    important(2);
    const items = await ask(1, { pm: 2, pn: 3 });
    assert.deepEqual(answer(items[0]), { ec1: 2, ec2: 0, pm: 2, pn: 3, records: [] });
  });

  it("a long answer is split into units whose pointers chain, each unit within the byte budget", async () => {
    important(256);
    const items = await ask(1, { pm: 0, pn: 0 });
    assert.ok(items.length > 1, `${items.length} units`);
    assert.equal(answer(items[0]).pm, 0);
    assert.equal(answer(items.at(-1)).pn, 0);
    for (let i = 1; i < items.length; i++) assert.equal(answer(items[i]).pm, answer(items[i - 1]).pn);
    for (const item of items) {
      const bytes = answer(item).records.length * 8; // ERC21 records are 2 + 6 bytes
      assert.ok(bytes <= EVENT_RECORD_BYTES_PER_UNIT, `${bytes} bytes in one unit`);
    }
    assert.equal(
      items.reduce((n, i) => n + answer(i).records.length, 0),
      256,
    );
    // Through the real frame layer: one unit per frame, reassembled into the same items.
    const frames = encodeMultiFrame(
      {
        control: { dir: 1, prm: 0, fcbAcd: 1, fcv: 0, fc: 8 },
        address: { area: "4403", terminal: 1, master: 1, group: false },
        afn: 0x0e,
        seq: { tpv: false, fir: true, fin: true, con: false, seq: 3 },
        ec: { ec1: 0, ec2: 0 },
      },
      items,
    );
    assert.equal(frames.length, items.length);
    const reassembler = new MultiFrameReassembler();
    let result: ReturnType<MultiFrameReassembler["push"]> = { state: "incomplete" };
    for (const f of frames) {
      const m = decodeMessage(f);
      assert.ok(m.ok);
      result = reassembler.push(m.value);
    }
    assert.equal(result.state, "complete");
    if (result.state === "complete") assert.deepEqual(messageItems(result.message), items);
  });

  it("answers only p0 units with pointers; other shapes are left out", async () => {
    important(1);
    const reply = await handleAfn0E({
      core,
      request: {} as Message,
      items: [
        { pn: 1, fn: 1, data: { pm: 0, pn: 1 } },
        { pn: 0, fn: 1, data: {}, raw: "00" },
      ],
      support: { parameters: [], controls: [], class1: [], class2: [], ercs: [] },
    });
    assert.deepEqual(reply, { kind: "data", items: [] });
    assert.deepEqual(AFN0E_FNS, [1, 2, 3]);
  });
});

describe("AFN0E F3 by ERC", () => {
  it("returns the latest n records of that ERC, oldest first; n = 0 returns all", async () => {
    important(3);
    general(2);
    important(2);
    const two = await ask(3, { erc: 21, count: 2 });
    const times = (items: DataItem[]) =>
      items.flatMap((i) => (i.data as { records: { data: Record_ }[] }).records.map((r) => r.data.time));
    assert.deepEqual(
      times(two),
      [6, 7].map((k) => localTimeText(START + k * 60_000, OFFSET, false)),
    );
    assert.equal(times(await ask(3, { erc: 21, count: 0 })).length, 5);
    assert.equal(times(await ask(3, { erc: 13, count: 0 })).length, 2);
    assert.deepEqual(await ask(3, { erc: 31, count: 0 }), [{ pn: 0, fn: 3, data: { records: [] } }]);
  });
});

describe("ACD: the master's read mark", () => {
  it("reading Pm = old EC1 .. Pn = new EC1 clears it; a new event sets it again", async () => {
    assert.equal(importantEventsPending(core.store), false);
    important(3);
    assert.equal(unreadImportantEvents(core.store), 3);
    await ask(1, { pm: 0, pn: 3 });
    assert.equal(importantEventsPending(core.store), false);
    general(1);
    assert.equal(importantEventsPending(core.store), false, "general events do not set ACD");
    important(1);
    assert.equal(unreadImportantEvents(core.store), 1);
  });

  it("a read that misses the oldest unread record does not move the mark", () => {
    important(5);
    assert.equal(markImportantRead(core.store, 2, 5), 5);
    assert.equal(markImportantRead(core.store, 0, 3), 2, "covers 0..2, stops at 3");
    assert.equal(markImportantRead(core.store, 3, 4), 1);
    assert.equal(markImportantRead(core.store, 4, 4), 0, "a whole lap covers the rest");
  });

  it("300 unread events: only the 256 still held count, and one lap reads them all", () => {
    important(300);
    assert.equal(unreadImportantEvents(core.store), 256);
    const ec1 = core.store.events.counters().ec1;
    assert.equal(markImportantRead(core.store, ec1, ec1), 0);
  });

  it("survives a restart and restarts with the rings after AFN01 F2", async () => {
    important(4);
    await ask(1, { pm: 0, pn: 2 });
    assert.equal(unreadImportantEvents(core.store), 2);
    core.initialise(2); // clears the rings, then records ERC1 (important)
    assert.equal(unreadImportantEvents(core.store), 1, "only the new ERC1 is unread");
  });
});
