/**
 * Tp time labels (shared/protocol/gw1376-1.md §2.4 [H]): `PFC | ss mm hh DD | delay minutes`. A receiver
 * drops a frame whose send time is `delay` minutes or more in the past (delay 0 = no check). Only
 * day/hour/minute/second travel, so the send time is placed in the current or the previous month.
 */

import type { TimeLabel } from "../protocol/gw1376-1/frame.ts";
import { localParts } from "../store/calendar.ts";

const DAY_S = 86_400;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Seconds between the label's send time and `nowMs` (negative when the label is in the future). */
export function timeLabelAgeSeconds(tp: TimeLabel, nowMs: number, utcOffsetMinutes: number): number {
  const now = localParts(nowMs, utcOffsetMinutes);
  const nowS = now.day * DAY_S + now.hour * 3600 + now.minute * 60 + now.second;
  const sentS = tp.day * DAY_S + tp.hour * 3600 + tp.minute * 60 + tp.second;
  let age = nowS - sentS;
  // A day-of-month larger than today's belongs to the previous month (unless it is only slightly ahead:
  // a master clock a little fast is "future", not "a month old").
  if (age < -DAY_S) {
    const prevMonth = now.month === 1 ? 12 : now.month - 1;
    const prevYear = now.month === 1 ? now.year - 1 : now.year;
    age += daysInMonth(prevYear, prevMonth) * DAY_S;
  }
  return age;
}

/** True when the frame must be silently discarded (§2.4, NUC `Uart_376_Tp`). */
export function isTimeLabelStale(tp: TimeLabel, nowMs: number, utcOffsetMinutes: number): boolean {
  if (tp.delay === 0) return false;
  return timeLabelAgeSeconds(tp, nowMs, utcOffsetMinutes) >= tp.delay * 60;
}

/** A label for a frame sent now. */
export function makeTimeLabel(
  pfc: number,
  nowMs: number,
  utcOffsetMinutes: number,
  delay: number,
): TimeLabel {
  const t = localParts(nowMs, utcOffsetMinutes);
  return {
    pfc: pfc & 0xff,
    day: t.day,
    hour: t.hour,
    minute: t.minute,
    second: t.second,
    delay: delay & 0xff,
  };
}
