/**
 * ActiveReporter over in-memory pipes with a ManualClock: the DCU side is a real LinkSession, the master side
 * decodes what arrives and answers (or not) with AFN00 frames of its own.
 */
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { ManualClock } from "../common/clock.ts";
import { silentLogger } from "../common/logger.ts";
import { encodeDataUnits } from "../protocol/gw1376-1/data-units.ts";
import { decodeMessage, encodeMessage, type Message, messageItems } from "../protocol/gw1376-1/message.ts";
import { PROFILE_2013 } from "../protocol/gw1376-1/profile.ts";
import { FrameSplitter } from "../protocol/gw1376-1/splitter.ts";
import type { ByteStream } from "../transport/byte-stream.ts";
import { createPipe } from "../transport/pipe.ts";
import {
  ActiveReporter,
  type PendingReport,
  type ReportClass,
  type ReportOutbox,
  type ReportPolicy,
} from "./active-reporter.ts";
import { LinkSession } from "./link-session.ts";

const TIMEOUT = 30_000;
const PAUSE = 60_000;

/** The outbox as an ordered array (the SQLite one has its own tests). */
class MemoryOutbox implements ReportOutbox {
  readonly entries: (PendingReport & { attempts: number })[] = [];
  #id = 1;
  add(kind: ReportClass, tag: number): number {
    const id = this.#id++;
    // AFN0C F2 (terminal clock) data unit: p0 F2 + A.1; the seconds byte is the tag.
    const units = encodeDataUnits(
      0x0c,
      1,
      [
        {
          pns: [0],
          fns: [2],
          items: [
            {
              pn: 0,
              fn: 2,
              data: { clock: { time: `2026-01-01 00:00:${String(tag).padStart(2, "0")}`, weekday: 4 } },
            },
          ],
        },
      ],
      PROFILE_2013,
    );
    this.entries.push({ id, kind, afn: 0x0c, units, attempts: 0 });
    return id;
  }
  next(): PendingReport | undefined {
    return this.entries[0];
  }
  recordAttempt(id: number): void {
    const e = this.entries.find((x) => x.id === id);
    if (e) e.attempts++;
  }
  remove(id: number): boolean {
    const at = this.entries.findIndex((x) => x.id === id);
    if (at < 0) return false;
    this.entries.splice(at, 1);
    return true;
  }
}

/** The master's end of a pipe: decodes every frame the DCU sends. */
class MasterEnd {
  readonly received: Message[] = [];
  readonly #stream: ByteStream;
  readonly #splitter = new FrameSplitter();
  constructor(stream: ByteStream) {
    this.#stream = stream;
    stream.onData((chunk) => {
      for (const frame of this.#splitter.push(chunk)) {
        const m = decodeMessage(frame);
        if (m.ok) this.received.push(m.value);
      }
    });
  }
  /** AFN00 F1 (or `fn`) for the DCU frame with sequence number `pseq`. */
  answer(pseq: number, fn = 1): Promise<void> {
    const frame = encodeMessage({
      control: { dir: 0, prm: 0, fcbAcd: 0, fcv: 0, fc: 0 },
      address: { area: "4403", terminal: 1, master: 0, group: false },
      afn: 0x00,
      seq: { tpv: false, fir: true, fin: true, con: false, seq: pseq },
      groups: [{ pns: [0], fns: [fn], items: [{ pn: 0, fn, data: {} }] }],
    });
    return this.#stream.write(frame);
  }
  /** The tag (clock seconds) of each report received. */
  tags(): number[] {
    return this.received.map((m) => {
      const data = messageItems(m)[0]?.data as { clock?: { time: string } } | undefined;
      return Number(data?.clock?.time.slice(-2));
    });
  }
}

/** Lets pipe deliveries (a real zero-delay timer per write) and promise callbacks run; polls `condition`. */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, i < 20 ? 0 : 5));
  }
  assert.fail(`never happened: ${what}`);
}

/** Lets every delivery already under way complete (for "nothing more arrived" checks). */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}

let clock: ManualClock;
let outbox: MemoryOutbox;
let allowed: boolean;
let confirmKinds: Set<ReportClass>;
let delivered: number[];
let reporter: ActiveReporter;
const streams: ByteStream[] = [];

const policy: ReportPolicy = {
  confirmTimeoutMs: () => TIMEOUT,
  resends: () => 2,
  needsConfirm: (kind) => confirmKinds.has(kind),
  retryPauseMs: () => PAUSE,
};

function link(): { session: LinkSession; master: MasterEnd } {
  const [dcu, master] = createPipe();
  streams.push(dcu, master);
  const session = new LinkSession({
    stream: dcu,
    identity: { area: "4403", terminal: 1 },
    handle: () => ({ kind: "deny", reason: "test" }),
    clock,
    utcOffsetMinutes: 480,
    logger: silentLogger,
  });
  return { session, master: new MasterEnd(master) };
}

beforeEach(() => {
  clock = new ManualClock(Date.UTC(2026, 0, 1));
  outbox = new MemoryOutbox();
  allowed = true;
  confirmKinds = new Set(["event", "class1", "class2"]);
  delivered = [];
  reporter = new ActiveReporter({
    outbox,
    policy,
    gate: { reportsAllowed: () => allowed },
    clock,
    logger: silentLogger,
    onDelivered: (r) => delivered.push(r.id),
  });
});

afterEach(async () => {
  reporter.close();
  await Promise.all(streams.splice(0).map((s) => s.close()));
});

describe("active reporter", () => {
  it("sends one report at a time (PRM=1, FC 10, CON=1) and deletes each when the master confirms", async () => {
    outbox.add("event", 1);
    outbox.add("class1", 2);
    const { session, master } = link();
    reporter.attach(session, "client");
    await until(() => master.received.length === 1, "first report");
    const first = master.received[0] as Message;
    assert.deepEqual(
      [first.control.dir, first.control.prm, first.control.fc, first.seq.con, first.address.master],
      [1, 1, 10, true, 0],
    );
    clock.advance(TIMEOUT - 1);
    assert.equal(master.received.length, 1, "stop-and-wait: the second waits for the first's confirm");
    await master.answer(first.seq.seq);
    await until(() => master.received.length === 2, "second report after the confirm");
    assert.deepEqual(delivered, [1]);
    assert.notEqual(master.received[1]?.seq.seq, first.seq.seq, "a new report gets a new PSEQ");
    await master.answer(master.received[1]?.seq.seq ?? -1);
    await until(() => outbox.entries.length === 0, "outbox empty");
    assert.deepEqual(master.tags(), [1, 2]);
    assert.equal(reporter.counters.confirmed, 2);
  });

  it("resends with the same PSEQ after each timeout, then keeps the report and retries after the pause", async () => {
    outbox.add("event", 7);
    const { session, master } = link();
    reporter.attach(session, "client");
    await until(() => master.received.length === 1, "report");
    for (let i = 2; i <= 3; i++) {
      clock.advance(TIMEOUT);
      await until(() => master.received.length === i, `retransmission ${i - 1}`);
    }
    const pseqs = master.received.map((m) => m.seq.seq);
    assert.equal(new Set(pseqs).size, 1, `one PSEQ for all transmissions: ${pseqs}`);
    clock.advance(TIMEOUT);
    assert.equal(reporter.counters.unconfirmed, 1);
    assert.equal(outbox.entries.length, 1, "kept in the outbox");
    assert.equal(outbox.entries[0]?.attempts, 3);
    clock.advance(PAUSE - 1);
    await settle();
    assert.equal(master.received.length, 3, "nothing during the pause");
    clock.advance(1);
    await until(() => master.received.length === 4, "retry after the pause");
    await master.answer(master.received[3]?.seq.seq ?? -1);
    await until(() => outbox.entries.length === 0, "confirmed at last");
  });

  it("a link that drops before the confirm: the report goes out again on the next link", async () => {
    outbox.add("event", 3);
    const a = link();
    reporter.attach(a.session, "client");
    await until(() => a.master.received.length === 1, "report on the first link");
    await a.session.close();
    await until(() => reporter.links === 0, "link gone");
    assert.equal(reporter.inFlightId, undefined);
    assert.equal(outbox.entries.length, 1);
    const b = link();
    reporter.attach(b.session, "client");
    await until(() => b.master.received.length === 1, "report on the second link");
    await b.master.answer(b.master.received[0]?.seq.seq ?? -1);
    await until(() => outbox.entries.length === 0, "confirmed on the second link");
    assert.deepEqual(b.master.tags(), [3]);
  });

  it("a class that needs no confirm goes out with FC 4, CON=0 and is deleted once written", async () => {
    confirmKinds = new Set(["event"]);
    outbox.add("class2", 4);
    outbox.add("class2", 5);
    const { session, master } = link();
    reporter.attach(session, "server");
    await until(() => master.received.length === 2, "both reports without any confirm");
    assert.deepEqual(
      master.received.map((m) => [m.control.fc, m.seq.con]),
      [
        [4, false],
        [4, false],
      ],
    );
    await until(() => outbox.entries.length === 0, "deleted once written");
    assert.equal(reporter.counters.deliveredUnconfirmed, 2);
  });

  it("a deny deletes the report (counted as refused) and the next one follows", async () => {
    outbox.add("event", 1);
    outbox.add("event", 2);
    const { session, master } = link();
    reporter.attach(session, "client");
    await until(() => master.received.length === 1, "report");
    await master.answer(master.received[0]?.seq.seq ?? -1, 2);
    await until(() => master.received.length === 2, "next report");
    assert.equal(reporter.counters.refused, 1);
    assert.deepEqual(delivered, []);
    assert.deepEqual(
      outbox.entries.map((e) => e.id),
      [2],
    );
  });

  it("ignores answers with another PSEQ and holds reports while the gate is closed", async () => {
    allowed = false;
    outbox.add("event", 1);
    const { session, master } = link();
    reporter.attach(session, "client");
    await settle();
    assert.equal(master.received.length, 0, "held while not allowed");
    allowed = true;
    clock.advance(PAUSE);
    await until(() => master.received.length === 1, "sent once allowed");
    const pseq = master.received[0]?.seq.seq ?? 0;
    await master.answer((pseq + 1) & 0x0f);
    await settle();
    assert.equal(outbox.entries.length, 1, "a confirm of another frame does not count");
    await master.answer(pseq);
    await until(() => outbox.entries.length === 0, "confirmed");
  });

  it("routes to the client link first, else the newest server link that has not proven silent", async () => {
    const older = link();
    const newer = link();
    reporter.attach(older.session, "server");
    reporter.attach(newer.session, "server");
    outbox.add("event", 1);
    reporter.kick();
    await until(() => newer.master.received.length === 1, "newest server link first");
    assert.equal(older.master.received.length, 0);
    for (let i = 0; i < 3; i++) clock.advance(TIMEOUT);
    await until(() => older.master.received.length === 1, "the silent link is passed over");
    await older.master.answer(older.master.received[0]?.seq.seq ?? -1);
    await until(() => outbox.entries.length === 0, "confirmed by the other master");

    outbox.add("event", 2);
    const client = link();
    reporter.attach(client.session, "client");
    await until(() => client.master.received.length === 1, "the client link wins");
    assert.deepEqual(client.master.tags(), [2]);
  });
});
