/**
 * AFN0D item sources, one row per Fn (conventions and row kinds: item-sources.ts). Every per-point Fn of the
 * codec table (protocol/gw1376-1/afn0d.ts) whose request is a Td_d, Td_m or Td_c label is a frozen item in
 * the daily, monthly or curve repo under "0D:F<fn>", unless a row in `ROWS` says otherwise. Terminal-level
 * Fn (F49 supply time, F53/F54 traffic) need a `scope: "terminal"` row to be served; to serve a new Fn, add
 * a row to `ROWS`.
 */
import { AFN0D_ROWS, TD_C, TD_D, TD_M } from "../../protocol/gw1376-1/afn0d.ts";
import type { FnRow } from "../../protocol/gw1376-1/layout.ts";
import { trafficOfDay, trafficOfMonth } from "../handlers/traffic-items.ts";
import { type FrozenItemSource, type TdKind, tableByFn } from "./item-sources.ts";

const ROWS: readonly FrozenItemSource[] = [
  // F49 terminal supply minutes and reset count for one day (p0): the core's supply accounting.
  { fn: 49, scope: "terminal", label: "d", read: ({ core }, day) => core.supply.day(day) },
  // F53 / F54 traffic with the master for one day / one month (p0).
  { fn: 53, scope: "terminal", label: "d", read: ({ core }, _day, td) => trafficOfDay(core, td.Td_d)?.data },
  {
    fn: 54,
    scope: "terminal",
    label: "m",
    read: ({ core }, _month, td) => trafficOfMonth(core, td.Td_m)?.data,
  },
];

/** Terminal-level class-2 Fn: not per-point data, so they are served only through a `ROWS` entry. */
const TERMINAL_FNS: ReadonlySet<number> = new Set([49, 53, 54]);

function labelOf(row: FnRow): TdKind | undefined {
  if (row.down === TD_D) return "d";
  if (row.down === TD_M) return "m";
  if (row.down === TD_C) return "c";
  return undefined;
}

const written = new Set(ROWS.map((row) => row.fn));

const derived: FrozenItemSource[] = [];
for (const row of AFN0D_ROWS) {
  const label = labelOf(row);
  if (label === undefined || written.has(row.fn) || TERMINAL_FNS.has(row.fn)) continue;
  derived.push({ fn: row.fn, scope: "point", label });
}

/** Every AFN0D Fn the terminal answers. */
export const AFN0D_SOURCES: ReadonlyMap<number, FrozenItemSource> = tableByFn(
  [...ROWS, ...derived],
  "AFN0D sources",
);
