/**
 * Channel activity from MeterChannel counters on a ManualClock: the RS-485 / carrier indicators light while
 * bytes move and go out ACTIVITY_WINDOW_MS later; utilisation is busy time over the last minute.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ChannelStats, MeterChannel } from "../channels/meter-channel.ts";
import { ManualClock } from "../common/clock.ts";
import { TerminalCore } from "../terminal/terminal-core.ts";
import { AlarmState } from "./alarms.ts";
import { ChannelActivityMonitor, SAMPLE_MS } from "./channel-activity.ts";
import { ACTIVITY_WINDOW_MS, computeIndicators } from "./indicators.ts";
import { OFFLINE_UPLINK } from "./providers.ts";

function fakeChannel(kind: "rs485" | "carrier", port: number) {
  const stats: { -readonly [K in keyof ChannelStats]: ChannelStats[K] } = {
    requests: 0,
    answered: 0,
    failed: 0,
    bytesOut: 0,
    bytesIn: 0,
    busyMs: 0,
  };
  const channel = {
    port,
    kind,
    paused: false,
    queued: 3,
    stats: () => ({ ...stats }),
  } as unknown as MeterChannel;
  return { channel, stats };
}

describe("channel activity", () => {
  it("lights the RS-485 indicator while bytes move, then lets it go out", () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 26));
    const rs485 = fakeChannel("rs485", 2);
    const carrier = fakeChannel("carrier", 31);
    const monitor = new ChannelActivityMonitor([rs485.channel, carrier.channel], clock);
    const core = new TerminalCore({ dbPath: ":memory:", hostClock: clock });
    const sources = {
      hostClock: clock,
      uplink: OFFLINE_UPLINK,
      alarms: new AlarmState(core),
      channels: () => monitor,
    };
    monitor.start();

    clock.advance(SAMPLE_MS);
    assert.equal(computeIndicators(sources).rs485, false);
    rs485.stats.bytesOut += 16;
    rs485.stats.bytesIn += 20;
    rs485.stats.answered += 1;
    rs485.stats.busyMs += 400;
    clock.advance(SAMPLE_MS);
    const on = computeIndicators(sources);
    assert.equal(on.rs485, true);
    assert.equal(on.carrier, false);
    clock.advance(ACTIVITY_WINDOW_MS);
    assert.equal(computeIndicators(sources).rs485, false);

    const [r] = monitor.channels();
    assert.equal(r?.channel, "rs485:2");
    assert.equal(r?.reads, 1);
    assert.equal(r?.queueDepth, 3);
    assert.ok(Math.abs((r?.utilisation ?? 0) - 400 / (2 * SAMPLE_MS + ACTIVITY_WINDOW_MS)) < 1e-9);
    monitor.stop();
    core.close();
  });

  it("utilisation covers the last minute only", () => {
    const clock = new ManualClock(0);
    const rs485 = fakeChannel("rs485", 1);
    const monitor = new ChannelActivityMonitor([rs485.channel], clock);
    for (let s = 0; s < 120; s++) {
      rs485.stats.busyMs += s < 60 ? 1000 : 250; // fully busy for a minute, then a quarter
      clock.advance(SAMPLE_MS);
      monitor.sample();
    }
    const u = monitor.channels()[0]?.utilisation ?? 0;
    assert.ok(u > 0.24 && u < 0.27, `utilisation ${u}`);
  });
});
