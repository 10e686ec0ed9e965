import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { loadVectors } from "../../../test/support/vectors.ts";
import { toHex } from "../common/hex.ts";
import { FrameSplitter, splitFrames } from "./splitter.ts";

// PID-2 golden frames (without FE preamble) form the stream material.
const frames = loadVectors("gw1376-1.txt")
  .filter((v) => v.expect.get("pid") === "2")
  .map((v) => v.bytes.subarray(v.bytes.indexOf(0x68)));

/** Garbage that cannot contain a 0x68, so the expected output is exactly the frames. */
const garbage = fc.uint8Array({ maxLength: 20 }).map((g) => g.map((b) => (b === 0x68 ? 0x00 : b)));

function chunked(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let last = 0;
  for (const p of points) {
    out.push(bytes.subarray(last, p));
    last = p;
  }
  out.push(bytes.subarray(last));
  return out;
}

test("property: any chunking of frames separated by garbage yields exactly those frames", () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: frames.length - 1 }), garbage), {
        minLength: 1,
        maxLength: 8,
      }),
      fc.array(fc.nat(), { maxLength: 12 }),
      (picks, cuts) => {
        const parts: number[] = [];
        for (const [index, junk] of picks) parts.push(...junk, ...(frames[index] as Uint8Array));
        const stream = Uint8Array.from(parts);
        const splitter = new FrameSplitter();
        const got: string[] = [];
        for (const chunk of chunked(stream, cuts)) for (const f of splitter.push(chunk)) got.push(toHex(f));
        assert.deepEqual(
          got,
          picks.map(([i]) => toHex(frames[i] as Uint8Array)),
        );
        assert.equal(splitter.pending, 0);
        assert.equal(
          splitter.discarded,
          picks.reduce((n, [, junk]) => n + junk.length, 0),
        );
      },
    ),
    { numRuns: 300 },
  );
});

test("several frames in one chunk, FE preambles skipped", () => {
  const a = frames[0] as Uint8Array;
  const b = frames[1] as Uint8Array;
  const r = splitFrames(new Uint8Array(0), Uint8Array.from([0xfe, 0xfe, ...a, 0xfe, 0xfe, 0xfe, 0xfe, ...b]));
  assert.deepEqual(
    r.frames.map((f) => toHex(f)),
    [toHex(a), toHex(b)],
  );
  assert.equal(r.discarded, 6);
  assert.equal(r.rest.length, 0);
});

test("resynchronises after a corrupt frame: the next good frame is found", () => {
  const a = (frames[2] as Uint8Array).slice();
  a[a.length - 2] = ((a[a.length - 2] as number) + 1) & 0xff; // bad checksum
  const b = frames[3] as Uint8Array;
  const r = splitFrames(new Uint8Array(0), Uint8Array.from([...a, ...b]));
  assert.deepEqual(
    r.frames.map((f) => toHex(f)),
    [toHex(b)],
  );
  assert.equal(r.discarded, a.length);
});

test("a frame cut in its header or body waits for the rest", () => {
  const a = frames[4] as Uint8Array;
  for (let cut = 1; cut < a.length; cut++) {
    const first = splitFrames(new Uint8Array(0), a.subarray(0, cut));
    assert.equal(first.frames.length, 0);
    assert.equal(first.rest.length, cut);
    const second = splitFrames(first.rest, a.subarray(cut));
    assert.deepEqual(
      second.frames.map((f) => toHex(f)),
      [toHex(a)],
    );
  }
});

test("the carry-over is bounded: random input never leaves more than one maximum frame pending", () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 4096 }), { maxLength: 10 }), (chunks) => {
      const splitter = new FrameSplitter({ maxL1: 2048 });
      for (const c of chunks) splitter.push(c);
      assert.ok(splitter.pending <= 2048 + 8, `pending ${splitter.pending}`);
    }),
    { numRuns: 100 },
  );
  // A header announcing a frame longer than the limit is treated as garbage at once.
  const big = Uint8Array.from([0x68, 0xfe, 0xff, 0xfe, 0xff, 0x68, 1, 2, 3]);
  const r = splitFrames(new Uint8Array(0), big, { maxL1: 2048 });
  // The oversized candidate is dropped at once; only the later 68 (a possible start) is kept.
  assert.equal(r.discarded, 5);
  assert.equal(toHex(r.rest), "68 01 02 03");
});

test("reset drops a partial frame and counts it", () => {
  const splitter = new FrameSplitter();
  const a = frames[0] as Uint8Array;
  splitter.push(a.subarray(0, 10));
  assert.equal(splitter.pending, 10);
  splitter.reset();
  assert.equal(splitter.pending, 0);
  assert.equal(splitter.discarded, 10);
  assert.deepEqual(
    splitter.push(a).map((f) => toHex(f)),
    [toHex(a)],
  );
});
