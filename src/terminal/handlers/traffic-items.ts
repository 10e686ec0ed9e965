/**
 * Traffic with the master as data items (shared/protocol/gw1376-1.md §4.6–§4.7 [H]): AFN0C F10 today and
 * this month, AFN0D F53 one day and F54 one month, each BIN 4 bytes (up + down). The uplink's traffic
 * meter flushes its counts to the store before such a query is dispatched, so the store is exact here.
 */
import type { DataItem } from "../../protocol/gw1376-1/data-units.ts";
import { addDays, addMonths, dayKey, monthKey } from "../../store/calendar.ts";
import { DAILY_KEEP_DAYS, MONTHLY_KEEP_MONTHS } from "../../store/frozen-repo.ts";
import type { TrafficTotals } from "../../store/traffic-repo.ts";
import type { TerminalCore } from "../terminal-core.ts";

const BIN4_MAX = 0xffff_ffff;

function bytes(totals: TrafficTotals): number {
  return Math.min(BIN4_MAX, totals.upBytes + totals.downBytes);
}

/** AFN0C F10 (p0): bytes today and this month. */
export function trafficNow(core: TerminalCore): DataItem {
  const traffic = core.store.traffic;
  return {
    pn: 0,
    fn: 10,
    data: { todayBytes: bytes(traffic.today()), monthBytes: bytes(traffic.thisMonth()) },
  };
}

/** AFN0D F53 (Td_d "YYYY-MM-DD"): undefined for a day in the future or beyond retention. */
export function trafficOfDay(core: TerminalCore, tdD: unknown): DataItem | undefined {
  if (typeof tdD !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(tdD)) return undefined;
  const day = Number(tdD.replaceAll("-", ""));
  const today = dayKey(core.clock.now(), core.utcOffsetMinutes);
  if (day > today || day < addDays(today, -(DAILY_KEEP_DAYS - 1))) return undefined;
  return { pn: 0, fn: 53, data: { Td_d: tdD, trafficBytes: bytes(core.store.traffic.day(day)) } };
}

/** AFN0D F54 (Td_m "YYYY-MM"): undefined for a month in the future or beyond retention. */
export function trafficOfMonth(core: TerminalCore, tdM: unknown): DataItem | undefined {
  if (typeof tdM !== "string" || !/^\d{4}-\d{2}$/.test(tdM)) return undefined;
  const month = Number(tdM.replaceAll("-", ""));
  const current = monthKey(core.clock.now(), core.utcOffsetMinutes);
  if (month > current || month < addMonths(current, -(MONTHLY_KEEP_MONTHS - 1))) return undefined;
  return { pn: 0, fn: 54, data: { Td_m: tdM, trafficBytes: bytes(core.store.traffic.month(month)) } };
}
