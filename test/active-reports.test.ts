/**
 * Must-show: an active report survives a link drop and a daemon restart (shared/protocol/gw1376-1.md §3.5),
 * over real TCP on loopback with the database in a temp dir.
 *
 * Client mode: the daemon dials the master library's listener. The first master drops the link the moment a
 * report arrives, before confirming it; the report stays in the outbox, goes out again after the redial and
 * is confirmed and deleted. An event raised while no master is reachable waits in the outbox — also across a
 * daemon restart — and is delivered once a master listens again. Server mode: a report waits for a master
 * that listens for reports; a one-shot master that does not listen never takes it away.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import type { DaemonConfigInput } from "../src/daemon/config.ts";
import { startDaemon } from "../src/daemon/daemon.ts";
import {
  type ActiveReport,
  connectToDcu,
  listenForDcus,
  type MasterStation,
} from "../src/sim/master/master-station.ts";
import { erc21 } from "../src/terminal/erc-records.ts";
import type { TcpListener } from "../src/transport/tcp.ts";

const OFFSET = 480;

/** Polls `condition` (real I/O is in flight) without asserting on how long it takes. */
async function eventually(condition: () => boolean, what: string, limitMs = 15_000): Promise<void> {
  for (let waited = 0; !condition(); waited += 20) {
    if (waited > limitMs) assert.fail(`never happened: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** ERC21 fault codes of the event reports in `reports` (other reports: ERC1, ERC14 … are skipped). */
function erc21Codes(reports: readonly ActiveReport[]): number[] {
  return reports.flatMap((r) =>
    r.items.flatMap((i) =>
      ((i.data as { records?: { erc: number; data: { faultCode?: number } }[] }).records ?? [])
        .filter((rec) => rec.erc === 21)
        .map((rec) => rec.data.faultCode ?? -1),
    ),
  );
}

/** ERC numbers of every record in `reports`. */
function ercsOf(reports: readonly ActiveReport[]): number[] {
  return reports.flatMap((r) =>
    r.items.flatMap((i) => ((i.data as { records?: { erc: number }[] }).records ?? []).map((rec) => rec.erc)),
  );
}

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "opendcu-reports-"));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A master in listen mode; `behaviour` decides, per report, whether it drops the link instead of confirming. */
class ListeningMaster {
  readonly reports: ActiveReport[] = [];
  readonly stations: MasterStation[] = [];
  dropNextReport = false;
  listener: TcpListener | undefined;

  async listen(port = 0): Promise<number> {
    this.listener = await listenForDcus("127.0.0.1", port, (station) => {
      this.stations.push(station);
      station.onReport((report) => {
        if (this.dropNextReport) {
          // The link drops after the report arrived and before the confirm went out.
          this.dropNextReport = false;
          void station.close();
          return;
        }
        this.reports.push(report);
      });
    });
    return this.listener.port;
  }

  async away(): Promise<void> {
    await this.listener?.close();
    this.listener = undefined;
  }
}

function clientConfig(port: number): DaemonConfigInput {
  return {
    dbPath: join(dir, "dcu.sqlite"),
    uplink: { connect: { host: "127.0.0.1", port }, reconnect: { initialMs: 20, maxMs: 200 } },
    // Allowed from the start (as if AFN05 F29 had been sent), so the start-up events are reported too.
    reporting: { allowedByDefault: true, retryPauseMs: 200 },
    testing: { heartbeatMs: 60_000, confirmTimeoutMs: 2000 },
  };
}

describe("active reports over TCP", { timeout: 60_000 }, () => {
  it("client mode: a report whose link dropped before the confirm is delivered after the redial", async () => {
    const master = new ListeningMaster();
    master.dropNextReport = true;
    const port = await master.listen();
    const daemon = await startDaemon(clientConfig(port));
    try {
      const outbox = daemon.core.store.outbox;
      // The first start recorded ERC1, queued as a report before any link existed; the first master drops
      // the link when it arrives, the second (same listener, after the redial) confirms it.
      await eventually(() => master.stations.length >= 2, "a redial after the drop");
      await eventually(() => outbox.count() === 0, "ERC1 report confirmed and deleted");
      assert.equal(master.reports[0]?.afn, 0x0e);
      assert.equal(master.reports[0]?.confirmRequested, true);
      assert.deepEqual(ercsOf(master.reports.slice(0, 1)), [1]);
      assert.equal(daemon.reporting.reporter.counters.confirmed, 1);

      // Reported at once while the master is there.
      daemon.core.events.record(erc21(daemon.core.clock.now(), OFFSET, 4));
      await eventually(() => erc21Codes(master.reports).includes(4), "live event report");
      await eventually(() => outbox.count() === 0, "live report confirmed");

      // Raised while the master is away: kept, then delivered when it listens again on the same port.
      await master.away();
      await eventually(() => daemon.client?.state !== "online", "link down");
      daemon.core.events.record(erc21(daemon.core.clock.now(), OFFSET, 5));
      assert.equal(outbox.count(), 1, "waiting in the outbox while no master is reachable");
      await master.listen(port);
      await eventually(() => erc21Codes(master.reports).includes(5), "report delivered after reconnect");
      await eventually(() => outbox.count() === 0, "and deleted once confirmed");
      assert.deepEqual(erc21Codes(master.reports), [4, 5], "each event once, in order");
      // Confirmed event reports count as read by the master: no ACD left for them.
      assert.equal(daemon.core.store.events.counters().ec1, 3);
    } finally {
      await daemon.close();
      await master.away();
    }
  });

  it("client mode: a report raised while the master is away survives a daemon restart", async () => {
    const master = new ListeningMaster();
    const port = await master.listen();
    let daemon = await startDaemon(clientConfig(port));
    try {
      await eventually(() => daemon.core.store.outbox.count() === 0, "start-up report delivered");
      await master.away();
      await eventually(() => daemon.client?.state !== "online", "link down");
      daemon.core.events.record(erc21(daemon.core.clock.now(), OFFSET, 6));
      assert.equal(daemon.core.store.outbox.count(), 1);
      await daemon.close();

      // Restart on the same database; the master is back.
      await master.listen(port);
      daemon = await startDaemon(clientConfig(port));
      await eventually(() => erc21Codes(master.reports).includes(6), "report delivered after the restart");
      // ERC14 (power off/on) is recorded and reported by the restart too; all of it is confirmed.
      await eventually(() => daemon.core.store.outbox.count() === 0, "outbox empty after the restart");
      assert.deepEqual(erc21Codes(master.reports), [6]);
      const ercs = ercsOf(master.reports);
      assert.ok(ercs.includes(14), `ERC14 reported after the restart: ${ercs}`);
    } finally {
      await daemon.close();
      await master.away();
    }
  });

  it("server mode: F29 allows, F37 forbids; a report waits for a master that listens, not a one-shot one", async () => {
    const daemon = await startDaemon({
      dbPath: join(dir, "dcu.sqlite"),
      uplink: { listen: { host: "127.0.0.1", port: 0 } },
      reporting: { retryPauseMs: 200 },
      testing: { confirmTimeoutMs: 300 },
    });
    const at = daemon.listening;
    assert.ok(at);
    const masters: MasterStation[] = [];
    const raise = (code: number) => daemon.core.events.record(erc21(daemon.core.clock.now(), OFFSET, code));
    try {
      const outbox = daemon.core.store.outbox;
      assert.equal(outbox.count(), 0, "reporting is off until the master allows it: ERC1 was not queued");
      // A master that only queries: it allows reporting, receives the report, but does not confirm it.
      const oneShot = await connectToDcu(at.host, at.port);
      masters.push(oneShot);
      const allow = await oneShot.request(0x05, [{ pn: 0, fn: 29 }]);
      assert.equal(allow.items[0]?.fn, 1, "AFN05 F29 confirmed");
      raise(1);
      assert.equal(outbox.count(), 1);
      await eventually(() => oneShot.reportCounters.received >= 1, "report offered to the one-shot master");
      assert.equal(oneShot.reportCounters.confirmed, 0);
      assert.equal(outbox.count(), 1);

      const watcher = await connectToDcu(at.host, at.port);
      masters.push(watcher);
      const seen: ActiveReport[] = [];
      watcher.onReport((r) => seen.push(r));
      await eventually(() => outbox.count() === 0, "confirmed by the master that listens");
      assert.deepEqual(erc21Codes(seen), [1]);
      raise(2);
      await eventually(() => erc21Codes(seen).includes(2), "live report to the listening master");
      await eventually(() => outbox.count() === 0, "and confirmed");

      const forbid = await watcher.request(0x05, [{ pn: 0, fn: 37 }]);
      assert.equal(forbid.items[0]?.fn, 1, "AFN05 F37 confirmed");
      raise(3);
      assert.equal(
        outbox.count(),
        0,
        "forbidden: not queued (the event stays in its ring, ACD announces it)",
      );
      const reply = await watcher.request(0x0c, [{ pn: 0, fn: 2 }]);
      assert.equal(reply.message.control.fcbAcd, 1);
      assert.deepEqual(erc21Codes(seen), [1, 2]);
    } finally {
      for (const m of masters) await m.close();
      await daemon.close();
    }
  });
});
