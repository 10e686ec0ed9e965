/**
 * AFN0D time labels (§4.7) ↔ the store's period keys (store/calendar.ts). The codec gives the labels as text
 * in terminal-local civil time: Td_d "YYYY-MM-DD" (A.20), Td_m "YYYY-MM" (A.21), curve start
 * "YYYY-MM-DD hh:mm" (A.15). A label that is not a real date (or is EE, decoded as null) has no key.
 */
import { isDayKey, isMonthKey } from "../../store/calendar.ts";

/** Td_d text → day key YYYYMMDD. */
export function dayKeyOfTd(td: unknown): number | undefined {
  const m = typeof td === "string" ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(td) : null;
  if (m === null) return undefined;
  const key = Number(m[1]) * 10_000 + Number(m[2]) * 100 + Number(m[3]);
  return isDayKey(key) ? key : undefined;
}

/** Td_m text → month key YYYYMM. */
export function monthKeyOfTd(td: unknown): number | undefined {
  const m = typeof td === "string" ? /^(\d{4})-(\d{2})$/.exec(td) : null;
  if (m === null) return undefined;
  const key = Number(m[1]) * 100 + Number(m[2]);
  return isMonthKey(key) ? key : undefined;
}

/** A.15 text → local minute key (minutes since 1970-01-01 00:00 local, as `minuteKey`). */
export function minuteKeyOfA15(text: unknown): number | undefined {
  const m = typeof text === "string" ? /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})$/.exec(text) : null;
  if (m === null) return undefined;
  const [year, month, day, hour, minute] = m.slice(1).map(Number) as [number, number, number, number, number];
  if (!isDayKey(year * 10_000 + month * 100 + day) || hour > 23 || minute > 59) return undefined;
  return Date.UTC(year, month - 1, day, hour, minute) / 60_000;
}

/** Curve density m (appendix C) → minutes between points; undefined for 0 ("none") and unknown codes. */
export function curveStepMinutes(density: unknown): number | undefined {
  switch (density) {
    case 1:
      return 15;
    case 2:
      return 30;
    case 3:
      return 60;
    case 254:
      return 5;
    case 255:
      return 1;
    default:
      return undefined;
  }
}
