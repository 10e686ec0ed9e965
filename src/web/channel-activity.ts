/**
 * Channel activity for the front panel and /metrics, derived from the channels' own counters
 * (`MeterChannel.stats()`): a channel was active when its byte counters moved since the last sample, and its
 * utilisation is the share of the last minute its line was busy (`busyMs`). Sampled every `sampleMs` on the
 * injected clock; a bounded ring of samples per channel (one minute's worth).
 */

import type { ChannelStats, MeterChannel } from "../channels/meter-channel.ts";
import type { Clock, TimerHandle } from "../common/clock.ts";
import type { ChannelActivity, ChannelActivityProvider } from "./providers.ts";

export const SAMPLE_MS = 1000;
export const WINDOW_MS = 60_000;

interface Sample {
  readonly at: number;
  readonly busyMs: number;
}

interface Track {
  readonly channel: MeterChannel & { readonly queued?: number };
  lastBytes: number;
  lastActivityAt: number | undefined;
  samples: Sample[];
  stats: ChannelStats;
}

export class ChannelActivityMonitor implements ChannelActivityProvider {
  readonly #clock: Clock;
  readonly #tracks: Track[];
  #timer: TimerHandle | undefined;

  constructor(channels: readonly MeterChannel[], clock: Clock) {
    this.#clock = clock;
    this.#tracks = channels.map((channel) => {
      const stats = channel.stats();
      return {
        channel,
        lastBytes: stats.bytesIn + stats.bytesOut,
        lastActivityAt: undefined,
        samples: [{ at: clock.now(), busyMs: stats.busyMs }],
        stats,
      };
    });
  }

  start(): void {
    this.#timer = this.#clock.setTimer(SAMPLE_MS, () => {
      this.sample();
      this.start();
    });
  }

  stop(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  /** Takes one sample of every channel (the timer calls this; tests may too). */
  sample(): void {
    const now = this.#clock.now();
    for (const t of this.#tracks) {
      const stats = t.channel.stats();
      const bytes = stats.bytesIn + stats.bytesOut;
      if (bytes !== t.lastBytes) t.lastActivityAt = now;
      t.lastBytes = bytes;
      t.stats = stats;
      t.samples.push({ at: now, busyMs: stats.busyMs });
      while (t.samples.length > 2 && (t.samples[1] as Sample).at <= now - WINDOW_MS) t.samples.shift();
    }
  }

  channels(): ChannelActivity[] {
    return this.#tracks.map((t) => {
      const first = t.samples[0] as Sample;
      const last = t.samples.at(-1) as Sample;
      const span = last.at - first.at;
      const utilisation = span <= 0 ? 0 : Math.min(1, Math.max(0, (last.busyMs - first.busyMs) / span));
      return {
        channel: `${t.channel.kind}:${t.channel.port}`,
        kind: t.channel.kind,
        lastActivityAt: t.lastActivityAt,
        utilisation,
        queueDepth: typeof t.channel.queued === "number" ? t.channel.queued : 0,
        reads: t.stats.answered,
        failures: t.stats.failed,
      };
    });
  }
}
