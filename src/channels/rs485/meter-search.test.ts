import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { ManualClock } from "../../common/clock.ts";
import { collide, MeterBus } from "../../sim/meter-bus.ts";
import { VirtualMeter } from "../../sim/virtual-meter.ts";
import { NEW_SEARCH, type Prober, parseCursor, patternFor, searchBus } from "./meter-search.ts";

const clock = new ManualClock(Date.UTC(2026, 10, 26, 10, 0, 0));

/** A bus without wires: every meter judges the frame; 0 answers = silence, 1 = frame, more = collision. */
function prober(
  addresses: readonly string[],
  msPerProbe = 600,
): { probe: Prober; bus: MeterBus; count: () => number } {
  const bus = new MeterBus(
    addresses.map((a, i) => VirtualMeter.create(a, clock, { historyDays: 1, seed: i + 1 })),
  );
  let n = 0;
  return {
    bus,
    count: () => n,
    probe: async (frame) => {
      n++;
      clock.advance(msPerProbe);
      const answers = bus.answersFor(frame);
      if (answers.length === 0) return { kind: "silence" };
      if (answers.length === 1) return { kind: "frame", frame: answers[0]!.bytes.subarray(4) };
      return { kind: "garbage", bytes: collide(answers.map((a) => a.bytes)).length };
    },
  };
}

test("patterns keep the low digits and wildcard the rest", () => {
  assert.equal(patternFor("07"), "AAAAAAAAAA07");
  assert.equal(patternFor("1207"), "AAAAAAAA1207");
  assert.equal(patternFor("000000000001"), "000000000001");
});

test("a single-meter bus: the broadcast read-address finds it in one probe", async () => {
  const p = prober(["123456789012"]);
  const r = await searchBus(p.probe, { clock });
  assert.deepEqual(r, { found: ["123456789012"], conflicts: [], probes: 1, cursor: undefined });
});

test("an empty bus: one silent probe and done", async () => {
  const r = await searchBus(prober([]).probe, { clock });
  assert.deepEqual(r.found, []);
  assert.equal(r.probes, 1);
  assert.equal(r.cursor, undefined);
});

test("collisions are narrowed digit pair by digit pair; a duplicated address is a conflict", async () => {
  const addresses = [
    "000000000001",
    "000000000101",
    "000000000201",
    "000000010201",
    "000000000055",
    "990000000077",
  ];
  const p = prober([...addresses, "000000000033", "000000000033"]);
  const found: string[] = [];
  const r = await searchBus(p.probe, { clock, onFound: (a) => found.push(a) });
  assert.deepEqual([...r.found].sort(), [...addresses].sort());
  assert.deepEqual(found, r.found);
  assert.deepEqual(r.conflicts, ["000000000033"]);
  assert.equal(r.cursor, undefined);
  // Root, 100 at the lowest byte, 100 under "01", 100 under "0201", 4 × 100 under "33" … (no full scans
  // where nothing collided).
  assert.equal(r.probes, 1 + 100 + 100 + 100 + 500);
});

test("time-boxed and resumable: stopping anywhere and continuing from the cursor finds the same meters", async () => {
  const addresses = ["000000000001", "000000000101", "000000000201", "000000000055", "000000123456"];
  const whole = await searchBus(prober(addresses).probe, { clock });
  // Budget: 600 ms per probe, 30 s per run → 50 probes a run.
  let cursor = NEW_SEARCH;
  const found: string[] = [];
  let runs = 0;
  let probes = 0;
  for (;;) {
    const r = await searchBus(prober(addresses).probe, { clock, cursor, budgetMs: 30_000 });
    runs++;
    probes += r.probes;
    found.push(...r.found);
    if (r.cursor === undefined) break;
    assert.equal(r.stoppedBy, "budget");
    // The cursor survives a trip through JSON (the engine keeps it in the database).
    const stored = parseCursor(JSON.parse(JSON.stringify(r.cursor)));
    assert.ok(stored);
    cursor = stored;
  }
  assert.deepEqual([...found].sort(), [...whole.found].sort());
  assert.equal(probes, whole.probes);
  assert.ok(runs > 3);
});

test("property: any stopping points (max probes) give exactly the full search's result", async () => {
  const addresses = ["000000000001", "000000000101", "000000000301", "000000000042", "000000004242"];
  const whole = await searchBus(prober(addresses).probe, { clock });
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.integer({ min: 1, max: 150 }), { minLength: 1, maxLength: 6 }),
      async (steps) => {
        let cursor = NEW_SEARCH;
        const found: string[] = [];
        let i = 0;
        for (;;) {
          const r = await searchBus(prober(addresses).probe, {
            clock,
            cursor,
            maxProbes: steps[i % steps.length] as number,
          });
          i++;
          found.push(...r.found);
          if (r.cursor === undefined) break;
          cursor = r.cursor;
        }
        assert.deepEqual([...found].sort(), [...whole.found].sort());
      },
    ),
    { numRuns: 25 },
  );
});

test("a port problem stops the search without moving the cursor past the failed probe", async () => {
  const p = prober(["000000000001", "000000000002"]);
  let calls = 0;
  const flaky: Prober = async (frame) => {
    calls++;
    return calls === 3 ? { kind: "unavailable", detail: "port paused" } : p.probe(frame);
  };
  const r = await searchBus(flaky, { clock });
  assert.equal(r.stoppedBy, "port paused");
  assert.equal(r.probes, 2);
  assert.deepEqual(r.cursor, { rootDone: true, stack: [{ suffix: "", next: 1 }] });
  const rest = await searchBus(p.probe, { clock, cursor: r.cursor ?? NEW_SEARCH });
  assert.deepEqual(rest.found, ["000000000001", "000000000002"]);
});

test("parseCursor refuses malformed stored cursors", () => {
  assert.equal(parseCursor(null), undefined);
  assert.equal(parseCursor({ rootDone: "yes", stack: [] }), undefined);
  assert.equal(parseCursor({ rootDone: true, stack: [{ suffix: "1", next: 0 }] }), undefined);
  assert.equal(parseCursor({ rootDone: true, stack: [{ suffix: "01", next: 101 }] }), undefined);
  assert.equal(parseCursor({ rootDone: true, stack: [{ suffix: "000000000001", next: 0 }] }), undefined);
  assert.deepEqual(parseCursor({ rootDone: true, stack: [{ suffix: "01", next: 7 }] }), {
    rootDone: true,
    stack: [{ suffix: "01", next: 7 }],
  });
});
