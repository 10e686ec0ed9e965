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
 */
import { z } from "zod";
import { DEFAULT_COLLECT_CONFIG } from "../collect/engine.ts";

const d = DEFAULT_COLLECT_CONFIG;

export const COLLECT_DEFAULTS = {
  enabled: true,
  dailyStartMinute: d.dailyStartMinute,
  cutoffHour: d.cutoffHour,
  supplementaryIntervalMinutes: d.supplementaryIntervalMinutes,
  targetCoverage: d.targetCoverage,
  supplementaryDays: d.supplementaryDays,
  terminalFreezeMinutes: d.terminalFreezeMinutes,
} as const;

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
  })
  .refine((c) => c.cutoffHour * 60 > c.dailyStartMinute, {
    message: "cutoffHour must come after dailyStartMinute",
  });

export type CollectSettings = z.infer<typeof COLLECT_CONFIG_SCHEMA>;
