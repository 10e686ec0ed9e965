/**
 * The front-panel indicators of a DCU — power, run, uplink online, RS-485 and carrier activity, alarm —
 * computed from the daemon's state, and a watcher that tells subscribers (server-sent events) when any
 * changes. The watcher polls only while someone listens.
 */
import type { Clock, TimerHandle } from "../common/clock.ts";
import type { AlarmState } from "./alarms.ts";
import type { ChannelActivityProvider, UplinkStatusSource } from "./providers.ts";

export interface Indicators {
  readonly power: boolean;
  readonly run: boolean;
  readonly online: boolean;
  readonly rs485: boolean;
  readonly carrier: boolean;
  readonly alarm: boolean;
}

/** A channel counts as active for this long after its last byte (a real DCU's LED flickers about as long). */
export const ACTIVITY_WINDOW_MS = 3000;
export const POLL_MS = 500;

export interface IndicatorSources {
  readonly hostClock: Clock;
  readonly uplink: UplinkStatusSource;
  readonly alarms: AlarmState;
  readonly channels: () => ChannelActivityProvider | undefined;
}

export function computeIndicators(sources: IndicatorSources): Indicators {
  const now = sources.hostClock.now();
  const channels = sources.channels()?.channels() ?? [];
  const active = (kind: "rs485" | "carrier"): boolean =>
    channels.some(
      (ch) =>
        ch.kind === kind && ch.lastActivityAt !== undefined && now - ch.lastActivityAt < ACTIVITY_WINDOW_MS,
    );
  return {
    power: true,
    run: true,
    online: sources.uplink.status().state === "online",
    rs485: active("rs485"),
    carrier: active("carrier"),
    alarm: sources.alarms.isLit(),
  };
}

function same(a: Indicators, b: Indicators): boolean {
  return (
    a.power === b.power &&
    a.run === b.run &&
    a.online === b.online &&
    a.rs485 === b.rs485 &&
    a.carrier === b.carrier &&
    a.alarm === b.alarm
  );
}

export type IndicatorListener = (indicators: Indicators) => void;

export class IndicatorWatcher {
  readonly #sources: IndicatorSources;
  readonly #listeners = new Set<IndicatorListener>();
  #last: Indicators | undefined;
  #timer: TimerHandle | undefined;

  constructor(sources: IndicatorSources) {
    this.#sources = sources;
  }

  current(): Indicators {
    return computeIndicators(this.#sources);
  }

  /** Calls `listener` now and on every change; returns the unsubscribe function. */
  subscribe(listener: IndicatorListener): () => void {
    this.#listeners.add(listener);
    const now = this.current();
    this.#last = now;
    listener(now);
    if (this.#timer === undefined) this.#schedule();
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) {
        this.#timer?.cancel();
        this.#timer = undefined;
      }
    };
  }

  get listenerCount(): number {
    return this.#listeners.size;
  }

  /** Re-evaluates now (e.g. right after an action that changed state). */
  poke(): void {
    if (this.#listeners.size === 0) return;
    let next: Indicators;
    try {
      next = this.current();
    } catch {
      return; // the database closed under us (shutdown); the next poll or close() settles it
    }
    if (this.#last !== undefined && same(this.#last, next)) return;
    this.#last = next;
    for (const listener of this.#listeners) listener(next);
  }

  close(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#listeners.clear();
  }

  #schedule(): void {
    this.#timer = this.#sources.hostClock.setTimer(POLL_MS, () => {
      this.poke();
      if (this.#listeners.size > 0) this.#schedule();
      else this.#timer = undefined;
    });
  }
}
