/**
 * Simulated time for engine tests: runs the injected `ManualClock` forward timer by timer, letting every
 * promise chain the fired timers started settle before moving on, so hours of collection run in moments
 * and the outcome never depends on the machine's speed.
 */
import type { ManualClock } from "../../src/common/clock.ts";

/** Lets pending promise continuations run (the engine does its work in microtasks between timers). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Advances `clock` to `end`, firing timers in order and settling after each; `onStep` runs after every
 * settled step (e.g. to inject faults at a given simulated time). Returns the number of steps.
 */
export async function runUntil(
  clock: ManualClock,
  end: number,
  onStep?: (now: number) => void | Promise<void>,
): Promise<number> {
  let steps = 0;
  await settle();
  for (;;) {
    const next = clock.nextTimerAt();
    if (next === undefined || next > end) break;
    clock.advanceTo(next);
    await settle();
    await onStep?.(clock.now());
    steps++;
  }
  clock.advanceTo(end);
  await settle();
  return steps;
}
