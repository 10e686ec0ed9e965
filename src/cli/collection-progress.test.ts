/** The first-collection progress line on a ManualClock: quarters in a log, in-place updates on a TTY, the end. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ManualClock } from "../common/clock.ts";
import type { ReadingStatusProvider } from "../web/providers.ts";
import { watchFirstCollection } from "./collection-progress.ts";

function provider(state: { read: number; due: number }): ReadingStatusProvider {
  return {
    dailySuccess: () => [
      {
        port: 2,
        day: 20261125,
        due: Math.ceil(state.due / 2),
        read: Math.min(state.read, Math.ceil(state.due / 2)),
      },
      {
        port: 31,
        day: 20261125,
        due: Math.floor(state.due / 2),
        read: Math.max(0, state.read - Math.ceil(state.due / 2)),
      },
    ],
    missingToday: () => ({ total: 0, meters: [] }),
    meterDetail: () => undefined,
  };
}

describe("first collection progress", () => {
  it("writes a line per quarter in a log, then the total and the time taken", () => {
    const clock = new ManualClock(0);
    const state = { read: 0, due: 32 };
    const out: string[] = [];
    watchFirstCollection({ reading: () => provider(state), clock, write: (t) => out.push(t), tty: false });
    clock.advance(0);
    for (const read of [3, 8, 9, 20, 31]) {
      state.read = read;
      clock.advance(1000);
    }
    state.read = 32;
    clock.advance(1000);
    assert.deepEqual(out, [
      "first collection: 0 of 32 meters read (0 %)\n",
      "first collection: 8 of 32 meters read (25 %)\n",
      "first collection: 20 of 32 meters read (62 %)\n",
      "first collection: 31 of 32 meters read (96 %)\n",
      "first collection: all 32 meters read (6 s)\n",
    ]);
    clock.advance(10_000);
    assert.equal(out.length, 5, "stopped after the end");
  });

  it("updates one line in place on a terminal; gives up after maxMs naming what is left", () => {
    const clock = new ManualClock(0);
    const state = { read: 1, due: 4 };
    const out: string[] = [];
    watchFirstCollection({
      reading: () => provider(state),
      clock,
      write: (t) => out.push(t),
      tty: true,
      maxMs: 3000,
    });
    clock.advance(0);
    clock.advance(1000);
    state.read = 2;
    clock.advance(2000);
    assert.deepEqual(out, [
      "\rfirst collection: 1 of 4 meters read (25 %)",
      "\rfirst collection: 1 of 4 meters read (25 %)",
      "\rfirst collection: 2 of 4 meters read (50 %)",
      "\rfirst collection: 2 of 4 meters read after 3 s; the reading page lists the others\n",
    ]);
  });

  it("shows nothing without a reading engine or meters", () => {
    const clock = new ManualClock(0);
    const out: string[] = [];
    watchFirstCollection({ reading: () => undefined, clock, write: (t) => out.push(t), tty: false });
    watchFirstCollection({
      reading: () => provider({ read: 0, due: 0 }),
      clock,
      write: (t) => out.push(t),
      tty: false,
    });
    clock.advance(5000);
    assert.deepEqual(out, []);
  });

  it("starts showing once the engine has meters to read", () => {
    const clock = new ManualClock(0);
    const state = { read: 0, due: 0 };
    const out: string[] = [];
    watchFirstCollection({ reading: () => provider(state), clock, write: (t) => out.push(t), tty: false });
    clock.advance(3000);
    assert.deepEqual(out, []);
    state.due = 4;
    clock.advance(1000);
    assert.deepEqual(out, ["first collection: 0 of 4 meters read (0 %)\n"]);
  });
});
