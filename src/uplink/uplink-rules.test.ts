import assert from "node:assert/strict";
import { it } from "node:test";
import { fromLocalParts } from "../store/calendar.ts";
import { matchAddress } from "./address-match.ts";
import { backoffDelay } from "./backoff.ts";
import { isTimeLabelStale, makeTimeLabel, timeLabelAgeSeconds } from "./time-label.ts";

const OFFSET = 480;
const identity = { area: "4403", terminal: 1, groups: [0x20] };

it("address matching: own, group, broadcast, others", () => {
  const a = (area: string, terminal: number, group: boolean) => ({ area, terminal, master: 1, group });
  assert.equal(matchAddress(a("4403", 1, false), identity), "own");
  assert.equal(matchAddress(a("4403", 2, false), identity), undefined);
  assert.equal(matchAddress(a("4103", 1, false), identity), undefined);
  assert.equal(matchAddress(a("4403", 0x20, true), identity), "group");
  assert.equal(matchAddress(a("4403", 0x21, true), identity), undefined);
  assert.equal(matchAddress(a("4403", 0xffff, true), identity), "broadcast");
  assert.equal(matchAddress(a("FFFF", 0xffff, true), identity), "broadcast");
  assert.equal(matchAddress(a("4103", 0xffff, true), identity), undefined);
});

it("Tp staleness: delay 0 never stale; age ≥ delay stale; previous-month day", () => {
  const now = fromLocalParts({ year: 2026, month: 3, day: 1, hour: 0, minute: 5, second: 0 }, OFFSET);
  const tenMinutesAgo = makeTimeLabel(7, now - 10 * 60_000, OFFSET, 1);
  assert.equal(tenMinutesAgo.day, 28, "sent on 28 February");
  assert.equal(timeLabelAgeSeconds(tenMinutesAgo, now, OFFSET), 600);
  assert.equal(isTimeLabelStale(tenMinutesAgo, now, OFFSET), true);
  assert.equal(isTimeLabelStale({ ...tenMinutesAgo, delay: 0 }, now, OFFSET), false);
  assert.equal(isTimeLabelStale({ ...tenMinutesAgo, delay: 11 }, now, OFFSET), false);
  assert.equal(isTimeLabelStale(makeTimeLabel(7, now - 59_000, OFFSET, 1), now, OFFSET), false);
  assert.equal(
    isTimeLabelStale(makeTimeLabel(7, now + 30_000, OFFSET, 1), now, OFFSET),
    false,
    "slightly future",
  );
});

it("back-off grows, is capped and jittered within [ceiling/2, ceiling]", () => {
  const o = { initialMs: 1000, maxMs: 8000 };
  assert.equal(
    backoffDelay(0, o, () => 0),
    500,
  );
  assert.equal(
    backoffDelay(0, o, () => 1),
    1000,
  );
  assert.equal(
    backoffDelay(2, o, () => 1),
    4000,
  );
  assert.equal(
    backoffDelay(10, o, () => 1),
    8000,
  );
  assert.equal(
    backoffDelay(10, o, () => 0),
    4000,
  );
});
