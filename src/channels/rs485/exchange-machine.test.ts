import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { DEFAULT_PREAMBLE } from "../../protocol/dlt645/frame.ts";
import { encodeMessage, message, readRequest } from "../../protocol/dlt645/message.ts";
import {
  type ExchangeEffect,
  type ExchangeInput,
  ExchangeMachine,
  type ExchangeOutcome,
} from "./exchange-machine.ts";

const TIMEOUTS = { responseMs: 500, interByteMs: 50, maxAnswerMs: 2000 };
const REQUEST = encodeMessage(readRequest("2007", "000000000001", 0x00010000), {
  preamble: DEFAULT_PREAMBLE,
});
const ANSWER = encodeMessage(
  message("2007", "000000000001", "read", "reply", { di: 0x00010000, data: Uint8Array.of(0x78, 0x06, 0, 0) }),
  { preamble: DEFAULT_PREAMBLE },
);
/** The answer as the splitter cuts it (from the first 68). */
const ANSWER_FRAME = ANSWER.subarray(4);

/** Feeds inputs; returns the last armed timer and the outcome if the exchange ended. */
function run(machine: ExchangeMachine, inputs: readonly ExchangeInput[]) {
  let timer: { id: number; ms: number } | undefined;
  let outcome: ExchangeOutcome | undefined;
  const effects: ExchangeEffect[] = [];
  for (const input of inputs) {
    for (const e of machine.handle(input)) {
      effects.push(e);
      if (e.kind === "timer") timer = { id: e.id, ms: e.ms };
      else outcome = e.outcome;
    }
  }
  return { timer, outcome, effects };
}

test("silence: the response timeout after transmission ends the exchange", () => {
  const m = new ExchangeMachine(TIMEOUTS);
  const first = run(m, [{ kind: "sent", at: 100 }]);
  assert.deepEqual(first.timer?.ms, 500);
  const end = run(m, [{ kind: "timer", id: first.timer?.id ?? -1, at: 600 }]);
  assert.deepEqual(end.outcome, { kind: "silence" });
  assert.equal(m.state, "done");
  // Nothing after done.
  assert.deepEqual(m.handle({ kind: "bytes", chunk: ANSWER, at: 700 }), []);
});

test("an answer in two chunks completes the exchange with the frame", () => {
  const m = new ExchangeMachine(TIMEOUTS);
  const r = run(m, [
    { kind: "sent", at: 0 },
    { kind: "bytes", chunk: ANSWER.subarray(0, 9), at: 40 },
    { kind: "bytes", chunk: ANSWER.subarray(9), at: 80 },
  ]);
  assert.equal(r.outcome?.kind, "frame");
  assert.deepEqual(r.outcome?.kind === "frame" ? [...r.outcome.frame] : [], [...ANSWER_FRAME]);
  // After the first chunk the timer became the inter-byte timeout.
  const timers = r.effects.filter((e) => e.kind === "timer");
  assert.deepEqual(
    timers.map((t) => (t.kind === "timer" ? t.ms : -1)),
    [500, 50],
  );
});

test("echo tolerance: our own frame coming back is skipped, during or after sending", () => {
  const during = new ExchangeMachine(TIMEOUTS);
  const r1 = run(during, [
    { kind: "bytes", chunk: REQUEST, at: 10 },
    { kind: "sent", at: 90 },
    { kind: "bytes", chunk: ANSWER, at: 200 },
  ]);
  assert.equal(r1.outcome?.kind, "frame");
  assert.equal(during.echoes, 1);

  // The echo trickles in after "sent": the machine goes back to waiting on the original response clock.
  const after = new ExchangeMachine(TIMEOUTS);
  const r2 = run(after, [
    { kind: "sent", at: 100 },
    { kind: "bytes", chunk: REQUEST.subarray(0, 10), at: 110 },
    { kind: "bytes", chunk: REQUEST.subarray(10), at: 130 },
  ]);
  assert.equal(r2.outcome, undefined);
  assert.equal(after.state, "waiting");
  assert.equal(r2.timer?.ms, 470);
  const end = run(after, [{ kind: "timer", id: r2.timer?.id ?? -1, at: 600 }]);
  assert.deepEqual(end.outcome, { kind: "silence" });
  assert.equal(after.echoes, 1);
});

test("a bare preamble then a pause does not end the wait early", () => {
  const m = new ExchangeMachine(TIMEOUTS);
  const r = run(m, [
    { kind: "sent", at: 0 },
    { kind: "bytes", chunk: DEFAULT_PREAMBLE, at: 20 },
  ]);
  assert.equal(m.state, "receiving");
  const back = run(m, [{ kind: "timer", id: r.timer?.id ?? -1, at: 70 }]);
  assert.equal(m.state, "waiting");
  assert.equal(back.timer?.ms, 430);
  const done = run(m, [{ kind: "bytes", chunk: ANSWER_FRAME, at: 300 }]);
  assert.equal(done.outcome?.kind, "frame");
});

test("garbage and a cut-off frame end as garbage after the inter-byte silence", () => {
  const noise = new ExchangeMachine(TIMEOUTS);
  const r = run(noise, [
    { kind: "sent", at: 0 },
    { kind: "bytes", chunk: Uint8Array.of(0x12, 0x34, 0x56), at: 30 },
  ]);
  const end = run(noise, [{ kind: "timer", id: r.timer?.id ?? -1, at: 80 }]);
  assert.deepEqual(end.outcome, { kind: "garbage", bytes: 3 });

  const cut = new ExchangeMachine(TIMEOUTS);
  const c = run(cut, [
    { kind: "sent", at: 0 },
    { kind: "bytes", chunk: ANSWER.subarray(0, 15), at: 30 },
  ]);
  const cutEnd = run(cut, [{ kind: "timer", id: c.timer?.id ?? -1, at: 80 }]);
  // The four FE bytes are preamble, not garbage; the 11 frame bytes are.
  assert.deepEqual(cutEnd.outcome, { kind: "garbage", bytes: 11 });
});

test("garbage before a valid answer does not hide the answer", () => {
  const m = new ExchangeMachine(TIMEOUTS);
  const r = run(m, [
    { kind: "sent", at: 0 },
    { kind: "bytes", chunk: Uint8Array.of(0x00, 0xff, 0x10), at: 10 },
    { kind: "bytes", chunk: ANSWER, at: 40 },
  ]);
  assert.equal(r.outcome?.kind, "frame");
});

test("stale timers are ignored and a trickling line is bounded by maxAnswerMs", () => {
  const m = new ExchangeMachine({ responseMs: 500, interByteMs: 50, maxAnswerMs: 100 });
  const first = run(m, [{ kind: "sent", at: 0 }]);
  run(m, [{ kind: "bytes", chunk: Uint8Array.of(0x68), at: 10 }]);
  assert.deepEqual(m.handle({ kind: "timer", id: first.timer?.id ?? -1, at: 500 }), []);
  let last: { id: number; ms: number } | undefined;
  for (let t = 40; t <= 100; t += 30) {
    last = run(m, [{ kind: "bytes", chunk: Uint8Array.of(0x01), at: t }]).timer;
  }
  // First byte at 10, now 100: only 10 ms of the 100 ms answer allowance left.
  assert.equal(last?.ms, 10);
  const end = run(m, [{ kind: "timer", id: last?.id ?? -1, at: 110 }]);
  assert.equal(end.outcome?.kind, "garbage");
});

test("property: any chunking of echo + answer yields exactly the answer frame", () => {
  const stream = new Uint8Array([...REQUEST, ...ANSWER]);
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 12 }),
      fc.integer({ min: 0, max: stream.length }),
      (cuts, sentAfter) => {
        const bounds = [0, ...[...cuts].sort((a, b) => a - b), stream.length];
        const m = new ExchangeMachine(TIMEOUTS);
        let outcome: ExchangeOutcome | undefined;
        let sent = false;
        let at = 0;
        for (let i = 0; i + 1 < bounds.length; i++) {
          if (!sent && (bounds[i] as number) >= sentAfter) {
            m.handle({ kind: "sent", at });
            sent = true;
          }
          at += 5;
          for (const e of m.handle({
            kind: "bytes",
            chunk: stream.subarray(bounds[i], bounds[i + 1]),
            at,
          })) {
            if (e.kind === "done") outcome = e.outcome;
          }
        }
        assert.equal(outcome?.kind, "frame");
        assert.deepEqual(outcome?.kind === "frame" ? [...outcome.frame] : [], [...ANSWER_FRAME]);
      },
    ),
  );
});

test("a timer that fires before its time is re-armed for the rest, not believed", () => {
  const m = new ExchangeMachine(TIMEOUTS);
  const first = run(m, [{ kind: "sent", at: 1000 }]);
  const early = run(m, [{ kind: "timer", id: first.timer?.id ?? -1, at: 1300 }]);
  assert.equal(early.outcome, undefined);
  assert.equal(early.timer?.ms, 200);
  const end = run(m, [{ kind: "timer", id: early.timer?.id ?? -1, at: 1500 }]);
  assert.deepEqual(end.outcome, { kind: "silence" });
});
