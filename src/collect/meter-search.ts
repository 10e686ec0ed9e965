/**
 * Meter search, an engine task added through `CollectEngine.addPlanner`:
 *
 *   RS-485 (per DL/T 645 edition): a read of the meter's address DI sent to a wildcard address. Start with
 *   AA AA AA AA AA AA; per probe:
 *       silence  → no meter matches the pattern
 *       a frame  → exactly one meter matches: found (its own address is in the answer)
 *       garbage  → several answered at once (collision): fix the next byte, lowest first, to each BCD value
 *                  00..99 and probe those patterns
 *   carrier: the module's registration window (AFN11 F5 … F6, CarrierChannel.searchNodes), one window per
 *            slice of at most `sliceMinutes` and never past the round's end; the nodes the module reports
 *            (AFN06 F1/F4, checked by channels/carrier/registration-report.ts) are handled as they arrive. A
 *            module reports every unregistered node again in each window: ERC35 stays once per address.
 *
 * A search round is time-boxed (each slice holds the bus for at most `sliceMinutes`, then yields to other
 * work; the whole round ends after `roundMinutes`) and resumable: the patterns still to probe (the cursor) and
 * what was found are persisted after every probe, so a restart continues where it stopped.
 *
 * Found meters that are not in the archive raise ERC35 (once per port and address, remembered in
 * meter_watch with the event), and when AFN05 F149 mode is 1 they are added to the archive through the
 * parameter service (AFN04 F10 rules hold: free serial and point, no duplicate address on the port).
 * Rounds start on AFN05 F149 (mode 1 or 2: at once) and daily at `dailyMinute` on ports whose F33 control
 * word has bit D4 ("search new meters") [L] set.
 */

import type { ArchiveNode } from "../channels/carrier/carrier-client.ts";
import { addressProblem } from "../channels/carrier/registration-report.ts";
import type { ProbeOutcome } from "../channels/rs485/rs485-channel.ts";
import type { Clock } from "../common/clock.ts";
import { type Logger, silentLogger } from "../common/logger.ts";
import { DEFAULT_PREAMBLE } from "../protocol/dlt645/frame.ts";
import type { Dlt645Edition } from "../protocol/dlt645/functions.ts";
import { decodeMessageBytes, encodeMessage, readRequest } from "../protocol/dlt645/message.ts";
import { encodeErcRecord } from "../protocol/gw1376-1/erc.ts";
import { dayKey } from "../store/calendar.ts";
import type { Store } from "../store/store.ts";
import type { EventRecorder } from "../terminal/event-recorder.ts";
import { localTimeText } from "../terminal/local-time.ts";
import type { ParameterUnit, UnitResult } from "../terminal/parameter-service.ts";
import {
  type CollectEngine,
  type EngineTerminal,
  type PlanContext,
  type Planner,
  plannerDeps,
} from "./engine.ts";
import { minuteOfDay } from "./periods.ts";
import { type PortWorker, RANK } from "./port-worker.ts";
import { clearFound, NO_COLLECTOR, recordFound } from "./search-results.ts";

export interface MeterSearchConfig {
  /** Longest a search slice holds a port before yielding to other work. */
  readonly sliceMinutes: number;
  /** A round ends after this long, found or not (patterns left are dropped). */
  readonly roundMinutes: number;
  /** Daily search time (minute of day) on ports with F33 bit D4 set; undefined = only on request. */
  readonly dailyMinute: number | undefined;
  readonly controlBit: number;
  /** Editions searched on RS-485 ports. */
  readonly editions: readonly Dlt645Edition[];
  /** Answer window of one probe (a collision's garbage arrives within it too). */
  readonly probeResponseMs: number | undefined;
  /** Most found meters kept for AFN0C F13 (search-results.ts); later finds are counted, not kept. */
  readonly maxFoundKept: number;
}

export const DEFAULT_METER_SEARCH_CONFIG: MeterSearchConfig = {
  sliceMinutes: 5,
  roundMinutes: 120,
  dailyMinute: undefined,
  controlBit: 4,
  editions: ["2007", "1997"],
  probeResponseMs: undefined,
  maxFoundKept: 512,
};

/** kv: AFN05 F149 `{ mode: 0 | 1 | 2, requestedAt?: number }`. */
export const METER_SEARCH_MODE_KEY = "collect.meterSearchMode";
const ROUND_KEY = (port: number): string => `collect.search.${port}`;
export const SEARCH_TASK_KEY = "search:";
/** meter_watch point for terminal-wide facts (no measurement point is 0 in the archive's meter sense). */
const TERMINAL_POINT = 0;
/** ERC35 carries at most this many meters (Le = 7 + 8k ≤ 255). */
const ERC35_MAX_METERS = 31;

const ADDRESS_DI: Readonly<Record<Dlt645Edition, number>> = { "2007": 0x04000401, "1997": 0xc032 };
/** F10 protocol byte per edition (shared/protocol/gw1376-1.md §4.3.1). */
const F10_PROTOCOL: Readonly<Record<Dlt645Edition, number>> = { "2007": 30, "1997": 1 };

interface RoundState {
  readonly startedAt: number;
  /** Wildcard patterns still to probe per edition (12 characters, AA = any byte). */
  readonly pending: { readonly edition: Dlt645Edition; readonly pattern: string }[];
  /** Carrier: end of the registration window (host ms). */
  readonly carrierUntil?: number;
  readonly found: { readonly address: string; readonly edition: Dlt645Edition }[];
}

/** The RS-485 channel's raw exchange (the one primitive a wildcard search needs beyond MeterChannel). */
interface Prober {
  probe(frame: Uint8Array, options?: { priority?: "scheduled"; responseMs?: number }): Promise<ProbeOutcome>;
}
/** The carrier channel's registration window. */
interface NodeSearcher {
  searchNodes(
    durationMinutes: number,
    onFound?: (node: ArchiveNode) => void,
  ): Promise<{ found: ArchiveNode[]; completed: boolean }>;
}

const isProber = (c: unknown): c is Prober => typeof (c as Prober | undefined)?.probe === "function";
const isSearcher = (c: unknown): c is NodeSearcher =>
  typeof (c as NodeSearcher | undefined)?.searchNodes === "function";

/** The 100 patterns that fix the lowest still-wildcard byte of `pattern` to 00..99; [] when none is left. */
export function narrow(pattern: string): string[] {
  for (let i = 10; i >= 0; i -= 2) {
    if (pattern.slice(i, i + 2) !== "AA") continue;
    return Array.from(
      { length: 100 },
      (_, v) => `${pattern.slice(0, i)}${String(v).padStart(2, "0")}${pattern.slice(i + 2)}`,
    );
  }
  return [];
}

/**
 * 1376.2 node protocol (1 = DL/T 645-1997, 2 = DL/T 645-2007) → edition; undefined for the others (0
 * transparent, 3 DL/T 698.45, unassigned): no DL/T 645 meter the engine could read, so not a found meter.
 */
function editionOfNode(protocol: number): Dlt645Edition | undefined {
  return protocol === 1 ? "1997" : protocol === 2 ? "2007" : undefined;
}

export interface MeterSearchDeps {
  readonly store: Store;
  readonly events: EventRecorder;
  readonly clock: Clock;
  readonly utcOffsetMinutes: number;
  readonly logger: Logger;
  readonly isOpen: () => boolean;
  /** Applies AFN04 units as the master would (parameter service): used to add found meters. */
  readonly setParameters: (units: readonly ParameterUnit[]) => UnitResult[];
}

export class MeterSearchPlanner implements Planner {
  readonly name = "meter-search";
  readonly config: MeterSearchConfig;
  readonly #deps: MeterSearchDeps;
  readonly counters = {
    probes: 0,
    collisions: 0,
    found: 0,
    ercs: 0,
    added: 0,
    slices: 0,
    /** Finds not kept for AFN0C F13 because the list was full. */
    foundOverflow: 0,
  };

  static install(
    engine: CollectEngine,
    terminal: EngineTerminal & {
      readonly parameters: { set(u: readonly ParameterUnit[], msa: number): UnitResult[] };
    },
    config: Partial<MeterSearchConfig> = {},
    logger: Logger = silentLogger,
  ): MeterSearchPlanner {
    const planner = new MeterSearchPlanner(
      {
        ...plannerDeps(engine, terminal, logger, "meter-search"),
        // MSA 0: the terminal itself made the change (ERC3 names no master) [M].
        setParameters: (units) => terminal.parameters.set(units, 0),
      },
      config,
    );
    engine.addPlanner(planner);
    return planner;
  }

  constructor(deps: MeterSearchDeps, config: Partial<MeterSearchConfig> = {}) {
    this.#deps = deps;
    this.config = { ...DEFAULT_METER_SEARCH_CONFIG, ...config };
  }

  /**
   * AFN05 F149 mode (0 off, 1 add found meters to F10, 2 report only) and the request not yet served (kept in
   * kv, so a restart neither loses nor repeats a request).
   */
  mode(): { mode: number; pendingRequest: number | undefined } {
    const v = this.#deps.store.kv.get(METER_SEARCH_MODE_KEY) as
      | { mode?: unknown; requestedAt?: unknown; servedAt?: unknown }
      | undefined;
    const mode = typeof v?.mode === "number" ? v.mode : 0;
    const requestedAt = typeof v?.requestedAt === "number" ? v.requestedAt : undefined;
    return {
      mode,
      pendingRequest: mode !== 0 && requestedAt !== v?.servedAt ? requestedAt : undefined,
    };
  }

  round(port: number): RoundState | undefined {
    const v = this.#deps.store.kv.get(ROUND_KEY(port));
    return typeof v === "object" && v !== null && Array.isArray((v as RoundState).pending)
      ? (v as RoundState)
      : undefined;
  }

  /** Starts a round on `port` now (replacing one in progress). */
  start(port: number, kind: "rs485" | "carrier", now: number): void {
    const pending =
      kind === "rs485" ? this.config.editions.map((edition) => ({ edition, pattern: "AAAAAAAAAAAA" })) : [];
    const state: RoundState =
      kind === "carrier"
        ? { startedAt: now, pending, carrierUntil: now + this.config.roundMinutes * 60_000, found: [] }
        : { startedAt: now, pending, found: [] };
    this.#deps.store.kv.set(ROUND_KEY(port), state);
  }

  tick(context: PlanContext): void {
    const { pendingRequest } = this.mode();
    const requested = pendingRequest !== undefined;
    if (requested) {
      const v = this.#deps.store.kv.get(METER_SEARCH_MODE_KEY) as object;
      // The master asked for a new search: the F13 list describes that search from now on.
      this.#deps.store.transaction(() => {
        this.#deps.store.kv.set(METER_SEARCH_MODE_KEY, { ...v, servedAt: pendingRequest });
        clearFound(this.#deps.store);
      });
    }
    const minute = minuteOfDay(context.now, context.utcOffsetMinutes);
    const today = dayKey(context.now, context.utcOffsetMinutes);
    for (const port of this.#ports(context)) {
      const worker = context.worker(port);
      if (worker === undefined) continue;
      let round = this.round(port);
      if (requested) {
        this.start(port, worker.channel.kind, context.now);
        round = this.round(port);
      } else if (round === undefined && this.#dailyDue(context, port, minute, today)) {
        this.#deps.store.kv.set(`${ROUND_KEY(port)}.day`, today);
        this.start(port, worker.channel.kind, context.now);
        round = this.round(port);
      }
      if (round === undefined) continue;
      if (worker.busyWith(SEARCH_TASK_KEY) > 0) continue;
      context.enqueue(port, {
        key: `${SEARCH_TASK_KEY}${port}`,
        rank: RANK.background,
        run: async () => {
          if (this.#deps.isOpen()) await this.#slice(worker);
        },
      });
    }
  }

  #ports(context: PlanContext): number[] {
    const out: number[] = [];
    for (let port = 1; port <= 31; port++) if (context.worker(port) !== undefined) out.push(port);
    return out;
  }

  #dailyDue(context: PlanContext, port: number, minute: number, today: number): boolean {
    const at = this.config.dailyMinute;
    if (at === undefined || minute < at) return false;
    if (this.#deps.store.kv.get(`${ROUND_KEY(port)}.day`) === today) return false;
    return ((context.scheme(port).control >> this.config.controlBit) & 1) === 1;
  }

  async #slice(worker: PortWorker): Promise<void> {
    const port = worker.port;
    const round = this.round(port);
    if (round === undefined) return;
    this.counters.slices++;
    const { clock } = this.#deps;
    const roundEnd = round.startedAt + this.config.roundMinutes * 60_000;
    const sliceEnd = Math.min(roundEnd, clock.now() + this.config.sliceMinutes * 60_000);
    const channel = worker.channel;
    if (channel.kind === "carrier" && isSearcher(channel)) await this.#carrierSlice(port, channel, round);
    else if (isProber(channel)) await this.#rs485Slice(port, channel, sliceEnd);
    else {
      this.#deps.logger.warn({ port }, "meter search: the channel has no search primitive");
      this.#deps.store.kv.delete(ROUND_KEY(port));
      return;
    }
    // Stopped meanwhile (restart): the round stays as persisted and resumes in the next process.
    if (!this.#deps.isOpen()) return;
    const after = this.round(port);
    const finished =
      after !== undefined &&
      (clock.now() >= roundEnd ||
        (channel.kind === "carrier" ? clock.now() >= (after.carrierUntil ?? 0) : after.pending.length === 0));
    if (finished) {
      this.#deps.store.kv.delete(ROUND_KEY(port));
      this.#deps.logger.info({ port, found: after.found.length }, "meter search round finished");
    }
  }

  async #rs485Slice(port: number, channel: Prober, sliceEnd: number): Promise<void> {
    const { store, clock } = this.#deps;
    while (this.#deps.isOpen() && clock.now() < sliceEnd) {
      const round = this.round(port);
      const next = round?.pending[0];
      if (round === undefined || next === undefined) return;
      const frame = encodeMessage(readRequest(next.edition, next.pattern, ADDRESS_DI[next.edition]), {
        preamble: DEFAULT_PREAMBLE,
      });
      this.counters.probes++;
      const outcome = await channel.probe(
        frame,
        this.config.probeResponseMs === undefined ? {} : { responseMs: this.config.probeResponseMs },
      );
      if (outcome.kind === "unavailable") return; // paused or port down: the cursor stays, next slice retries
      const rest = round.pending.slice(1);
      let found: string | undefined;
      if (outcome.kind === "frame") {
        const reply = decodeMessageBytes(outcome.frame, next.edition);
        if (reply.ok && reply.value.direction === "reply" && !reply.value.abnormal)
          found = reply.value.address;
      }
      const children = outcome.kind === "garbage" ? narrow(next.pattern) : [];
      if (outcome.kind === "garbage") this.counters.collisions++;
      // Depth first (children before the rest): a collision is resolved before the next branch starts.
      const pending = [...children.map((pattern) => ({ edition: next.edition, pattern })), ...rest];
      store.transaction(() => {
        const foundList =
          found === undefined || round.found.some((f) => f.address === found)
            ? round.found
            : [...round.found, { address: found, edition: next.edition }];
        store.kv.set(ROUND_KEY(port), { ...round, pending, found: foundList });
        if (found !== undefined) this.#foundMeters(port, [{ address: found, edition: next.edition }]);
      });
    }
  }

  async #carrierSlice(port: number, channel: NodeSearcher, round: RoundState): Promise<void> {
    const { clock, store, logger } = this.#deps;
    // Whole minutes (AFN11 F5 counts minutes), never past the round's end: the window is time-boxed.
    const minutes = Math.min(
      Math.floor(((round.carrierUntil ?? 0) - clock.now()) / 60_000),
      this.config.sliceMinutes,
    );
    if (minutes <= 0) return;
    await channel.searchNodes(minutes, (node) => {
      // The channel checks what the module reports; checked again here because any searcher may be plugged
      // in, and a wrong address would end up in ERC35 and, in mode 1, in the archive.
      const problem = addressProblem(node.address);
      const edition = editionOfNode(node.protocol);
      if (problem !== undefined || edition === undefined) {
        logger.warn({ port, node }, `meter search: node ignored (${problem ?? "protocol not read"})`);
        return;
      }
      // A window still open after the engine stopped (a restart) must not write to a store being closed.
      if (!this.#deps.isOpen()) return;
      store.transaction(() => {
        const current = this.round(port) ?? round;
        if (!current.found.some((f) => f.address === node.address))
          store.kv.set(ROUND_KEY(port), {
            ...current,
            found: [...current.found, { address: node.address, edition }],
          });
        this.#foundMeters(port, [{ address: node.address, edition }]);
      });
    });
  }

  /**
   * Keeps every found meter for AFN0C F13; ERC35 for meters not in the archive and not reported before; with
   * F149 mode 1, adds them to F10.
   */
  #foundMeters(port: number, meters: readonly { address: string; edition: Dlt645Edition }[]): void {
    const { store, events, clock, utcOffsetMinutes } = this.#deps;
    const kept = recordFound(
      store,
      meters.map((m) => ({
        port,
        address: m.address,
        protocol: F10_PROTOCOL[m.edition],
        collector: NO_COLLECTOR,
      })),
      this.config.maxFoundKept,
      clock.now(),
    );
    if (kept.overflow > 0) {
      this.counters.foundOverflow += kept.overflow;
      this.#deps.logger.warn(
        { port, overflow: kept.overflow, limit: this.config.maxFoundKept },
        "meter search: found-meter list full, finds not kept for AFN0C F13",
      );
    }
    const archive = store.meters.list();
    const fresh = meters.filter(
      (m) =>
        !archive.some((e) => e.address === m.address && e.port === port) &&
        store.meterWatch.get(TERMINAL_POINT, `found:${port}:${m.address}`) === undefined,
    );
    this.counters.found += meters.length;
    if (fresh.length === 0) return;
    const now = clock.now();
    for (let i = 0; i < fresh.length; i += ERC35_MAX_METERS) {
      const batch = fresh.slice(i, i + ERC35_MAX_METERS);
      const encoded = encodeErcRecord({
        erc: 35,
        data: {
          time: localTimeText(now, utcOffsetMinutes, false),
          port,
          // Attributes (2 bytes) [L]: the F10 protocol code of the edition found, in the low byte.
          meters: batch.map((m) => ({ address: m.address, attributes: F10_PROTOCOL[m.edition] })),
        },
      });
      if (!encoded.ok) throw new Error(`ERC35 cannot be encoded: ${encoded.error.message}`);
      if (events.record(encoded.value) !== undefined) this.counters.ercs++;
    }
    for (const m of fresh) store.meterWatch.set(TERMINAL_POINT, `found:${port}:${m.address}`, m.edition, now);
    if (this.mode().mode === 1) this.#addToArchive(port, fresh);
  }

  #addToArchive(port: number, meters: readonly { address: string; edition: Dlt645Edition }[]): void {
    const archive = this.#deps.store.meters.list();
    const serials = new Set(archive.map((e) => e.serial));
    const points = new Set(archive.map((e) => e.point));
    const entries: Uint8Array[] = [];
    let serial = 1;
    let point = 1;
    for (const m of meters) {
      while (serials.has(serial)) serial++;
      while (points.has(point)) point++;
      if (serial > 2040 || point > 2040) break;
      serials.add(serial);
      points.add(point);
      entries.push(f10Entry(serial, point, port, F10_PROTOCOL[m.edition], m.address));
    }
    if (entries.length === 0) return;
    const body = new Uint8Array(2 + 27 * entries.length);
    body[0] = entries.length & 0xff;
    body[1] = entries.length >> 8;
    entries.forEach((e, i) => {
      body.set(e, 2 + 27 * i);
    });
    const results = this.#deps.setParameters([{ fn: 10, pn: 0, body }]);
    const refused = results.filter((r) => r.err !== 0);
    if (refused.length > 0)
      this.#deps.logger.warn({ port, refused }, "found meters not added: AFN04 F10 refused them");
    else this.counters.added += entries.length;
  }
}

/**
 * One 27-byte AFN04 F10 entry (shared/protocol/gw1376-1.md §4.3.1) for a found meter: default baud, no
 * password, 4 tariffs, 6 integer + 2 decimal digits, no collector, user class 0 [M: what a master would set
 * is not known; the master can correct it].
 */
export function f10Entry(
  serial: number,
  point: number,
  port: number,
  protocol: number,
  address: string,
): Uint8Array {
  const out = new Uint8Array(27);
  out[0] = serial & 0xff;
  out[1] = serial >> 8;
  out[2] = point & 0xff;
  out[3] = point >> 8;
  out[4] = port & 0x1f;
  out[5] = protocol;
  for (let k = 0; k < 6; k++) out[6 + k] = Number.parseInt(address.slice(10 - 2 * k, 12 - 2 * k), 16);
  out[18] = 4;
  out[19] = 0x05;
  return out;
}

/** AFN05 F149: stores the mode and, when on (1 or 2), asks for a search round at the next tick. */
export function requestMeterSearch(store: Store, mode: number, now: number): boolean {
  if (mode !== 0 && mode !== 1 && mode !== 2) return false;
  store.kv.set(METER_SEARCH_MODE_KEY, mode === 0 ? { mode } : { mode, requestedAt: now });
  return true;
}
