/**
 * The daemon with its web interface: /api/status reflects the terminal and the uplink, the live event stream
 * reports the online indicator going up and down as a master connects and leaves, and /metrics says the same.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { connectToDcu } from "../src/sim/master/master-station.ts";
import { startWebDaemon, WebClient, type WebDaemonFixture } from "./support/web-daemon.ts";

/** Reads server-sent events from a fetch body and hands them out one at a time. */
class EventReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #decoder = new TextDecoder();
  #buffer = "";

  constructor(body: ReadableStream<Uint8Array>) {
    this.#reader = body.getReader();
  }

  /** The next event named `name` (others are skipped). */
  async next(name: string, timeoutMs = 10_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const end = this.#buffer.indexOf("\n\n");
      if (end >= 0) {
        const block = this.#buffer.slice(0, end);
        this.#buffer = this.#buffer.slice(end + 2);
        const event = /^event: ?(.*)$/m.exec(block)?.[1];
        const data = /^data: ?(.*)$/m.exec(block)?.[1];
        if (event === name && data !== undefined) return JSON.parse(data) as Record<string, unknown>;
        continue;
      }
      if (Date.now() > deadline) throw new Error(`no "${name}" event within ${timeoutMs} ms`);
      const { done, value } = await this.#reader.read();
      if (done) throw new Error("event stream ended");
      this.#buffer += this.#decoder.decode(value, { stream: true });
    }
  }

  async cancel(): Promise<void> {
    await this.#reader.cancel();
  }
}

describe("web status, live indicators and metrics", () => {
  let fx: WebDaemonFixture;

  before(async () => {
    fx = await startWebDaemon({ area: "4403", address: 7 });
  });
  after(async () => {
    await fx.close();
  });

  it("status: identity, terminal clock, version, uplink, indicators, traffic", async () => {
    const web = new WebClient(fx.base);
    const before = fx.daemon.core.clock.now();
    const { status, body } = await web.get<Record<string, Record<string, unknown>>>("/api/status");
    const after = fx.daemon.core.clock.now();
    assert.equal(status, 200);
    assert.equal(body.terminal?.area, "4403");
    assert.equal(body.terminal?.address, 7);
    const clock = body.terminal?.clock as number;
    assert.ok(clock >= before && clock <= after);
    assert.match(String(body.terminal?.clockText), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    assert.equal(body.version?.softwareVersion, fx.daemon.core.version.softwareVersion);
    assert.equal(body.uplink?.mode, "server");
    assert.equal(body.uplink?.state, "offline");
    assert.deepEqual(body.indicators, {
      power: true,
      run: true,
      online: false,
      rs485: false,
      carrier: false,
      alarm: false,
    });
    assert.deepEqual(body.traffic?.today, { upBytes: 0, downBytes: 0 });
    assert.equal(body.meters?.configured, 0);
  });

  it("the online indicator follows a master connecting and leaving, live and in /metrics", async () => {
    const web = new WebClient(fx.base);
    const response = await fetch(`${fx.base}/api/live`);
    assert.equal(response.headers.get("content-type"), "text/event-stream");
    assert.ok(response.body);
    const events = new EventReader(response.body);
    try {
      assert.equal((await events.next("indicators")).online, false);
      const tick = await events.next("tick");
      assert.equal(typeof tick.clock, "number");
      assert.equal(tick.uplink, "offline");
      const listen = fx.daemon.listening;
      assert.ok(listen);
      const master = await connectToDcu(listen.host, listen.port, {
        area: "4403",
        terminal: 7,
        timeoutMs: 3000,
      });
      assert.equal((await events.next("indicators")).online, true);
      const metrics = await web.get<string>("/metrics");
      assert.match(metrics.text, /^opendcu_uplink_online 1$/m);
      assert.match(metrics.text, /^opendcu_uplink_sessions 1$/m);
      assert.equal(
        (await web.get<Record<string, Record<string, unknown>>>("/api/status")).body.uplink?.state,
        "online",
      );
      // bytes of a connection still open are counted at once (flushed from the traffic meter on demand)
      await master.request(0x0c, [{ pn: 0, fn: 2 }]);
      const traffic = (
        await web.get<{ traffic: { today: { upBytes: number; downBytes: number } } }>("/api/status")
      ).body.traffic.today;
      assert.ok(traffic.downBytes > 0 && traffic.upBytes > 0, JSON.stringify(traffic));

      await master.close();
      assert.equal((await events.next("indicators")).online, false);
      assert.match((await web.get<string>("/metrics")).text, /^opendcu_uplink_online 0$/m);
    } finally {
      await events.cancel();
    }
  });

  it("metrics are in the Prometheus text format with HELP and TYPE for every family", async () => {
    const text = (await new WebClient(fx.base).get<string>("/metrics")).text;
    const families = [...text.matchAll(/^# TYPE (\w+) (gauge|counter)$/gm)].map((m) => m[1]);
    assert.ok(families.includes("opendcu_meters_configured"));
    assert.ok(families.includes("opendcu_events_recorded_total"));
    for (const name of families) assert.match(text, new RegExp(`^# HELP ${name} .+$`, "m"));
    for (const line of text.split("\n").filter((l) => l !== "" && !l.startsWith("#"))) {
      assert.match(
        line,
        /^[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? -?\d+(\.\d+)?(e[+-]?\d+)?$/,
        line,
      );
    }
    // ERC1 (first start) is in the important ring
    assert.match(text, /^opendcu_events_recorded_total\{ring="important"\} [1-9]\d*$/m);
  });
});
