/**
 * Wires the reading engine into the daemon once channels exist:
 *
 *   field.channels ──► CollectEngine (terminal clock plans, host clock deadlines) ──► store
 *                          ├─► EngineFieldAccess ──► dispatcher.field (live AFN0C reads, AFN10 forwarding, F11)
 *                          └─► EngineReadingStatus ──► web providers.reading
 *
 * The web's reading page counts a meter as read for a day when the day's frozen data is stored under that
 * day; the engine files a daily record under the day it closes (a meter freezing at 00:00 on the 26th holds
 * the 25th, NUC), so "today" there means the day that closed last.
 */
import type { MeterChannel } from "../channels/meter-channel.ts";
import { CollectEngine, type CollectTarget } from "../collect/engine.ts";
import { type EngineTasks, installEngineTasks } from "../collect/engine-tasks.ts";
import { EngineFieldAccess } from "../collect/live.ts";
import { lastClosed } from "../collect/periods.ts";
import type { Clock } from "../common/clock.ts";
import type { Logger } from "../common/logger.ts";
import { addDays } from "../store/calendar.ts";
import type { Dispatcher } from "../terminal/dispatcher.ts";
import type { TerminalCore } from "../terminal/terminal-core.ts";
import type {
  MeterReadingDetail,
  MissingMeter,
  PortDaySuccess,
  ReadingStatusProvider,
  WebProviders,
} from "../web/providers.ts";
import { missingMeter, StoreReadingStatus } from "../web/reading-status.ts";
import { type CollectSettings, engineTasksConfig } from "./collect-config.ts";

export interface Collection {
  readonly engine: CollectEngine;
  readonly field: EngineFieldAccess;
  /** Meter events, meter time and meter search on the same ports (each undefined when switched off). */
  readonly tasks: EngineTasks;
  close(): void;
}

export interface CollectionDependencies {
  readonly core: TerminalCore;
  readonly channels: ReadonlyMap<number, MeterChannel>;
  /** Host time (channel deadlines). */
  readonly clock: Clock;
  readonly logger: Logger;
  readonly dispatcher: Dispatcher;
  readonly providers: WebProviders;
}

/** Starts the engine when there is something to read through; undefined otherwise (or when disabled). */
export function startCollection(
  settings: CollectSettings,
  deps: CollectionDependencies,
): Collection | undefined {
  if (!settings.enabled || deps.channels.size === 0) return undefined;
  const {
    enabled: _enabled,
    meterEvents: _events,
    timeSync: _time,
    meterSearch: _search,
    curves: _curves,
    ...config
  } = settings;
  const engine = new CollectEngine({
    terminal: deps.core,
    channels: deps.channels,
    hostClock: deps.clock,
    logger: deps.logger,
    config,
  });
  const field = new EngineFieldAccess(engine, deps.core);
  deps.dispatcher.field = field;
  deps.providers.reading = new EngineReadingStatus(engine, deps.core);
  const tasks = installEngineTasks(engine, deps.core, engineTasksConfig(settings), deps.logger);
  engine.start();
  deps.logger.info({ module: "collect", ports: engine.ports }, "reading engine started");
  return {
    engine,
    field,
    tasks,
    close() {
      if (deps.dispatcher.field === field) deps.dispatcher.field = undefined;
      engine.close();
    },
  };
}

/** The web's reading figures from the engine's view: the day that closed last is "today's" frozen day. */
export class EngineReadingStatus implements ReadingStatusProvider {
  readonly #engine: CollectEngine;
  readonly #core: TerminalCore;
  readonly #store: StoreReadingStatus;

  constructor(engine: CollectEngine, core: TerminalCore) {
    this.#engine = engine;
    this.#core = core;
    this.#store = new StoreReadingStatus(core);
  }

  #closedDay(): number {
    return lastClosed("daily", this.#core.clock.now(), this.#core.utcOffsetMinutes);
  }

  /** Meters with daily items, and the item keys that make their day "read". */
  #dailyTargets(): { targets: CollectTarget[]; keys: string[] } {
    const targets = this.#engine.targets().filter((t) => t.items.daily.length > 0);
    return { targets, keys: [...new Set(targets.flatMap((t) => t.items.daily.map((item) => item.key)))] };
  }

  dailySuccess(days: number): PortDaySuccess[] {
    const last = this.#closedDay();
    const first = addDays(last, -(days - 1));
    const { targets, keys } = this.#dailyTargets();
    const read = this.#core.store.daily.pointsByPeriod(first, last, keys);
    const out: PortDaySuccess[] = [];
    for (let day = first, i = 0; i < days; i++, day = addDays(day, 1)) {
      const have = read.get(day) ?? new Set<number>();
      for (const port of this.#engine.ports) {
        const onPort = targets.filter((t) => t.port === port);
        if (onPort.length === 0) continue;
        out.push({ port, day, due: onPort.length, read: onPort.filter((t) => have.has(t.point)).length });
      }
    }
    return out;
  }

  missingToday(offset: number, limit: number): { total: number; meters: MissingMeter[] } {
    const day = this.#closedDay();
    const { targets, keys } = this.#dailyTargets();
    const have = this.#core.store.daily.pointsByPeriod(day, day, keys).get(day) ?? new Set<number>();
    const missing = targets.filter((t) => !have.has(t.point));
    return {
      total: missing.length,
      meters: missing.slice(offset, offset + limit).map((t) => missingMeter(this.#core.store, t)),
    };
  }

  meterDetail(point: number): MeterReadingDetail | undefined {
    return this.#store.meterDetail(point);
  }
}
