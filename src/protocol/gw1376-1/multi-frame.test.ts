import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { toHex } from "../common/hex.ts";
import type { DataItem } from "./data-units.ts";
import { decodeMessage, encodeMessage, type MessageInit, messageItems } from "./message.ts";
import { encodeMultiFrame, groupItemsCompactly, MultiFrameReassembler } from "./multi-frame.ts";
import { PROFILE_2013 } from "./profile.ts";

const header: Omit<MessageInit, "groups"> = {
  control: { dir: 1, prm: 0, fcbAcd: 1, fcv: 0, fc: 8 },
  address: { area: "4403", terminal: 1978, master: 2, group: false },
  afn: 0x0c,
  seq: { tpv: true, fir: true, fin: true, con: false, seq: 14 },
  ec: { ec1: 3, ec2: 1 },
  tp: { pfc: 9, day: 15, hour: 1, minute: 2, second: 3, delay: 5 },
};

/** AFN0C F2 (terminal clock) is a 6-byte body: handy, fixed-size items. */
function clockItems(pns: number[]): DataItem[] {
  return pns.map((pn) => ({ pn, fn: 2, data: { clock: { time: "2023-11-15 14:30:05", weekday: 3 } } }));
}

test("consecutive points of one DA group with one Fn share a DA/DT", () => {
  const groups = groupItemsCompactly(clockItems([1, 2, 3, 8, 9, 10, 12]));
  assert.deepEqual(
    groups.map((g) => g.pns),
    [
      [1, 2, 3, 8],
      [9, 10, 12],
    ],
  );
});

test("a long answer is split into frames within the size limit, FIR/FIN and sequence numbers per §3.7", () => {
  const profile = { ...PROFILE_2013, maxFrameBytes: 120 };
  const items = clockItems(Array.from({ length: 40 }, (_, i) => i + 1));
  const frames = encodeMultiFrame(header, items, profile);
  assert.ok(frames.length > 2);
  const decoded = frames.map((f) => {
    assert.ok(f.length <= 120, `frame of ${f.length} bytes`);
    const m = decodeMessage(f);
    assert.ok(m.ok);
    return m.value;
  });
  assert.deepEqual(
    decoded.map((m) => [m.seq.fir, m.seq.fin, m.seq.seq]),
    decoded.map((_, i) => [i === 0, i === decoded.length - 1, (14 + i) % 16]),
  );
  for (const m of decoded) {
    assert.deepEqual(m.ec, header.ec, "every frame carries its own EC");
    assert.deepEqual(m.tp, header.tp, "and its own Tp");
  }
  const reassembler = new MultiFrameReassembler();
  let result = reassembler.push(decoded[0] as never);
  for (const m of decoded.slice(1)) result = reassembler.push(m);
  assert.equal(result.state, "complete");
  if (result.state === "complete") assert.deepEqual(messageItems(result.message), items);
});

test("a short answer stays one frame with FIR=FIN=1", () => {
  const frames = encodeMultiFrame(header, clockItems([1]));
  assert.equal(frames.length, 1);
  const m = decodeMessage(frames[0] as Uint8Array);
  assert.ok(m.ok && m.value.seq.fir && m.value.seq.fin && m.value.seq.seq === 14);
});

test("a data unit larger than a frame is a RangeError, not a broken frame", () => {
  assert.throws(
    () => encodeMultiFrame(header, clockItems([1]), { ...PROFILE_2013, maxFrameBytes: 30 }),
    RangeError,
  );
});

test("property: any split reassembles to the original items", () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.integer({ min: 1, max: 2040 }), { minLength: 1, maxLength: 200 }),
      fc.integer({ min: 60, max: 2048 }),
      (pns, max) => {
        const items = clockItems(pns.sort((a, b) => a - b));
        const frames = encodeMultiFrame(header, items, { ...PROFILE_2013, maxFrameBytes: max });
        const r = new MultiFrameReassembler();
        let last: ReturnType<MultiFrameReassembler["push"]> = { state: "incomplete" };
        for (const f of frames) {
          assert.ok(f.length <= max);
          const m = decodeMessage(f);
          assert.ok(m.ok);
          last = r.push(m.value);
        }
        assert.equal(last.state, "complete");
        if (last.state === "complete") assert.deepEqual(messageItems(last.message), items);
      },
    ),
    { numRuns: 100 },
  );
});

test("reassembly rejects gaps and bounds what it holds", () => {
  const frames = encodeMultiFrame(header, clockItems(Array.from({ length: 40 }, (_, i) => i + 1)), {
    ...PROFILE_2013,
    maxFrameBytes: 120,
  });
  const ms = frames.map((f) => {
    const m = decodeMessage(f);
    assert.ok(m.ok);
    return m.value;
  });
  const r = new MultiFrameReassembler();
  assert.equal(r.push(ms[0] as never).state, "incomplete");
  assert.deepEqual(r.push(ms[2] as never), { state: "error", reason: "out-of-order" });
  const small = new MultiFrameReassembler(messageItems(ms[0] as never).length);
  assert.equal(small.push(ms[0] as never).state, "incomplete");
  assert.deepEqual(small.push(ms[1] as never), { state: "error", reason: "too-large" });
  // a lone FIR=0/FIN=1 frame (KSY quirk) is accepted as a whole message
  const quirk = decodeMessage(
    encodeMessage({
      ...header,
      seq: { ...header.seq, fir: false, fin: true },
      groups: groupItemsCompactly(clockItems([1])),
    }),
  );
  assert.ok(quirk.ok);
  assert.equal(new MultiFrameReassembler().push(quirk.value).state, "complete");
  assert.ok(toHex(frames[0] as Uint8Array).startsWith("68"));
});

test("a unit whose records run to the end of the unit (AFN0E F1) always ends its frame", () => {
  // Two small F1 answers would fit one frame together, but the first one's records would then swallow the
  // second unit: each must travel as the last (here: only) unit of its own frame.
  const record = { erc: 21, data: { time: "2024-02-29 13:45", faultCode: 2 } };
  const items: DataItem[] = [
    { pn: 0, fn: 1, data: { ec1: 5, ec2: 0, pm: 3, pn: 4, records: [record] } },
    { pn: 0, fn: 1, data: { ec1: 5, ec2: 0, pm: 4, pn: 5, records: [record, record] } },
    { pn: 0, fn: 2, data: { ec1: 5, ec2: 0, pm: 0, pn: 0, records: [] } },
  ];
  const frames = encodeMultiFrame({ ...header, afn: 0x0e }, items);
  assert.equal(frames.length, 3);
  const decoded = frames.map((f) => {
    const m = decodeMessage(f);
    assert.ok(m.ok, m.ok ? "" : m.error.message);
    return m.value;
  });
  assert.deepEqual(
    decoded.map((m) => messageItems(m)),
    items.map((item) => [item]),
  );
});
