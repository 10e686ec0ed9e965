import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import type { ReadPriority } from "./meter-channel.ts";
import { PRIORITIES, RequestQueue } from "./request-queue.ts";

interface Item {
  readonly priority: ReadPriority;
  readonly id: number;
}

test("live before scheduled before supplementary, FIFO within a priority", () => {
  const q = new RequestQueue<Item>(10);
  q.push({ priority: "supplementary", id: 1 });
  q.push({ priority: "scheduled", id: 2 });
  q.push({ priority: "live", id: 3 });
  q.push({ priority: "scheduled", id: 4 });
  q.push({ priority: "live", id: 5 });
  const order: number[] = [];
  for (let item = q.shift(); item !== undefined; item = q.shift()) order.push(item.id);
  assert.deepEqual(order, [3, 5, 2, 4, 1]);
  assert.equal(q.size, 0);
});

test("full queue: a more urgent newcomer evicts the newest least urgent entry; an equal one is refused", () => {
  const q = new RequestQueue<Item>(3);
  q.push({ priority: "supplementary", id: 1 });
  q.push({ priority: "supplementary", id: 2 });
  q.push({ priority: "scheduled", id: 3 });
  const live = q.push({ priority: "live", id: 4 });
  assert.deepEqual(live, { accepted: true, evicted: { priority: "supplementary", id: 2 } });
  assert.deepEqual(q.push({ priority: "supplementary", id: 5 }), { accepted: false });
  const scheduled = q.push({ priority: "scheduled", id: 6 });
  assert.deepEqual(scheduled, { accepted: true, evicted: { priority: "supplementary", id: 1 } });
  // Now live + 2 scheduled: another scheduled has nothing less urgent to evict.
  assert.deepEqual(q.push({ priority: "scheduled", id: 7 }), { accepted: false });
  assert.equal(q.dropped, 4);
  assert.equal(q.size, 3);
});

test("remove and takeWhere keep the size right", () => {
  const q = new RequestQueue<Item>(5);
  const items: Item[] = [
    { priority: "live", id: 1 },
    { priority: "scheduled", id: 2 },
    { priority: "supplementary", id: 3 },
  ];
  for (const i of items) q.push(i);
  assert.equal(q.remove(items[1] as Item), true);
  assert.equal(q.remove(items[1] as Item), false);
  const taken = q.takeWhere((i) => i.priority !== "live");
  assert.deepEqual(
    taken.map((i) => i.id),
    [3],
  );
  assert.equal(q.size, 1);
  assert.equal(q.shift()?.id, 1);
  assert.throws(() => new RequestQueue<Item>(0), RangeError);
});

test("property: never above capacity; every push is accepted, refused or evicts exactly one", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 8 }),
      fc.array(fc.oneof(fc.constantFrom(...PRIORITIES), fc.constant("shift" as const)), { maxLength: 60 }),
      (capacity, ops) => {
        const q = new RequestQueue<Item>(capacity);
        let present = 0;
        let id = 0;
        for (const op of ops) {
          if (op === "shift") {
            if (q.shift() !== undefined) present--;
          } else {
            const r = q.push({ priority: op, id: id++ });
            if (r.accepted && r.evicted === undefined) present++;
          }
          assert.ok(q.size <= capacity);
          assert.equal(q.size, present);
        }
      },
    ),
  );
});
