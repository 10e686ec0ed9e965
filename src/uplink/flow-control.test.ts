import assert from "node:assert/strict";
import { it } from "node:test";
import { silentLogger } from "../common/logger.ts";
import { FlowControl } from "./flow-control.ts";

function setup() {
  const state = { threshold: 1000, total: 0, month: 202603, alerted: undefined as number | undefined };
  const raised: [number, number][] = [];
  const flow = new FlowControl({
    threshold: () => state.threshold,
    monthTotal: () => state.total,
    month: () => state.month,
    alertedMonth: () => state.alerted,
    setAlertedMonth: (m) => {
      state.alerted = m;
    },
    onExceeded: (bytes, threshold) => raised.push([bytes, threshold]),
    logger: silentLogger,
  });
  return { state, raised, flow };
}

it("over the F36 threshold: ERC32 once per month and reports suspended until the month changes", () => {
  const { state, raised, flow } = setup();
  state.total = 1000;
  flow.check();
  assert.equal(flow.reportsAllowed(), true, "equal to the threshold is not over it");
  assert.deepEqual(raised, []);
  state.total = 1001;
  assert.equal(flow.reportsAllowed(), false);
  flow.check();
  flow.check();
  state.total = 5000;
  flow.check();
  assert.deepEqual(raised, [[1001, 1000]], "raised once this month");
  state.month = 202604;
  state.total = 0;
  assert.equal(flow.reportsAllowed(), true, "new month: counting starts again");
  state.total = 1500;
  flow.check();
  assert.deepEqual(raised.at(-1), [1500, 1000], "raised again in the next month");
});

it("threshold 0 means no limit; raising the limit lifts the suspension", () => {
  const { state, raised, flow } = setup();
  state.threshold = 0;
  state.total = 10 ** 9;
  flow.check();
  assert.equal(flow.reportsAllowed(), true);
  assert.deepEqual(raised, []);
  state.threshold = 100;
  assert.equal(flow.reportsAllowed(), false);
  state.threshold = 2 * 10 ** 9;
  assert.equal(flow.reportsAllowed(), true);
});

it("a month already alerted (persisted before a restart) is not alerted again", () => {
  const { state, raised, flow } = setup();
  state.alerted = 202603;
  state.total = 2000;
  flow.check();
  assert.deepEqual(raised, []);
  assert.equal(flow.reportsAllowed(), false);
});
