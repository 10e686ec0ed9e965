import assert from "node:assert/strict";
import { test } from "node:test";
import { createPipe, lineTimeMs } from "./pipe.ts";

/** Resolves with the arrival time (performance.now) of the first chunk on `end`. */
function firstArrival(end: { onData(l: (c: Uint8Array) => void): () => void }): Promise<number> {
  return new Promise((resolve) => {
    const off = end.onData(() => {
      off();
      resolve(performance.now());
    });
  });
}

test("a turnaround per end: only the end that turns around waits before it transmits", async () => {
  const [a, b] = createPipe({ baud: 2400, turnaroundMs: [0, 30] });
  try {
    const arrivals: string[] = [];
    const atB = firstArrival(b).then((t) => {
      arrivals.push("a→b");
      return t;
    });
    const atA = firstArrival(a).then((t) => {
      arrivals.push("b→a");
      return t;
    });
    const started = performance.now();
    // b starts first: if a waited the same turnaround, b's byte would arrive first.
    await Promise.all([b.write(Uint8Array.of(0x16)), a.write(Uint8Array.of(0x68))]);
    const [toB, toA] = await Promise.all([atB, atA]);
    // Lower bounds only (a loaded machine makes timers late, never early).
    assert.ok(toA - started >= 30 + lineTimeMs(1, 2400) - 1, `b→a after ${toA - started} ms`);
    assert.ok(toB - started >= lineTimeMs(1, 2400) - 1, `a→b after ${toB - started} ms`);
    // a did not wait: its byte was on the line (and delivered) before b's turnaround ended.
    assert.deepEqual(arrivals, ["a→b", "b→a"]);
  } finally {
    await a.close();
  }
});

test("one turnaround figure applies to both ends; a negative one is refused", async () => {
  const [a, b] = createPipe({ baud: 9600, turnaroundMs: 25 });
  try {
    const atA = firstArrival(a);
    const atB = firstArrival(b);
    const started = performance.now();
    await Promise.all([a.write(Uint8Array.of(1)), b.write(Uint8Array.of(2))]);
    for (const at of await Promise.all([atA, atB])) assert.ok(at - started >= 25 - 1, `${at - started} ms`);
  } finally {
    await a.close();
  }
  assert.throws(() => createPipe({ turnaroundMs: [0, -1] }), /turnaroundMs must be ≥ 0 ms, got -1/);
});
