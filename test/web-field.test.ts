/**
 * The web interface over a simulated field (virtual RS-485 meters on port 2, a virtual carrier module on port
 * 31): the channels appear on the status page and in /metrics, the RS-485 indicator lights while a meter is
 * read and goes out after, and the carrier module's identity is shown.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { MeterChannel } from "../src/channels/meter-channel.ts";
import { parseDaemonConfig } from "../src/daemon/config.ts";
import { fieldFromFlags } from "../src/daemon/field-flags.ts";
import { fieldSerialPaths } from "../src/daemon/field-monitoring.ts";
import { startWebDaemon, WebClient, type WebDaemonFixture } from "./support/web-daemon.ts";

const DI_ADDRESS = 0x04000401;

interface Status {
  indicators: { rs485: boolean; carrier: boolean };
  channels: { channel: string; kind: string; reads: number }[];
  modules: { local: { vendor: string } | null };
}

async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("web interface over a simulated field", { timeout: 90_000 }, () => {
  let fx: WebDaemonFixture;
  let web: WebClient;
  const status = async () => (await web.get<Status>("/api/status")).body;

  before(async () => {
    fx = await startWebDaemon({ field: { ...fieldFromFlags({ simulateMeters: 2, simulateCarrier: 2 }) } });
    web = new WebClient(fx.base);
  });
  after(async () => {
    await fx?.close();
  });

  it("lists the channels and shows the carrier module once identified", async () => {
    const s = await eventually(status, (v) => v.modules.local !== null, "the carrier module's identity");
    assert.deepEqual(s.channels.map((c) => c.channel).sort(), ["carrier:31", "rs485:2"]);
    assert.equal(s.modules.local?.vendor, "OD");
    const metrics = (await web.get<string>("/metrics")).text;
    assert.match(metrics, /^opendcu_channel_queue_depth\{channel="rs485:2",kind="rs485"\} \d+$/m);
    assert.match(
      metrics,
      /^opendcu_channel_utilisation_ratio\{channel="carrier:31",kind="carrier"\} [\d.e-]+$/m,
    );
  });

  it("the RS-485 indicator lights while a meter is read, then goes out", async () => {
    await eventually(status, (v) => !v.indicators.rs485, "a quiet RS-485 line");
    const rs485 = fx.daemon.channels.get(2) as MeterChannel;
    const read = await rs485.read({
      meter: { address: "000000000001", edition: "2007", port: 2 },
      di: DI_ADDRESS,
      priority: "live",
    });
    assert.ok(read.ok, JSON.stringify(read));
    const lit = await eventually(status, (v) => v.indicators.rs485, "the RS-485 indicator");
    assert.equal(lit.channels.find((c) => c.channel === "rs485:2")?.reads, 1);
    await eventually(status, (v) => !v.indicators.rs485, "the RS-485 indicator going out");
  });
});

it("self-check watches the serial devices the field really uses", () => {
  const config = parseDaemonConfig({
    field: {
      serial: [
        { port: 2, path: "/dev/ttyUSB0" },
        { port: 3, path: "/dev/ttyUSB1" },
      ],
      carrier: { path: "/dev/ttyS3" },
      simulateMeters: 4,
    },
  });
  assert.deepEqual(fieldSerialPaths(config), ["/dev/ttyUSB1", "/dev/ttyS3"], "port 2 is simulated");
  assert.deepEqual(
    fieldSerialPaths(parseDaemonConfig({ field: { carrier: { path: "/dev/ttyS3" }, simulateCarrier: 2 } })),
    [],
  );
});
