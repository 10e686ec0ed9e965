import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { ManualClock } from "../common/clock.ts";
import type { ReportKind } from "./outbox-repo.ts";
import { Store } from "./store.ts";

let dir: string;
let clock: ManualClock;
let store: Store;

const open = () => new Store({ path: join(dir, "dcu.db"), clock, utcOffsetMinutes: 480 });

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "opendcu-outbox-"));
  clock = new ManualClock(Date.UTC(2026, 0, 1));
  store = open();
});

afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Data units whose last byte tells the reports apart. */
const units = (tag: number) => Uint8Array.of(0, 0, 1, 0, tag);
const add = (kind: ReportKind, tag: number, max?: number) =>
  store.outbox.add({ kind, afn: kind === "event" ? 0x0e : 0x0c, units: units(tag) }, clock.now(), max);
const tags = () => store.outbox.list().map((e) => [e.kind, e.units[4]]);

describe("report outbox", () => {
  it("keeps reports across a reopen of the database, events first then timed data, oldest first", () => {
    add("class1", 1);
    add("event", 2);
    add("class2", 3);
    store.outbox.add({ kind: "event", afn: 0x0e, units: units(4), eventSlot: 7 }, clock.now());
    store.close();
    store = open();
    assert.deepEqual(tags(), [
      ["event", 2],
      ["event", 4],
      ["class1", 1],
      ["class2", 3],
    ]);
    assert.equal(store.outbox.next()?.units[4], 2);
    assert.equal(store.outbox.list()[1]?.eventSlot, 7);
  });

  it("counts attempts and removes a confirmed report once", () => {
    const { id } = add("event", 1);
    clock.advance(1000);
    store.outbox.recordAttempt(id, clock.now());
    store.outbox.recordAttempt(id, clock.now());
    const entry = store.outbox.get(id);
    assert.equal(entry?.attempts, 2);
    assert.equal(entry?.lastAttemptAt, clock.now());
    assert.equal(store.outbox.remove(id), true);
    assert.equal(store.outbox.remove(id), false);
    assert.equal(store.outbox.next(), undefined);
  });

  it("is bounded: timed-task reports are dropped before event reports, and every drop is counted", () => {
    add("event", 1, 3);
    add("class2", 2, 3);
    add("class1", 3, 3);
    assert.deepEqual(add("event", 4, 3), { id: 4, dropped: 1 });
    assert.deepEqual(tags(), [
      ["event", 1],
      ["event", 4],
      ["class1", 3],
    ]);
    add("event", 5, 3);
    add("event", 6, 3);
    assert.deepEqual(tags(), [
      ["event", 4],
      ["event", 5],
      ["event", 6],
    ]);
    assert.equal(store.outbox.count(), 3);
    assert.equal(store.outbox.droppedTotal(), 3);
    store.close();
    store = open();
    assert.equal(store.outbox.droppedTotal(), 3, "the drop counter survives a restart");
  });

  it("quarantines a row that is not a report instead of sending it", () => {
    add("event", 1);
    store.db.exec("INSERT INTO report_outbox (kind, afn, units, created_at) VALUES ('event', 14, x'00', 0)");
    store.db.exec("UPDATE report_outbox SET id = 0 WHERE length(units) = 1");
    assert.equal(store.outbox.next()?.units[4], 1, "the bad row (sorted first) is skipped");
    assert.equal(store.outbox.count(), 1);
    assert.equal(store.quarantine.list()[0]?.source, "report_outbox");
  });

  it("is emptied by a data initialisation", () => {
    add("event", 1);
    store.clearData();
    assert.equal(store.outbox.count(), 0);
  });
});
