/**
 * Traffic statistics and flow control over real TCP: AFN0C F10 reports exactly the bytes exchanged, AFN0D
 * F53/F54 serve the day and month from the store, counts reach the store periodically while connections stay
 * open, and crossing the AFN04 F36 monthly threshold records ERC32 once and closes the active-report gate.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type DaemonHandle, startDaemon } from "../src/daemon/daemon.ts";
import { decodeMessage, type Message, messageItems } from "../src/protocol/gw1376-1/message.ts";
import { localParts } from "../src/store/calendar.ts";
import { RawPeer, requestFrame } from "./support/raw-peer.ts";

function decode(frame: Uint8Array): Message {
  const decoded = decodeMessage(frame);
  assert.ok(decoded.ok, decoded.ok ? "" : decoded.error.message);
  return decoded.value;
}

async function until(what: string, condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("traffic statistics and flow control", { timeout: 20_000 }, () => {
  let dir: string;
  let daemon: DaemonHandle;
  let peer: RawPeer;
  let sent = 0;
  let received = 0;

  /** One request/answer exchange, with the bytes tallied on the peer's side. */
  async function exchange(frame: Uint8Array): Promise<Message> {
    await peer.send(frame);
    sent += frame.length;
    const answer = await peer.nextFrame();
    received += answer.length;
    return decode(answer);
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "opendcu-traffic-"));
    daemon = await startDaemon({
      dbPath: join(dir, "dcu.sqlite"),
      uplink: { listen: { host: "127.0.0.1", port: 0 }, trafficFlushMs: 200 },
    });
    peer = await RawPeer.connect(daemon.listening?.port ?? 0);
  });

  after(async () => {
    await peer?.close();
    await daemon?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("AFN0C F10 counts every byte in and out; F53/F54 serve today and this month", async () => {
    for (let i = 0; i < 3; i++)
      await exchange(requestFrame({ afn: 0x0c, items: [{ pn: 0, fn: 2, data: {} }], pseq: i }));
    const query = requestFrame({ afn: 0x0c, items: [{ pn: 0, fn: 10, data: {} }], pseq: 3 });
    const expected = sent + received + query.length;
    const answer = await exchange(query);
    assert.equal(answer.afn, 0x0c);
    const f10 = messageItems(answer)[0];
    assert.equal(f10?.fn, 10);
    assert.deepEqual(f10?.data, { todayBytes: expected, monthBytes: expected });

    const now = localParts(daemon.core.clock.now(), 480);
    const two = (n: number) => String(n).padStart(2, "0");
    const today = `${now.year}-${two(now.month)}-${two(now.day)}`;
    const month = `${now.year}-${two(now.month)}`;
    const history = requestFrame({
      afn: 0x0d,
      items: [
        { pn: 0, fn: 53, data: { Td_d: today } },
        { pn: 0, fn: 54, data: { Td_m: month } },
      ],
      pseq: 4,
    });
    const atHistory = sent + received + history.length;
    const items = messageItems(await exchange(history));
    assert.deepEqual(
      items.map((i) => [i.fn, i.data]),
      [
        [53, { Td_d: today, trafficBytes: atHistory }],
        [54, { Td_m: month, trafficBytes: atHistory }],
      ],
    );

    const future = `${now.year + 1}-${two(now.month)}-01`;
    const denied = await exchange(
      requestFrame({ afn: 0x0d, items: [{ pn: 0, fn: 53, data: { Td_d: future } }], pseq: 5 }),
    );
    assert.equal(denied.afn, 0x00, "no traffic for a day that has not come: deny");
  });

  it("counts reach the store periodically while the connection stays open", async () => {
    const before = daemon.core.store.traffic.today();
    await exchange(requestFrame({ afn: 0x0c, items: [{ pn: 0, fn: 2, data: {} }], pseq: 6 }));
    const total = () => {
      const t = daemon.core.store.traffic.today();
      return t.upBytes + t.downBytes;
    };
    await until("a periodic flush", () => total() >= sent + received);
    assert.ok(daemon.core.store.traffic.today().downBytes > before.downBytes);
    assert.equal(total(), sent + received, "store = every byte exchanged so far");
  });

  it("over the F36 monthly threshold: ERC32 once, reports suspended; cleared limit reopens the gate", async () => {
    const events = daemon.core.store.events;
    assert.equal(daemon.flowControl.reportsAllowed(), true);
    const ercs = () =>
      events
        .read("general", 0, events.counters().ec2)
        .concat(events.read("important", 0, events.counters().ec1))
        .filter((e) => e.erc === 32);
    assert.equal(ercs().length, 0);
    const set = await exchange(
      requestFrame({ afn: 0x04, items: [{ pn: 0, fn: 36, data: { bytesPerMonth: 100 } }], pseq: 7 }),
    );
    assert.equal(messageItems(set)[0]?.fn, 1, "F36 accepted");
    assert.equal(daemon.flowControl.reportsAllowed(), false, "already over 100 bytes this month");
    await until("ERC32 after a flush", () => ercs().length === 1);
    const record = ercs()[0]?.record;
    assert.ok(record);
    const view = new DataView(record.buffer, record.byteOffset, record.byteLength);
    assert.ok(view.getUint32(7, true) > 100, "traffic this month");
    assert.equal(view.getUint32(11, true), 100, "threshold");

    // More traffic and more flushes in the same month: no second ERC32.
    for (let i = 0; i < 3; i++)
      await exchange(requestFrame({ afn: 0x0c, items: [{ pn: 0, fn: 2, data: {} }], pseq: 8 + i }));
    daemon.traffic.flush();
    assert.equal(ercs().length, 1);

    // The master can still reach the terminal and lift the limit.
    const lift = await exchange(
      requestFrame({ afn: 0x04, items: [{ pn: 0, fn: 36, data: { bytesPerMonth: 0 } }], pseq: 12 }),
    );
    assert.equal(messageItems(lift)[0]?.fn, 1);
    assert.equal(daemon.flowControl.reportsAllowed(), true);
  });
});
