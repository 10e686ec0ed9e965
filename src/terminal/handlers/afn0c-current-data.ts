/**
 * AFN0C class-1 data (shared/protocol/gw1376-1.md §4.6): terminal items and stored per-point readings, read
 * live when stale and the reading engine is present. What is served, Fn by Fn, is the table in
 * data-service/current-sources.ts; how, is data-service/current-data.ts.
 */

import { serveCurrentData } from "../data-service/current-data.ts";
import { AFN0C_SOURCES } from "../data-service/current-sources.ts";
import type { AfnHandler } from "./handler.ts";

/** Class-1 Fn answered (the dispatcher and AFN09 F6 use this list). */
export const AFN0C_FNS: readonly number[] = [...AFN0C_SOURCES.keys()].sort((a, b) => a - b);

export const handleAfn0C: AfnHandler = async ({
  core,
  items,
  field,
  logger,
  livePolicy,
  reportingAllowedByDefault,
}) => ({
  kind: "data",
  items: await serveCurrentData(
    {
      core,
      ...(field === undefined ? {} : { field }),
      ...(logger === undefined ? {} : { logger }),
      ...(reportingAllowedByDefault === undefined ? {} : { reportingAllowedByDefault }),
    },
    items,
    livePolicy === undefined ? {} : { policy: livePolicy },
  ),
});
