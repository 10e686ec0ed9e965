/**
 * A virtual meter that is built the first time it is addressed (or warmed up in the background), so a
 * simulated field of thousands of meters starts at once: building a meter replays its history, which
 * costs milliseconds each. Until it exists, frames addressed to other meters are ignored cheaply.
 */
import { addressMatches, decodeFrame, isBroadcast } from "../protocol/dlt645/frame.ts";
import type { BusMeter } from "./meter-bus.ts";
import type { VirtualMeter } from "./virtual-meter.ts";

export class LazyMeter implements BusMeter {
  readonly address: string;
  readonly #create: () => VirtualMeter;
  #meter: VirtualMeter | undefined;

  constructor(address: string, create: () => VirtualMeter) {
    this.address = address;
    this.#create = create;
  }

  get created(): boolean {
    return this.#meter !== undefined;
  }

  /** The meter, built now if needed. */
  get meter(): VirtualMeter {
    this.#meter ??= this.#create();
    return this.#meter;
  }

  get replyDelayMs(): number {
    return this.#meter?.replyDelayMs ?? 0;
  }

  handleFrame(frame: Uint8Array): Uint8Array | undefined {
    if (this.#meter === undefined) {
      const decoded = decodeFrame(frame);
      if (!decoded.ok) return undefined;
      const target = decoded.value.address;
      if (!isBroadcast(target) && !addressMatches(target, this.address)) return undefined;
    }
    return this.meter.handleFrame(frame);
  }
}

/**
 * Builds the meters a few at a time, yielding to the event loop between batches, so that broadcasts later
 * find them ready without one long stall. Returns a function that stops the warm-up.
 */
export function warmUp(builders: readonly (() => unknown)[], perTurn = 4): () => void {
  let stopped = false;
  let next = 0;
  const step = (): void => {
    if (stopped) return;
    for (const end = Math.min(builders.length, next + perTurn); next < end; next++) builders[next]?.();
    if (next < builders.length) setImmediate(step);
  };
  setImmediate(step);
  return () => {
    stopped = true;
  };
}
