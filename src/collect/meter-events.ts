/**
 * Meter-event polling, an engine task added through `CollectEngine.addPlanner`:
 *
 *   every `pollMinutes` per meter (background rank, inside the reading windows):
 *     run-status words ──► changed since last poll?      ──► ERC33
 *     event counters   ──► grew? read the new records    ──► meter_events (the meter's own record content)
 *                                                            + ERC37 / ERC38 for cover openings
 *     positive active energy + active power ──► went down? ──► ERC27
 *                                           └─► unchanged for the stop threshold while power flows ──► ERC30
 *
 * What was last seen of each meter (words, counters, energy, raised conditions) lives in `meter_watch` and is
 * written in the same transaction as the event it raises: a restart at any instant neither repeats nor loses
 * an event. The first poll of a meter only records a baseline (events from before the terminal knew the
 * meter are not news). A counter that went down (the meter's events were cleared) re-baselines.
 *
 * Configuration [L: the reference gives the records, not the rules]: AFN04 F33 control word bit D5 ("read
 * status words") switches polling per port when F33 configures the port; AFN04 F59 byte 2 (BIN, × 15 min)
 * is the stop threshold when set. Both readings are low confidence, so both can be overridden here.
 */
import type { Answer } from "../catalog/values.ts";
import { num } from "../catalog/values.ts";
import { type Logger, silentLogger } from "../common/logger.ts";
import { EVENT_IDENTIFIERS } from "../protocol/dlt645/di-table.ts";
import type { Store } from "../store/store.ts";
import type { EventRecorder } from "../terminal/event-recorder.ts";
import {
  type CollectEngine,
  type CollectTarget,
  type EngineTerminal,
  type PlanContext,
  type Planner,
  plannerDeps,
} from "./engine.ts";
import {
  coverRecord,
  ERC_METER_COVER,
  ERC_TERMINAL_COVER,
  erc27,
  erc30,
  erc33,
} from "./meter-event-records.ts";
import { readIdentifiers } from "./meter-reads.ts";
import { RANK } from "./port-worker.ts";

/** A meter event kind the poll follows: its name in the DL/T 645-2007 table and the ERC it raises, if any. */
export interface WatchedEvent {
  readonly kind: string;
  readonly erc?: typeof ERC_METER_COVER | typeof ERC_TERMINAL_COVER;
}

export const DEFAULT_WATCHED_EVENTS: readonly WatchedEvent[] = [
  { kind: "meter cover open", erc: ERC_METER_COVER },
  { kind: "terminal-block cover open", erc: ERC_TERMINAL_COVER },
  { kind: "trip" },
  { kind: "close" },
  { kind: "meter clear" },
  { kind: "event clear" },
];

export interface MeterEventConfig {
  /** Poll each RS-485 meter this often. */
  readonly pollMinutes: number;
  /** Poll each carrier meter this often: a carrier exchange costs seconds, a node count is in the hundreds. */
  readonly carrierPollMinutes: number;
  readonly events: readonly WatchedEvent[];
  readonly statusWords: boolean;
  /** ERC27 / ERC30 from the positive active energy total. */
  readonly energyChecks: boolean;
  /** Stop threshold when F59 does not give one (0 = no ERC30). */
  readonly stoppedMinutes: number;
  /** Take the stop threshold from AFN04 F59 byte 2 (× 15 min) when set [L]. */
  readonly useF59: boolean;
  /** F33 control-word bit that switches polling on a port F33 configures; undefined = always poll [L]. */
  readonly controlBit: number | undefined;
  /** Records read per kind and poll at most (DL/T 645-2007 meters keep the last 10). */
  readonly maxRecords: number;
}

export const DEFAULT_METER_EVENT_CONFIG: MeterEventConfig = {
  pollMinutes: 60,
  carrierPollMinutes: 24 * 60,
  events: DEFAULT_WATCHED_EVENTS,
  statusWords: true,
  energyChecks: true,
  stoppedMinutes: 240,
  useF59: true,
  controlBit: 5,
  maxRecords: 10,
};

/** Task keys on the port workers. */
export const EVENT_TASK_KEY = "mev:";

/** DL/T 645 identifiers of the values the poll compares. */
const IDS = {
  "2007": { status: 0x040005ff, energy: 0x00010000, power: 0x02030000 },
  "1997": { status: 0xc020, energy: 0x9010, power: 0xb630 },
} as const;

/** Energy registers roll over at 999999.99: a drop larger than this is a rollover, not a decrease [M]. */
const ROLLOVER_DROP = 500_000;

interface EnergyWatch {
  readonly value: number;
  /** Host time the value last changed (or was first seen). */
  readonly since: number;
  readonly stopped: boolean;
}

export interface MeterEventDeps {
  readonly store: Store;
  readonly events: EventRecorder;
  readonly utcOffsetMinutes: number;
  readonly now: () => number;
  readonly logger: Logger;
  readonly isOpen: () => boolean;
}

export class MeterEventPlanner implements Planner {
  readonly name = "meter-events";
  readonly config: MeterEventConfig;
  readonly #deps: MeterEventDeps;
  /** Host time each point was last polled (in memory: after a restart every meter is polled once more). */
  readonly #polledAt = new Map<number, number>();
  readonly counters = { polls: 0, events: 0, ercs: 0 };

  /** A planner for `engine`, registered with it. */
  static install(
    engine: CollectEngine,
    terminal: EngineTerminal,
    config: Partial<MeterEventConfig> = {},
    logger: Logger = silentLogger,
  ): MeterEventPlanner {
    const planner = new MeterEventPlanner(plannerDeps(engine, terminal, logger, "meter-events"), config);
    engine.addPlanner(planner);
    return planner;
  }

  constructor(deps: MeterEventDeps, config: Partial<MeterEventConfig> = {}) {
    this.#deps = deps;
    this.config = { ...DEFAULT_METER_EVENT_CONFIG, ...config };
  }

  tick(context: PlanContext): void {
    for (const target of context.targets) {
      if (!this.#enabledOn(context, target.port)) continue;
      const worker = context.worker(target.port);
      if (worker === undefined) continue;
      const minutes =
        worker.channel.kind === "carrier" ? this.config.carrierPollMinutes : this.config.pollMinutes;
      const last = this.#polledAt.get(target.point);
      if (last !== undefined && context.now - last < minutes * 60_000) continue;
      const queued = context.enqueue(target.port, {
        key: `${EVENT_TASK_KEY}${target.point}`,
        rank: RANK.background,
        run: async () => {
          if (!this.#deps.isOpen()) return;
          await this.pollMeter(worker, target);
        },
      });
      if (queued) this.#polledAt.set(target.point, context.now);
    }
  }

  #enabledOn(context: PlanContext, port: number): boolean {
    const bit = this.config.controlBit;
    if (bit === undefined) return true;
    const f33 = context.store.parameters.get(33, 0)?.decoded as { ports?: { port?: unknown }[] } | undefined;
    const configured = Array.isArray(f33?.ports) && f33.ports.some((p) => p?.port === port);
    if (!configured) return true;
    return ((context.scheme(port).control >> bit) & 1) === 1;
  }

  /** Stop threshold in minutes (0 = no ERC30). */
  stoppedMinutes(): number {
    if (this.config.useF59) {
      const f59 = this.#deps.store.parameters.get(59, 0)?.body;
      const quarters = f59?.[2];
      if (f59 !== undefined && f59.length === 5 && quarters !== undefined && quarters > 0)
        return quarters * 15;
    }
    return this.config.stoppedMinutes;
  }

  /** One poll of one meter: reads, compares with what was last seen, raises what changed. */
  async pollMeter(worker: Parameters<typeof readIdentifiers>[0], target: CollectTarget): Promise<void> {
    this.counters.polls++;
    this.#rebaselineIfReplaced(target);
    const ids = IDS[target.edition];
    const cache = new Map<number, Answer>();
    const wanted: number[] = [];
    if (this.config.statusWords) wanted.push(ids.status);
    if (this.config.energyChecks) wanted.push(ids.energy, ids.power);
    const first = await readIdentifiers(worker, target, wanted, RANK.background, cache);
    if (!first.ok || !this.#deps.isOpen()) return;
    if (this.config.statusWords) this.#checkStatus(target, cache.get(ids.status));
    if (this.config.energyChecks)
      this.#checkEnergy(target, num(cache.get(ids.energy)), num(cache.get(ids.power)));
    // DL/T 645-1997 has no standard event counters: status word and energy only.
    if (target.edition !== "2007") return;
    for (const watched of this.config.events) {
      if (!this.#deps.isOpen()) return;
      const ok = await this.#checkEvents(worker, target, watched);
      if (!ok) return;
    }
  }

  /** A different meter at the point (archive changed): forget what was seen of the old one. */
  #rebaselineIfReplaced(target: CollectTarget): void {
    const { store, now } = this.#deps;
    const seen = store.meterWatch.get(target.point, "address");
    if (seen === target.address) return;
    store.transaction(() => {
      store.meterWatch.deletePoint(target.point);
      store.meterWatch.set(target.point, "address", target.address, now());
    });
  }

  #record(record: Uint8Array): void {
    if (this.#deps.events.record(record) !== undefined) this.counters.ercs++;
  }

  #checkStatus(target: CollectTarget, answer: Answer): void {
    const words = Array.isArray(answer)
      ? answer.map((w) => (typeof w === "number" ? w : 0))
      : typeof answer === "number"
        ? [answer]
        : undefined;
    if (words === undefined) return;
    const { store, now, utcOffsetMinutes } = this.#deps;
    const previous = store.meterWatch.get(target.point, "status");
    const at = now();
    if (
      Array.isArray(previous) &&
      previous.length === words.length &&
      previous.every((w, i) => w === words[i])
    )
      return;
    store.transaction(() => {
      if (Array.isArray(previous)) {
        this.#record(erc33(at, utcOffsetMinutes, target.point, previous as number[], words));
        store.meterEvents.append({
          point: target.point,
          kind: "status words",
          occurredAt: at,
          recordedAt: at,
          data: { before: previous, after: words },
        });
        this.counters.events++;
      }
      store.meterWatch.set(target.point, "status", words, at);
    });
  }

  #checkEnergy(target: CollectTarget, energy: number | undefined, power: number | undefined): void {
    if (energy === undefined) return;
    const { store, now, utcOffsetMinutes } = this.#deps;
    const at = now();
    const seen = store.meterWatch.get(target.point, "energy") as EnergyWatch | undefined;
    const valid = typeof seen?.value === "number" && typeof seen.since === "number";
    store.transaction(() => {
      if (!valid || seen === undefined) {
        store.meterWatch.set(target.point, "energy", { value: energy, since: at, stopped: false }, at);
        return;
      }
      if (energy !== seen.value) {
        const drop = seen.value - energy;
        if (drop > 0 && drop < ROLLOVER_DROP) {
          this.#record(erc27(at, utcOffsetMinutes, target.point, seen.value, energy));
          this.counters.events++;
        }
        if (seen.stopped)
          this.#record(erc30(at, utcOffsetMinutes, target.point, false, energy, this.stoppedMinutes()));
        store.meterWatch.set(target.point, "energy", { value: energy, since: at, stopped: false }, at);
        return;
      }
      const threshold = this.stoppedMinutes();
      if (seen.stopped || threshold <= 0 || (power ?? 0) <= 0) return;
      if (at - seen.since < threshold * 60_000) return;
      this.#record(erc30(at, utcOffsetMinutes, target.point, true, energy, threshold));
      this.counters.events++;
      store.meterWatch.set(target.point, "energy", { ...seen, stopped: true }, at);
    });
  }

  /** Reads one event counter and any new records. False when the meter stopped answering. */
  async #checkEvents(
    worker: Parameters<typeof readIdentifiers>[0],
    target: CollectTarget,
    watched: WatchedEvent,
  ): Promise<boolean> {
    const ids = EVENT_IDENTIFIERS[watched.kind];
    if (ids === undefined) return true;
    const cache = new Map<number, Answer>();
    const counted = await readIdentifiers(worker, target, [ids.count], RANK.background, cache);
    if (!counted.ok) return false;
    const count = num(cache.get(ids.count));
    if (count === undefined) return true; // the meter does not keep this event
    const { store, now } = this.#deps;
    const key = `count:${watched.kind}`;
    const last = store.meterWatch.get(target.point, key);
    if (typeof last !== "number" || count < last) {
      store.meterWatch.set(target.point, key, count, now());
      return true;
    }
    if (count === last) return true;
    const fresh = Math.min(count - last, this.config.maxRecords);
    // Record "last n" is the n-th newest: read them oldest first so events are raised in order.
    const recordIds = Array.from({ length: fresh }, (_, i) => ids.first + fresh - 1 - i);
    const read = await readIdentifiers(worker, target, recordIds, RANK.background, cache);
    if (!read.ok || !this.#deps.isOpen()) return false;
    // Records older than the ones a meter keeps are counted but cannot be read.
    let seen = count - fresh;
    for (const di of recordIds) {
      seen++;
      this.#raise(target, watched, seen, cache.get(di));
    }
    return true;
  }

  #raise(target: CollectTarget, watched: WatchedEvent, count: number, record: Answer): void {
    const { store, now, utcOffsetMinutes } = this.#deps;
    const at = now();
    store.transaction(() => {
      store.meterEvents.append({
        point: target.point,
        kind: watched.kind,
        occurredAt: meterTime(record, utcOffsetMinutes),
        recordedAt: at,
        data: { count, record: record ?? null },
      });
      if (watched.erc !== undefined)
        this.#record(coverRecord(watched.erc, at, utcOffsetMinutes, target.point, count, record));
      store.meterWatch.set(target.point, `count:${watched.kind}`, count, at);
      this.counters.events++;
    });
  }
}

/** Host time of a record's own start time (meter wall time, local), or null when it has none. */
export function meterTime(record: Answer, utcOffsetMinutes: number): number | null {
  if (record === null || record === undefined || typeof record !== "object" || Array.isArray(record))
    return null;
  const r = record as Record<string, unknown>;
  const text = [r.time, r.openTime, r.start].find((v) => typeof v === "string") as string | undefined;
  const m = text === undefined ? null : /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(text);
  if (m === null) return null;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return null;
  return Date.UTC(y, mo - 1, d, h, mi, s) - utcOffsetMinutes * 60_000;
}
