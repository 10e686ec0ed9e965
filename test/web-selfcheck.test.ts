/**
 * The daemon's periodic self-check seen through the web interface: a disk limit no machine meets raises
 * ERC21 (main memory / storage), lights the alarm indicator, and acknowledging the event does not put the
 * alarm out while the fault lasts.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startWebDaemon, WebClient, type WebDaemonFixture } from "./support/web-daemon.ts";

interface Status {
  indicators: { alarm: boolean };
  selfCheck: { faults: { code: number; name: string; reasons: string[] }[] };
}

describe("self-check through the web interface", { timeout: 30_000 }, () => {
  let fx: WebDaemonFixture;

  before(async () => {
    fx = await startWebDaemon({ selfCheck: { minFreeDiskMiB: 1_000_000, intervalSeconds: 3600 } });
  });
  after(async () => {
    await fx?.close();
  });

  it("raises ERC21 code 1 with its reason and keeps the alarm lit while the fault lasts", async () => {
    const web = new WebClient(fx.base);
    let status: Status | undefined;
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      status = (await web.get<Status>("/api/status")).body;
      if (status.selfCheck.faults.length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(status);
    assert.equal(status.selfCheck.faults[0]?.code, 1);
    assert.match(status.selfCheck.faults[0]?.reasons[0] ?? "", /free disk .* is below 1000000 MiB/);
    assert.equal(status.indicators.alarm, true);
    const events = await web.get<{ events: { erc: number; data: { data: { faultCode: number } } }[] }>(
      "/api/events?erc=21",
    );
    assert.equal(events.body.events.length, 1);
    assert.equal(events.body.events[0]?.data.data.faultCode, 1);
    assert.match((await web.get<string>("/metrics")).text, /^opendcu_selfcheck_faults 1$/m);

    await web.setup("self-check-password");
    assert.deepEqual((await web.request("POST", "/api/events/acknowledge")).body, { acknowledged: 1 });
    assert.equal(
      (await web.get<Status>("/api/status")).body.indicators.alarm,
      true,
      "the fault is still there",
    );
  });
});
