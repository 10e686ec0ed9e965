/**
 * Start-up settings of the reading engine (src/collect/engine.ts), the `collect` key of the start-up file.
 * The reading scheme itself (intervals, windows, data classes) comes from the master's AFN04 F33/F38/F39.
 *
 *   collect:
 *     enabled: true                    # read the meters whenever channels exist
 *     dailyStartMinute: 5              # daily frozen collection from 00:05 local
 *     cutoffHour: 22                   # supplementary reading stops, ERC31/ERC39 raised
 *     supplementaryIntervalMinutes: 30
 *     targetCoverage: 0.996            # share of meters with the day's data that ends supplementary reading
 *     supplementaryDays: 3             # days re-read when missing
 *     terminalFreezeMinutes: 120       # DL/T 645-1997 meters: current values taken as the day's freeze until 02:00
 *     meterEvents:                     # run-status words, event counters and records (ERC33/37/38/27/30); false = off
 *       pollMinutes: 60                #   RS-485 meters
 *       carrierPollMinutes: 1440       #   carrier meters (an exchange costs seconds)
 *       stoppedMinutes: 240            #   ERC30 after this long without energy under load (F59 byte 2 wins when set)
 *     timeSync:                        # broadcast time and per-meter clock checks (ERC12); false = off
 *       setMinutes: 5                  #   deviations below are left alone
 *       eventMinutes: 10               #   above: ERC12 instead of a set (F59 byte 3 wins when set)
 *       setClocks: true                #   false: check and raise ERC12 only
 *       broadcastMinute: 1260          #   21:00 on ports the master's F33 does not configure; null = none
 *     curves:                          # curve points for meters whose class AFN04 F39 gives curve items; false = off
 *       rs485Minutes: 15               #   one of 1, 5, 15, 30, 60 (a Td_c density)
 *       carrierMinutes: 60             #   a PLC network cannot read every meter every 15 min [L]
 *     meterSearch:                     # RS-485 wildcard search / carrier registration window (ERC35, AFN05 F149)
 *       roundMinutes: 120              #   a search round ends after this long
 *       dailyMinute: null              #   daily search on ports with F33 bit D4 set (minute of day); null = on request
 *
 * The tasks' finer settings (F33 control bits, passwords) keep their defaults in src/collect/.
 */
import { z } from "zod";
import { DEFAULT_COLLECT_CONFIG } from "../collect/engine.ts";
import type { EngineTasksConfig } from "../collect/engine-tasks.ts";
import { definedOnly } from "../common/defined.ts";

const d = DEFAULT_COLLECT_CONFIG;

export const COLLECT_DEFAULTS = {
  enabled: true,
  dailyStartMinute: d.dailyStartMinute,
  cutoffHour: d.cutoffHour,
  supplementaryIntervalMinutes: d.supplementaryIntervalMinutes,
  targetCoverage: d.targetCoverage,
  supplementaryDays: d.supplementaryDays,
  terminalFreezeMinutes: d.terminalFreezeMinutes,
  meterEvents: {},
  timeSync: {},
  meterSearch: {},
  curves: {},
} as const;

const minuteOfDay = z.number().int().min(0).max(1439);

const METER_EVENTS_SCHEMA = z
  .object({
    pollMinutes: z.number().int().min(1).max(10_080).optional(),
    carrierPollMinutes: z.number().int().min(1).max(10_080).optional(),
    stoppedMinutes: z.number().int().min(0).max(10_080).optional(),
    statusWords: z.boolean().optional(),
    energyChecks: z.boolean().optional(),
  })
  .strict();

const TIME_SYNC_SCHEMA = z
  .object({
    setMinutes: z.number().min(0).max(1440).optional(),
    eventMinutes: z.number().min(0).max(1440).optional(),
    setClocks: z.boolean().optional(),
    broadcastMinute: minuteOfDay.nullable().optional(),
  })
  .strict()
  .refine(
    (t) => t.setMinutes === undefined || t.eventMinutes === undefined || t.setMinutes <= t.eventMinutes,
    {
      message: "setMinutes must not exceed eventMinutes",
    },
  );

/** A curve interval must be a density a Td_c label can name. */
const curveMinutes = z
  .number()
  .refine((m) => [1, 5, 15, 30, 60].includes(m), { message: "one of 1, 5, 15, 30, 60 (minutes)" });

const CURVES_SCHEMA = z
  .object({ rs485Minutes: curveMinutes.optional(), carrierMinutes: curveMinutes.optional() })
  .strict();

const METER_SEARCH_SCHEMA = z
  .object({
    roundMinutes: z.number().int().min(1).max(1440).optional(),
    sliceMinutes: z.number().int().min(1).max(60).optional(),
    dailyMinute: minuteOfDay.nullable().optional(),
  })
  .strict();

export const COLLECT_CONFIG_SCHEMA = z
  .object({
    enabled: z.boolean().default(COLLECT_DEFAULTS.enabled),
    dailyStartMinute: z.number().int().min(0).max(1439).default(COLLECT_DEFAULTS.dailyStartMinute),
    cutoffHour: z.number().int().min(1).max(24).default(COLLECT_DEFAULTS.cutoffHour),
    supplementaryIntervalMinutes: z
      .number()
      .int()
      .min(1)
      .max(1440)
      .default(COLLECT_DEFAULTS.supplementaryIntervalMinutes),
    targetCoverage: z.number().min(0).max(1).default(COLLECT_DEFAULTS.targetCoverage),
    supplementaryDays: z.number().int().min(1).max(62).default(COLLECT_DEFAULTS.supplementaryDays),
    terminalFreezeMinutes: z.number().int().min(0).max(1440).default(COLLECT_DEFAULTS.terminalFreezeMinutes),
    meterEvents: z.union([z.literal(false), METER_EVENTS_SCHEMA]).default({}),
    timeSync: z.union([z.literal(false), TIME_SYNC_SCHEMA]).default({}),
    meterSearch: z.union([z.literal(false), METER_SEARCH_SCHEMA]).default({}),
    curves: z.union([z.literal(false), CURVES_SCHEMA]).default({}),
  })
  .strict()
  .refine((c) => c.cutoffHour * 60 > c.dailyStartMinute, {
    message: "cutoffHour must come after dailyStartMinute",
  });

export type CollectSettings = z.infer<typeof COLLECT_CONFIG_SCHEMA>;

/** The engine tasks' settings (src/collect/engine-tasks.ts) from the start-up file's names. */
export function engineTasksConfig(settings: CollectSettings): EngineTasksConfig {
  const { meterEvents, timeSync, meterSearch, curves } = settings;
  return {
    curves: curves === false ? false : definedOnly(curves),
    meterEvents: meterEvents === false ? false : definedOnly(meterEvents),
    timeSync:
      timeSync === false
        ? false
        : {
            ...definedOnly({
              setMinutes: timeSync.setMinutes,
              eventMinutes: timeSync.eventMinutes,
              setClocks: timeSync.setClocks,
            }),
            // null in the file means "no broadcast": the task's own undefined.
            ...(timeSync.broadcastMinute === undefined
              ? {}
              : { defaultBroadcastMinute: timeSync.broadcastMinute ?? undefined }),
          },
    meterSearch:
      meterSearch === false
        ? false
        : {
            ...definedOnly({
              roundMinutes: meterSearch.roundMinutes,
              sliceMinutes: meterSearch.sliceMinutes,
            }),
            ...(meterSearch.dailyMinute === undefined
              ? {}
              : { dailyMinute: meterSearch.dailyMinute ?? undefined }),
          },
  };
}
