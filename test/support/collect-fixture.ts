/**
 * A simulated field for reading-engine tests: virtual meters on in-memory channels (one per port), the meter
 * archive set through the real AFN04 F10 path, a TerminalCore on SQLite and the engine, all on one
 * ManualClock. Meters are "installed" at a fixed date, so a meter built at any simulated time (a restarted
 * process) has exactly the same history and registers.
 */

import { type CollectConfig, CollectEngine } from "../../src/collect/engine.ts";
import { ManualClock } from "../../src/common/clock.ts";
import { silentLogger } from "../../src/common/logger.ts";
import type { Dlt645Edition } from "../../src/protocol/dlt645/functions.ts";
import { decodeErcRecord } from "../../src/protocol/gw1376-1/erc.ts";
import { MasterStation } from "../../src/sim/master/master-station.ts";
import { VirtualMeter } from "../../src/sim/virtual-meter.ts";
import { Dispatcher } from "../../src/terminal/dispatcher.ts";
import { TerminalCore } from "../../src/terminal/terminal-core.ts";
import { createPipe } from "../../src/transport/pipe.ts";
import { LinkSession } from "../../src/uplink/link-session.ts";
import { MemoryChannel } from "./memory-channel.ts";

export const OFFSET = 480;
/**
 * Every simulated meter was installed at 2026-10-25 00:00 local: enough history for the tests' days and the
 * October and November settlements, and short enough that building a thousand meters stays quick.
 */
export const INSTALLED = Date.UTC(2026, 9, 24, 16, 0);
const DAY = 86_400_000;

/** Local wall time → epoch ms (UTC+8). */
export function local(year: number, month: number, day: number, hour = 0, minute = 0): number {
  return Date.UTC(year, month - 1, day, hour, minute) - OFFSET * 60_000;
}

export interface PortSpec {
  readonly port: number;
  readonly kind?: "rs485" | "carrier";
  readonly meters: number;
  readonly edition?: Dlt645Edition;
  /** Address of the first meter; the others follow. */
  readonly firstAddress: number;
  /** First measurement point (and serial) on this port. */
  readonly firstPoint: number;
  readonly loss?: number;
  readonly exchangeMs?: number;
  readonly timeoutMs?: number;
  readonly retries?: number;
  /** F10 user class byte (D7..D4 big, D3..D0 small). */
  readonly userClass?: number;
}

export interface SimMeter {
  readonly point: number;
  readonly port: number;
  readonly meter: VirtualMeter;
}

/** A virtual meter as installed at INSTALLED, built at the clock's current time. */
export function installedMeter(
  address: string,
  clock: ManualClock,
  edition: Dlt645Edition = "2007",
): VirtualMeter {
  return VirtualMeter.create(address, clock, {
    edition,
    utcOffsetMinutes: OFFSET,
    historyDays: (clock.now() - INSTALLED) / DAY,
  });
}

export function addressOf(n: number): string {
  return String(n).padStart(12, "0");
}

/** Builds the meters and one channel per port. */
export function buildField(
  clock: ManualClock,
  specs: readonly PortSpec[],
): { meters: SimMeter[]; channels: Map<number, MemoryChannel> } {
  const meters: SimMeter[] = [];
  const channels = new Map<number, MemoryChannel>();
  for (const spec of specs) {
    const onPort: VirtualMeter[] = [];
    for (let i = 0; i < spec.meters; i++) {
      const meter = installedMeter(addressOf(spec.firstAddress + i), clock, spec.edition ?? "2007");
      onPort.push(meter);
      meters.push({ point: spec.firstPoint + i, port: spec.port, meter });
    }
    channels.set(
      spec.port,
      new MemoryChannel({
        port: spec.port,
        kind: spec.kind ?? "rs485",
        clock,
        meters: onPort,
        ...(spec.exchangeMs === undefined ? {} : { exchangeMs: spec.exchangeMs }),
        ...(spec.timeoutMs === undefined ? {} : { timeoutMs: spec.timeoutMs }),
        ...(spec.retries === undefined ? {} : { retries: spec.retries }),
        ...(spec.loss === undefined ? {} : { loss: spec.loss, seed: spec.port * 7919 }),
      }),
    );
  }
  return { meters, channels };
}

/** The AFN04 F10 body configuring `specs` (27-byte entries, shared/protocol/gw1376-1.md §4.3.1). */
export function archiveBody(specs: readonly PortSpec[]): Uint8Array {
  const entries: Uint8Array[] = [];
  for (const spec of specs) {
    for (let i = 0; i < spec.meters; i++) {
      const point = spec.firstPoint + i;
      const address = addressOf(spec.firstAddress + i);
      const bcd = Array.from({ length: 6 }, (_, k) =>
        Number.parseInt(address.slice(10 - 2 * k, 12 - 2 * k), 16),
      );
      entries.push(
        Uint8Array.of(
          point & 0xff,
          point >> 8,
          point & 0xff,
          point >> 8,
          (3 << 5) | spec.port,
          spec.edition === "1997" ? 1 : 30,
          ...bcd,
          ...new Uint8Array(6),
          4,
          0x05,
          ...new Uint8Array(6),
          spec.userClass ?? 0,
        ),
      );
    }
  }
  const out = new Uint8Array(2 + 27 * entries.length);
  out[0] = entries.length & 0xff;
  out[1] = entries.length >> 8;
  entries.forEach((e, i) => {
    out.set(e, 2 + 27 * i);
  });
  return out;
}

export interface CollectFixture {
  readonly clock: ManualClock;
  readonly core: TerminalCore;
  readonly engine: CollectEngine;
  readonly meters: SimMeter[];
  readonly channels: Map<number, MemoryChannel>;
  close(): void;
}

export interface FixtureOptions {
  readonly start: number;
  readonly specs: readonly PortSpec[];
  readonly config?: Partial<CollectConfig>;
  readonly dbPath?: string;
  /** Set the archive through AFN04 F10: always (default), never, or only into an empty archive (restarts). */
  readonly configure?: boolean | "if-empty";
  /** AFN04 units to set besides F10 (F33, F38, F39 …). */
  readonly parameters?: readonly { fn: number; body: Uint8Array }[];
  readonly clock?: ManualClock;
}

export function startCollectFixture(options: FixtureOptions): CollectFixture {
  const clock = options.clock ?? new ManualClock(options.start);
  const { meters, channels } = buildField(clock, options.specs);
  const core = new TerminalCore({
    dbPath: options.dbPath ?? ":memory:",
    hostClock: clock,
    utcOffsetMinutes: OFFSET,
  });
  core.start();
  const configure = options.configure ?? true;
  if (configure === true || (configure === "if-empty" && core.store.meters.count() === 0)) {
    const units = [
      { fn: 10, pn: 0, body: archiveBody(options.specs) },
      ...(options.parameters ?? []).map((p) => ({ ...p, pn: 0 })),
    ];
    const results = core.parameters.set(units, 1);
    const refused = results.filter((r) => r.err !== 0);
    if (refused.length > 0) throw new Error(`parameters refused: ${JSON.stringify(refused)}`);
  }
  const engine = new CollectEngine({
    terminal: core,
    channels,
    ...(options.config === undefined ? {} : { config: options.config }),
  });
  engine.start();
  return {
    clock,
    core,
    engine,
    meters,
    channels,
    close() {
      engine.close();
      core.close();
    },
  };
}

/** An AFN04 F38/F39 body: one big class, one small class, the given Fn (vector X19 layout). */
export function dataClassBody(fns: readonly number[], bigClass = 0, smallClass = 0): Uint8Array {
  const groups = new Uint8Array(Math.ceil(Math.max(0, ...fns) / 8));
  for (const fn of fns) groups[(fn - 1) >> 3] = (groups[(fn - 1) >> 3] as number) | (1 << ((fn - 1) & 7));
  return Uint8Array.of(bigClass, 1, smallClass, groups.length, ...groups);
}

/** ERC records in both event rings, decoded, with the points they name. */
export function ercRecords(
  core: TerminalCore,
  erc: number,
): { point: number; occurred: number; time: string }[] {
  const out: { point: number; occurred: number; time: string }[] = [];
  for (const ring of ["important", "general"] as const) {
    for (const event of core.store.events.latest(ring)) {
      if (event.erc !== erc) continue;
      const decoded = decodeErcRecord(event.record);
      if (!decoded.ok) throw new Error(`ERC${erc} record does not decode: ${decoded.error.message}`);
      const data = decoded.value.data as { point: { pn: number; occurred: number }; time: string };
      out.push({ point: data.point.pn, occurred: data.point.occurred, time: data.time });
    }
  }
  return out;
}

/** A master on a 1376.1 link (in-memory pipe) to the fixture's terminal, served by the real dispatcher. */
export function masterOnLink(fx: CollectFixture): MasterStation {
  const [dcuEnd, masterEnd] = createPipe();
  const dispatcher = new Dispatcher(fx.core, silentLogger);
  new LinkSession({
    stream: dcuEnd,
    identity: { area: "4403", terminal: 1, groups: [] },
    handle: (request) => dispatcher.handle(request),
    clock: fx.clock,
    utcOffsetMinutes: OFFSET,
    logger: silentLogger,
    repeatFilter: false,
    rateLimit: false,
  });
  return new MasterStation(masterEnd, { area: "4403", terminal: 1, clock: fx.clock });
}
