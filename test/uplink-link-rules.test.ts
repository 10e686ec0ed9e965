/**
 * Link rules over real TCP against the running daemon (real SQLite file): a wrong PW under AFN04 F5 is
 * denied and recorded as ERC20, the right one is accepted; a repeated frame (same FCB with FCV=1, same PSEQ)
 * gets the same answer again without being executed twice.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { toHex } from "../src/protocol/common/hex.ts";
import { decodeMessage, messageItems } from "../src/protocol/gw1376-1/message.ts";
import type { MasterStation } from "../src/sim/master/master-station.ts";
import { expectedParameterPw } from "../src/uplink/pw-check.ts";
import { RawPeer, requestFrame } from "./support/raw-peer.ts";
import { type ServerDaemonFixture, startServerDaemon } from "./support/server-daemon.ts";

const SET_CLOCK = { pn: 0, fn: 31, data: { clock: { time: "2031-03-14 09:26:53", weekday: 5 } } };

describe("uplink link rules over TCP", { timeout: 20_000 }, () => {
  let fixture: ServerDaemonFixture;
  let master: MasterStation;

  before(async () => {
    fixture = await startServerDaemon();
    master = fixture.master;
  });

  after(async () => {
    await fixture?.close();
  });

  it("a bad PW under a software scheme is denied with ERC20; the right PW is served", async () => {
    const events = fixture.daemon.core.store.events;
    const set = await master.request(0x04, [{ pn: 0, fn: 5, data: { scheme: 1, schemeParameter: 0x1234 } }]);
    assert.equal(set.items[0]?.fn, 1, "F5 accepted while authentication is off");
    const before = events.counters();

    const bad = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);
    const denied = await master.request(0x05, [SET_CLOCK], { pw: bad });
    assert.equal(denied.message.afn, 0x00);
    assert.equal(denied.denied, true);
    assert.equal(denied.message.control.fc, 9);

    const after = events.counters();
    assert.equal(after.importantTotal, before.importantTotal + 1, "exactly one important event: ERC20");
    const [erc20] = events.read("important", before.ec1, after.ec1);
    assert.ok(erc20);
    assert.equal(erc20.erc, 20);
    assert.equal(erc20.record[1], 22, "Le 22");
    assert.equal(toHex(erc20.record.subarray(7, 23)), toHex(bad), "the received PW");
    assert.equal(erc20.record[23], 1, "MSA of the master");

    const accepted = await master.request(0x05, [SET_CLOCK], { pw: expectedParameterPw(0x1234) });
    assert.equal(accepted.denied, false);
    assert.equal(accepted.items[0]?.fn, 1, "AFN00 F1");

    // Queries carry no PW and are not affected.
    const clock = await master.request(0x0c, [{ pn: 0, fn: 2 }]);
    assert.equal(clock.message.afn, 0x0c);

    const off = await master.request(0x04, [{ pn: 0, fn: 5, data: { scheme: 0, schemeParameter: 0 } }], {
      pw: expectedParameterPw(0x1234),
    });
    assert.equal(off.items[0]?.fn, 1);
    const zerosAgain = await master.request(0x05, [SET_CLOCK]);
    assert.equal(zerosAgain.denied, false, "scheme 0: PW not checked");
  });

  it("a repeated frame (same FCB, FCV=1, same PSEQ) is answered again but executed once", async () => {
    const events = fixture.daemon.core.store.events;
    const peer = await RawPeer.connect(fixture.daemon.listening?.port ?? 0);
    try {
      const groups = {
        groups: [{ a2: 0x21 }, { a2: 0 }, { a2: 0 }, { a2: 0 }, { a2: 0 }, { a2: 0 }, { a2: 0 }, { a2: 0 }],
      };
      const frame = requestFrame({
        afn: 0x04,
        items: [{ pn: 0, fn: 6, data: groups }],
        pseq: 3,
        fcb: 1,
        msa: 2,
      });
      const before = events.counters().importantTotal;
      await peer.send(frame);
      const first = await peer.nextFrame();
      await peer.send(frame);
      const second = await peer.nextFrame();
      assert.equal(toHex(second), toHex(first), "the same answer bytes");
      const decoded = decodeMessage(first);
      assert.ok(decoded.ok);
      assert.equal(decoded.value.afn, 0x00);
      assert.equal(messageItems(decoded.value)[0]?.fn, 1);
      assert.equal(decoded.value.seq.seq, 3, "RSEQ = PSEQ");
      assert.equal(events.counters().importantTotal, before + 1, "one ERC3: executed once");

      // FCB toggled: a new request with the same PSEQ, executed again.
      await peer.send(
        requestFrame({ afn: 0x04, items: [{ pn: 0, fn: 6, data: groups }], pseq: 3, fcb: 0, msa: 2 }),
      );
      await peer.nextFrame();
      assert.equal(events.counters().importantTotal, before + 2);

      // FCV=0: never treated as a repeat.
      const plain = requestFrame({ afn: 0x04, items: [{ pn: 0, fn: 6, data: groups }], pseq: 4, msa: 2 });
      await peer.send(plain);
      await peer.nextFrame();
      await peer.send(plain);
      await peer.nextFrame();
      assert.equal(events.counters().importantTotal, before + 4);
    } finally {
      await peer.close();
    }
  });
});
