/**
 * RS-485 channel test set-up: virtual meters on a simulated bus behind an in-memory pipe (optionally paced
 * at a line's baud rate), an opener the channel calls for every (re-)open, and a half-duplex adapter that
 * echoes what it sends.
 */

import type { LineSettings } from "../../src/channels/rs485/line-settings.ts";
import { Rs485Channel } from "../../src/channels/rs485/rs485-channel.ts";
import { CollectEngine } from "../../src/collect/engine.ts";
import { MeterSearchPlanner } from "../../src/collect/meter-search.ts";
import { type Clock, SystemClock } from "../../src/common/clock.ts";
import { MeterBus } from "../../src/sim/meter-bus.ts";
import { VirtualMeter, type VirtualMeterOptions } from "../../src/sim/virtual-meter.ts";
import { TerminalCore } from "../../src/terminal/terminal-core.ts";
import type { ByteStream } from "../../src/transport/byte-stream.ts";
import { createPipe } from "../../src/transport/pipe.ts";

export function meterAddress(n: number): string {
  return String(n).padStart(12, "0");
}

export function makeMeters(
  count: number,
  clock: Clock,
  options: Partial<VirtualMeterOptions> = {},
): VirtualMeter[] {
  return Array.from({ length: count }, (_, i) =>
    VirtualMeter.create(meterAddress(i + 1), clock, { historyDays: 70, seed: i + 1, ...options }),
  );
}

export interface PipeField {
  readonly bus: MeterBus;
  /** The channel's opener: a fresh pipe per call, the bus attached to its far end. */
  readonly open: (line: LineSettings) => Promise<ByteStream>;
  /** Line settings of every open call, in order. */
  readonly opened: LineSettings[];
  /** The far (meter) end of the current pipe. */
  readonly meterEnd: () => ByteStream | undefined;
  /** Makes the next `n` open calls fail. */
  failOpens(n: number): void;
}

export function pipeField(
  meters: VirtualMeter[],
  pipe: { baud?: number; echo?: boolean; turnaroundMs?: number } = {},
): PipeField {
  const bus = new MeterBus(meters);
  const opened: LineSettings[] = [];
  let current: ByteStream | undefined;
  let failing = 0;
  return {
    bus,
    opened,
    meterEnd: () => current,
    failOpens(n) {
      failing = n;
    },
    async open(line) {
      if (failing > 0) {
        failing--;
        throw new Error("simulated: adapter unplugged");
      }
      opened.push(line);
      const [dcu, meterSide] = createPipe({
        ...(pipe.baud === undefined ? {} : { baud: pipe.baud }),
        ...(pipe.turnaroundMs === undefined ? {} : { turnaroundMs: pipe.turnaroundMs }),
      });
      bus.attach(meterSide);
      current = meterSide;
      return pipe.echo === true ? echoing(dcu) : dcu;
    },
  };
}

/** A half-duplex adapter: everything written also comes back on the receive side. */
export function echoing(inner: ByteStream): ByteStream {
  const listeners = new Set<(chunk: Uint8Array) => void>();
  inner.onData((chunk) => {
    for (const l of listeners) l(chunk);
  });
  return {
    label: `${inner.label}+echo`,
    get isOpen() {
      return inner.isOpen;
    },
    closed: inner.closed,
    onData(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async write(bytes) {
      const copy = Uint8Array.from(bytes);
      setImmediate(() => {
        for (const l of listeners) l(copy);
      });
      await inner.write(bytes);
    },
    close: () => inner.close(),
  };
}

/**
 * A wildcard search set-up on the real RS-485 channel: meters 1101 and 3457 (their answers collide at the
 * first wildcard probe) on a simulated bus, a terminal on an in-memory database and a reading engine with the
 * search planner only (2007 probes, short answer windows). Real time; nothing started.
 */
export function collidingSearch(utcOffsetMinutes: number) {
  const clock = new SystemClock();
  const meters = [1101, 3457].map((n) =>
    VirtualMeter.create(meterAddress(n), clock, { historyDays: 70, seed: n }),
  );
  const field = pipeField(meters);
  const channel = new Rs485Channel({ port: 2, open: field.open, clock, timing: { responseBaseMs: 80 } });
  const core = new TerminalCore({ dbPath: ":memory:", hostClock: clock, utcOffsetMinutes });
  core.start();
  const engine = new CollectEngine({
    terminal: core,
    channels: new Map([[2, channel]]),
    config: { tickMs: 50 },
  });
  const planner = MeterSearchPlanner.install(engine, core, { editions: ["2007"], probeResponseMs: 80 });
  return { clock, meters, field, channel, core, engine, planner };
}
