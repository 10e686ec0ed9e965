import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { ManualClock } from "../../common/clock.ts";
import { CapturingLogger } from "../../common/logger.ts";
import type { DataItem } from "../../protocol/gw1376-1/data-units.ts";
import { findFnRow } from "../../protocol/gw1376-1/fn-table.ts";
import { encodeBody } from "../../protocol/gw1376-1/layout-codec.ts";
import { fromLocalParts } from "../../store/calendar.ts";
import { Dispatcher } from "../dispatcher.ts";
import { erc3 } from "../erc-records.ts";
import { TerminalCore } from "../terminal-core.ts";
import { serveCurrentData } from "./current-data.ts";

const OFFSET = 480;
const START = fromLocalParts({ year: 2026, month: 11, day: 26, hour: 10, minute: 30, second: 0 }, OFFSET);

let core: TerminalCore;
let dispatcher: Dispatcher;
beforeEach(() => {
  core = new TerminalCore({
    dbPath: ":memory:",
    hostClock: new ManualClock(START),
    utcOffsetMinutes: OFFSET,
  });
  dispatcher = new Dispatcher(core, new CapturingLogger());
});
afterEach(() => core.close());

/** A decoded request as the uplink hands it to the dispatcher. */
function request(afn: number, items: readonly { pn: number; fn: number; data?: unknown }[]) {
  return {
    afn,
    groups: items.map((i) => ({ pns: [i.pn], fns: [i.fn], items: [{ data: {}, ...i }] })),
  } as unknown as Parameters<Dispatcher["handle"]>[0];
}

async function readP0(fn: number, options: { reportingAllowedByDefault?: boolean } = {}): Promise<DataItem> {
  const answers = await serveCurrentData({ core, ...options }, [{ pn: 0, fn, data: {} }]);
  assert.equal(answers.length, 1, `F${fn} answered`);
  const [item] = answers;
  assert.ok(item);
  // What the uplink will send must encode with the codec's row.
  const row = findFnRow(0x0c, fn);
  assert.ok(row?.up);
  encodeBody(row.up, item.data);
  return item;
}

/** ERC numbers whose bit is set in an F8 answer (hex, MSB first: ERC64 … ERC1). */
function flaggedErcs(item: DataItem): number[] {
  const flags = BigInt(`0x${String(item.data.ercFlags)}`);
  return Array.from({ length: 64 }, (_, i) => i + 1).filter((erc) => (flags >> BigInt(erc - 1)) & 1n);
}

describe("AFN0C F4 uplink communication state", () => {
  it("follows AFN05 F29 / F37 through the dispatcher, the start-up default before either", async () => {
    assert.deepEqual((await readP0(4)).data, { state: { activeReport: 2, talk: 1, reserved: 0 } });
    assert.deepEqual((await readP0(4, { reportingAllowedByDefault: true })).data.state, {
      activeReport: 1,
      talk: 1,
      reserved: 0,
    });
    assert.equal((await dispatcher.handle(request(0x05, [{ pn: 0, fn: 29 }]))).kind, "confirm");
    assert.equal(((await readP0(4)).data.state as { activeReport: number }).activeReport, 1);
    assert.equal((await dispatcher.handle(request(0x05, [{ pn: 0, fn: 37 }]))).kind, "confirm");
    // Forbidden by the master now: the default no longer decides.
    const state = (await readP0(4, { reportingAllowedByDefault: true })).data.state as {
      activeReport: number;
    };
    assert.equal(state.activeReport, 2);
  });

  it("is answered through the dispatcher with the daemon's default", async () => {
    dispatcher.reportingAllowedByDefault = true;
    const reply = await dispatcher.handle(request(0x0c, [{ pn: 0, fn: 4 }]));
    assert.equal(reply.kind, "data");
    assert.deepEqual(reply.kind === "data" ? reply.items[0]?.data : undefined, {
      state: { activeReport: 1, talk: 1, reserved: 0 },
    });
  });
});

describe("AFN0C F8 event flags", () => {
  it("flags each ERC the event log holds, and none after data initialisation clears it", async () => {
    assert.deepEqual(flaggedErcs(await readP0(8)), [], "no events yet");
    core.start(); // first start: ERC1
    core.setClock(START + 60_000); // ERC41
    core.events.record(erc3(START, OFFSET, 1, [Uint8Array.of(0, 0, 1, 0)])); // ERC3
    assert.deepEqual(flaggedErcs(await readP0(8)), [1, 3, 41]);
    core.store.events.clear();
    assert.deepEqual(flaggedErcs(await readP0(8)), []);
    // AFN01 F2 clears the log and writes ERC1 as the first new record.
    core.initialise(2);
    assert.deepEqual(flaggedErcs(await readP0(8)), [1]);
  });

  it("sets the top bit for an ERC64 record (bit order MSB first in the hex)", async () => {
    core.store.events.append("general", Uint8Array.of(64, 1, 0), START);
    const item = await readP0(8);
    assert.equal(item.data.ercFlags, "8000000000000000");
    assert.deepEqual(flaggedErcs(item), [64]);
  });
});

describe("AFN0C F9 / F12 on a DCU without switch inputs or control outputs", () => {
  it("answers zero states and no changes, even after events and parameter changes", async () => {
    core.start();
    for (const fn of [9, 12]) assert.deepEqual((await readP0(fn)).data, { states: 0, changes: 0 });
  });

  it("answers every p0 item of a mixed request in request order", async () => {
    const answers = await serveCurrentData(
      { core },
      [2, 4, 7, 8, 9, 12].map((fn) => ({ pn: 0, fn, data: {} })),
    );
    assert.deepEqual(
      answers.map((a) => a.fn),
      [2, 4, 7, 8, 9, 12],
    );
    // p0-only items asked for a measurement point are left out (nothing to answer → deny).
    const reply = await dispatcher.handle(request(0x0c, [{ pn: 1, fn: 9 }]));
    assert.equal(reply.kind, "deny");
  });
});
