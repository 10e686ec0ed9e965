/**
 * When a timed report task is due (AFN04 F65/F66, shared/protocol/gw1376-1.md §4.3 [H layout], §3.5 [M]):
 * the task's period byte is `D7..D6 unit (0 minute, 1 hour, 2 day, 3 month) | D5..D0 value`, and its
 * reports fall on the base time (A.1) plus whole periods. Months are calendar months in terminal-local time;
 * a base day beyond the end of a shorter month falls on that month's last day. Pure functions, no clock.
 */
import { fromLocalParts, type LocalParts, localParts } from "../../store/calendar.ts";

export type PeriodUnit = 0 | 1 | 2 | 3;

export interface TaskPeriod {
  readonly unit: PeriodUnit;
  /** 1..63; 0 is not a period (such a task never runs). */
  readonly value: number;
}

const UNIT_MS: Readonly<Record<Exclude<PeriodUnit, 3>, number>> = { 0: 60_000, 1: 3_600_000, 2: 86_400_000 };

/** The period in minutes (a month counts as 30 days: used only for sizing curve windows). */
export function periodMinutes(period: TaskPeriod): number {
  return period.unit === 3 ? period.value * 30 * 1440 : (period.value * UNIT_MS[period.unit]) / 60_000;
}

/** The latest due time at or before `now`, or undefined before the base time or for a zero period. */
export function latestDue(
  baseMs: number,
  period: TaskPeriod,
  now: number,
  utcOffsetMinutes: number,
): number | undefined {
  if (period.value < 1 || now < baseMs) return undefined;
  if (period.unit !== 3) {
    const step = period.value * UNIT_MS[period.unit];
    return baseMs + Math.floor((now - baseMs) / step) * step;
  }
  const base = localParts(baseMs, utcOffsetMinutes);
  const at = localParts(now, utcOffsetMinutes);
  let k = Math.floor(((at.year - base.year) * 12 + (at.month - base.month)) / period.value);
  let due = addMonths(base, k * period.value, utcOffsetMinutes);
  while (k > 0 && due > now) {
    k--;
    due = addMonths(base, k * period.value, utcOffsetMinutes);
  }
  return due;
}

function addMonths(base: LocalParts, months: number, utcOffsetMinutes: number): number {
  const index = base.year * 12 + (base.month - 1) + months;
  const year = Math.floor(index / 12);
  const month = (index % 12) + 1;
  const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return fromLocalParts(
    {
      year,
      month,
      day: Math.min(base.day, lastDay),
      hour: base.hour,
      minute: base.minute,
      second: base.second,
    },
    utcOffsetMinutes,
  );
}
