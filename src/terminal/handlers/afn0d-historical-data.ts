/**
 * AFN0D class-2 data (shared/protocol/gw1376-1.md §4.7): daily, monthly and curve items from the frozen
 * store, each answer carrying the request's time label. What is served, Fn by Fn, is the table in
 * data-service/frozen-sources.ts; how, is data-service/frozen-data.ts.
 */
import { serveFrozenData } from "../data-service/frozen-data.ts";
import { AFN0D_SOURCES } from "../data-service/frozen-sources.ts";
import type { AfnHandler } from "./handler.ts";

/** Class-2 Fn answered (the dispatcher and AFN09 F7 use this list). */
export const AFN0D_FNS: readonly number[] = [...AFN0D_SOURCES.keys()].sort((a, b) => a - b);

export const handleAfn0D: AfnHandler = async ({ core, items, field, logger }) => ({
  kind: "data",
  items: await serveFrozenData(
    { core, ...(field === undefined ? {} : { field }), ...(logger === undefined ? {} : { logger }) },
    items,
  ),
});
