/**
 * Period arithmetic on the store's calendar keys (day key YYYYMMDD, month key YYYYMM) and the terminal's local
 * time, for the engine's "which day / month is due" decisions.
 */
import { addDays, addMonths, dayKey, localParts, monthKey } from "../store/calendar.ts";

export type FrozenKind = "daily" | "monthly";

const utcOfDay = (key: number): number =>
  Date.UTC(Math.floor(key / 10_000), (Math.floor(key / 100) % 100) - 1, key % 100);

/** Whole days from day key `b` to day key `a` (a − b). */
export function daysBetween(a: number, b: number): number {
  return Math.round((utcOfDay(a) - utcOfDay(b)) / 86_400_000);
}

/** Whole months from month key `b` to month key `a` (a − b). */
export function monthsBetween(a: number, b: number): number {
  return Math.floor(a / 100) * 12 + (a % 100) - (Math.floor(b / 100) * 12 + (b % 100));
}

export function periodDistance(kind: FrozenKind, newer: number, older: number): number {
  return kind === "daily" ? daysBetween(newer, older) : monthsBetween(newer, older);
}

export function shiftPeriod(kind: FrozenKind, period: number, n: number): number {
  return kind === "daily" ? addDays(period, n) : addMonths(period, n);
}

/** The period that closed most recently at `now`: yesterday's day key, or last month's month key. */
export function lastClosed(kind: FrozenKind, now: number, utcOffsetMinutes: number): number {
  return kind === "daily"
    ? addDays(dayKey(now, utcOffsetMinutes), -1)
    : addMonths(monthKey(now, utcOffsetMinutes), -1);
}

/** Minutes after local midnight. */
export function minuteOfDay(now: number, utcOffsetMinutes: number): number {
  const p = localParts(now, utcOffsetMinutes);
  return p.hour * 60 + p.minute;
}

/**
 * The period a terminal freeze (current values read in place of a meter record the meter does not keep) may
 * still be taken for: the one that closed last, and only within `limitMinutes` after it closed — later
 * values would no longer be that period's [M]. Undefined outside that time.
 */
export function terminalFreezePeriod(
  kind: FrozenKind,
  now: number,
  utcOffsetMinutes: number,
  limitMinutes: number,
): number | undefined {
  const p = localParts(now, utcOffsetMinutes);
  const sinceClose = (kind === "daily" ? 0 : (p.day - 1) * 1440) + p.hour * 60 + p.minute;
  return sinceClose < limitMinutes ? lastClosed(kind, now, utcOffsetMinutes) : undefined;
}
