import assert from "node:assert/strict";
import { it } from "node:test";
import type { Message } from "../protocol/gw1376-1/message.ts";
import { RepeatFilter } from "./repeat-filter.ts";

function request(msa: number, fcb: 0 | 1, pseq: number, fcv: 0 | 1 = 1, afn = 0x04): Message {
  return {
    pid: 2,
    control: { dir: 0, prm: 1, fcbAcd: fcb, fcv, fc: 10 },
    address: { area: "4403", terminal: 1, master: msa, group: false },
    afn,
    seq: { tpv: false, fir: true, fin: true, con: true, seq: pseq },
    groups: [],
  };
}

const frame = (n: number, fill = 0xaa) => new Uint8Array(n).fill(fill);

it("same MSA, FCB, PSEQ and AFN with FCV=1 is a repeat: in flight, then resent from the cache", () => {
  const filter = new RepeatFilter();
  assert.equal(filter.check(request(1, 1, 5)).kind, "new");
  assert.equal(filter.check(request(1, 1, 5)).kind, "in-flight");
  const answer = [frame(20)];
  filter.remember(request(1, 1, 5), answer);
  const again = filter.check(request(1, 1, 5));
  assert.equal(again.kind, "resend");
  assert.deepEqual(again.kind === "resend" ? again.frames : [], answer);
  // Toggled FCB = a new request, even with the same PSEQ.
  assert.equal(filter.check(request(1, 0, 5)).kind, "new");
  // Different PSEQ or AFN = new.
  filter.remember(request(1, 0, 5), answer);
  assert.equal(filter.check(request(1, 0, 6)).kind, "new");
  filter.remember(request(1, 0, 6), answer);
  assert.equal(filter.check(request(1, 0, 6, 1, 0x05)).kind, "new");
});

it("FCV=0 frames are never repeats; masters are kept apart", () => {
  const filter = new RepeatFilter();
  assert.equal(filter.check(request(1, 1, 5, 0)).kind, "new");
  filter.remember(request(1, 1, 5, 0), [frame(10)]);
  assert.equal(filter.check(request(1, 1, 5, 0)).kind, "new");
  assert.equal(filter.size, 0);
  assert.equal(filter.check(request(1, 1, 5)).kind, "new");
  assert.equal(filter.check(request(2, 1, 5)).kind, "new", "another master with the same FCB/PSEQ");
});

it("a request dropped unserved is forgotten, so its retransmission is served", () => {
  const filter = new RepeatFilter();
  assert.equal(filter.check(request(3, 0, 1)).kind, "new");
  filter.forget(request(3, 0, 1));
  assert.equal(filter.check(request(3, 0, 1)).kind, "new");
});

it("is bounded in entries and bytes; oversized answers are executed again instead of cached", () => {
  const filter = new RepeatFilter({ maxEntries: 4, maxBytes: 1000 });
  for (let msa = 1; msa <= 10; msa++) {
    filter.check(request(msa, 1, 1));
    filter.remember(request(msa, 1, 1), [frame(200)]);
    assert.ok(filter.size <= 4);
    assert.ok(filter.bytes <= 1000);
  }
  assert.equal(filter.check(request(1, 1, 1)).kind, "new", "MSA 1 was evicted");
  assert.equal(filter.check(request(10, 1, 1)).kind, "resend", "the most recent master is kept");
  filter.check(request(20, 0, 2));
  filter.remember(request(20, 0, 2), [frame(300)]);
  assert.equal(filter.check(request(20, 0, 2)).kind, "new", "300 > 1000/4: not cached");
});
