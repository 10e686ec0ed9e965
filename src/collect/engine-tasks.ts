/**
 * The engine tasks beyond collection — meter-event polling, meter time, meter search, curves and the
 * reading-day freeze — added to a
 * reading engine in one call, for whoever wires the engine into the daemon:
 *
 *   const engine = new CollectEngine({ terminal: core, channels });
 *   installEngineTasks(engine, core, config.tasks, logger);
 *   engine.start();
 */
import type { Logger } from "../common/logger.ts";
import { silentLogger } from "../common/logger.ts";
import type { ParameterUnit, UnitResult } from "../terminal/parameter-service.ts";
import { type CurveConfig, CurvePlanner } from "./curves.ts";
import type { CollectEngine, EngineTerminal } from "./engine.ts";
import { type MeterEventConfig, MeterEventPlanner } from "./meter-events.ts";
import { type MeterSearchConfig, MeterSearchPlanner } from "./meter-search.ts";
import { type ReadingDayConfig, ReadingDayPlanner } from "./reading-day.ts";
import { type TimeSyncConfig, TimeSyncPlanner } from "./time-sync.ts";

export interface EngineTasksConfig {
  /** false leaves the task out entirely. */
  readonly meterEvents?: Partial<MeterEventConfig> | false;
  readonly timeSync?: Partial<TimeSyncConfig> | false;
  readonly meterSearch?: Partial<MeterSearchConfig> | false;
  /** Curves are read only for meters whose class enables them in AFN04 F39. */
  readonly curves?: Partial<CurveConfig> | false;
  /** Reading-day frozen data, on the reading days AFN04 F33 sets per port (none until it does). */
  readonly readingDay?: Partial<ReadingDayConfig> | false;
}

export interface EngineTasks {
  readonly meterEvents: MeterEventPlanner | undefined;
  readonly timeSync: TimeSyncPlanner | undefined;
  readonly meterSearch: MeterSearchPlanner | undefined;
  readonly curves: CurvePlanner | undefined;
  readonly readingDay: ReadingDayPlanner | undefined;
}

export function installEngineTasks(
  engine: CollectEngine,
  terminal: EngineTerminal & {
    readonly parameters: { set(units: readonly ParameterUnit[], msa: number): UnitResult[] };
  },
  config: EngineTasksConfig = {},
  logger: Logger = silentLogger,
): EngineTasks {
  return {
    meterEvents:
      config.meterEvents === false
        ? undefined
        : MeterEventPlanner.install(engine, terminal, config.meterEvents ?? {}, logger),
    timeSync:
      config.timeSync === false
        ? undefined
        : TimeSyncPlanner.install(engine, terminal, config.timeSync ?? {}, logger),
    meterSearch:
      config.meterSearch === false
        ? undefined
        : MeterSearchPlanner.install(engine, terminal, config.meterSearch ?? {}, logger),
    curves:
      config.curves === false
        ? undefined
        : CurvePlanner.install(engine, terminal, config.curves ?? {}, logger),
    readingDay:
      config.readingDay === false
        ? undefined
        : ReadingDayPlanner.install(engine, terminal, config.readingDay ?? {}, logger),
  };
}
