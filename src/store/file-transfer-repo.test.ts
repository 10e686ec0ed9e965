/**
 * AFN0F download state in a real SQLite file: any order (the last segment first too), fixed length except
 * the last, a restart of the transfer for another file, the size cap, and survival of a close/reopen.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import fc from "fast-check";
import { ManualClock } from "../common/clock.ts";
import { Store } from "./store.ts";

let dir: string;
let store: Store;
const clock = new ManualClock(Date.UTC(2026, 0, 1));
const open = () => new Store({ path: join(dir, "dcu.db"), clock });
const seg = (n: number, len = 4) => new Uint8Array(len).fill(n);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "opendcu-files-"));
  store = open();
});

afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("file transfer repository", () => {
  it("accepts the last segment first and learns the fixed length from the next one", () => {
    assert.equal(store.files.storeSegment(1, 3, 2, seg(2, 2)).result, "stored");
    assert.equal(store.files.get(1)?.segmentLength, 0);
    assert.equal(store.files.storeSegment(1, 3, 0, seg(0)).result, "stored");
    assert.equal(store.files.get(1)?.segmentLength, 4);
    assert.deepEqual(store.files.missing(1), [1]);
    assert.equal(store.files.storeSegment(1, 3, 1, seg(1)).complete, true);
    assert.deepEqual([...(store.files.assemble(1) ?? [])], [0, 0, 0, 0, 1, 1, 1, 1, 2, 2]);
  });

  it("drops a last segment stored early that is longer than the fixed length learnt later", () => {
    store.files.storeSegment(1, 3, 2, seg(2, 6));
    assert.equal(store.files.storeSegment(1, 3, 0, seg(0)).result, "stored");
    assert.deepEqual(store.files.missing(1), [1, 2]);
    assert.equal(store.files.get(1)?.receivedCount, 1);
  });

  it("replaces a segment sent again with other bytes, restarts for another file", () => {
    store.files.storeSegment(1, 3, 0, seg(0));
    store.files.storeSegment(1, 3, 1, seg(1));
    assert.equal(store.files.storeSegment(1, 3, 1, seg(9)).result, "replaced");
    assert.equal(store.files.get(1)?.receivedCount, 2);
    // another segment 0: another file — the old download is discarded
    assert.equal(store.files.storeSegment(1, 3, 0, seg(7)).result, "restarted");
    assert.deepEqual(store.files.missing(1), [1, 2]);
    // another segment count: another file as well
    assert.equal(store.files.storeSegment(1, 5, 3, seg(3)).result, "restarted");
    assert.deepEqual(store.files.missing(1), [0, 1, 2, 4]);
  });

  it("refuses a file above the cap without touching the download in progress", () => {
    store.files.storeSegment(1, 4, 0, seg(0));
    assert.equal(store.files.storeSegment(1, 100, 0, seg(0), 200).result, "too-large");
    assert.equal(store.files.get(1)?.totalSegments, 4, "the old download is kept");
    assert.equal(store.files.storeSegment(1, 4, 1, seg(1), 13).result, "stored", "3 × 4 + 1 ≤ 13");
    assert.equal(store.files.storeSegment(1, 4, 3, seg(3, 2), 13).result, "too-large", "3 × 4 + 2 > 13");
  });

  it("refuses bad indices and lengths", () => {
    assert.equal(store.files.storeSegment(1, 0, 0, seg(0)).result, "bad-index");
    assert.equal(store.files.storeSegment(1, 2, -1, seg(0)).result, "bad-index");
    assert.equal(store.files.storeSegment(1, 2, 0, new Uint8Array(0)).result, "bad-length");
    store.files.storeSegment(1, 3, 0, seg(0));
    assert.equal(store.files.storeSegment(1, 3, 1, seg(1, 5)).result, "bad-length");
    assert.equal(store.files.storeSegment(1, 3, 2, seg(2, 5)).result, "bad-length");
  });

  it("keeps every stored segment across a close and reopen (the bitmap is persisted)", () => {
    store.files.storeSegment(1, 5, 4, seg(4, 1));
    store.files.storeSegment(1, 5, 1, seg(1));
    store.close();
    store = open();
    assert.deepEqual(store.files.received(1), [1, 4]);
    assert.deepEqual(store.files.missing(1), [0, 2, 3]);
  });

  it("assembles the file whatever the arrival order and repetitions (property)", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 300 }),
        fc.integer({ min: 1, max: 40 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        fc.integer(),
        (file, size, repeats, seed) => {
          store.files.clear();
          const segments: Uint8Array[] = [];
          for (let at = 0; at < file.length; at += size) segments.push(file.subarray(at, at + size));
          const order = segments.map((_, i) => i);
          let s = seed;
          for (let i = order.length - 1; i > 0; i--) {
            s = (Math.imul(s, 1103515245) + 12345) | 0;
            const j = Math.abs(s) % (i + 1);
            [order[i], order[j]] = [order[j] as number, order[i] as number];
          }
          const sends = [...order, ...repeats.map((r) => r % segments.length)];
          // segment 0 repeated with the same bytes never restarts the download
          for (const i of sends) {
            const outcome = store.files.storeSegment(1, segments.length, i, segments[i] as Uint8Array);
            assert.ok(["stored", "duplicate"].includes(outcome.result), outcome.result);
          }
          assert.deepEqual(Buffer.from(store.files.assemble(1) ?? []), Buffer.from(file));
        },
      ),
      { numRuns: 60 },
    );
  });
});
