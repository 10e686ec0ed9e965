/**
 * Terminal-local calendar keys. The master speaks local civil time (A.1/A.15/A.20 carry no zone), so the
 * store files frozen data under the terminal's local date: epoch ms shifted by a fixed UTC offset.
 *   day key   = YYYYMMDD (e.g. 20261126)
 *   month key = YYYYMM   (e.g. 202611)
 *   minute key = local minutes since 1970-01-01 00:00 (curves)
 */
const MS_PER_DAY = 86_400_000;

export interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** 1 = Monday … 7 = Sunday (A.1 week digit). */
  weekday: number;
}

export function localParts(epochMs: number, utcOffsetMinutes: number): LocalParts {
  const d = new Date(epochMs + utcOffsetMinutes * 60_000);
  const wd = d.getUTCDay();
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    weekday: wd === 0 ? 7 : wd,
  };
}

/** Local calendar fields → epoch ms. */
export function fromLocalParts(parts: Omit<LocalParts, "weekday">, utcOffsetMinutes: number): number {
  return (
    Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second) -
    utcOffsetMinutes * 60_000
  );
}

export function dayKey(epochMs: number, utcOffsetMinutes: number): number {
  const p = localParts(epochMs, utcOffsetMinutes);
  return p.year * 10_000 + p.month * 100 + p.day;
}

export function monthKey(epochMs: number, utcOffsetMinutes: number): number {
  const p = localParts(epochMs, utcOffsetMinutes);
  return p.year * 100 + p.month;
}

export function minuteKey(epochMs: number, utcOffsetMinutes: number): number {
  return Math.floor((epochMs + utcOffsetMinutes * 60_000) / 60_000);
}

/** The day key `n` days after (negative: before) `key`. */
export function addDays(key: number, n: number): number {
  const y = Math.floor(key / 10_000);
  const m = Math.floor(key / 100) % 100;
  const d = key % 100;
  const t = Date.UTC(y, m - 1, d) + n * MS_PER_DAY;
  const x = new Date(t);
  return x.getUTCFullYear() * 10_000 + (x.getUTCMonth() + 1) * 100 + x.getUTCDate();
}

/** The month key `n` months after (negative: before) `key`. */
export function addMonths(key: number, n: number): number {
  const index = Math.floor(key / 100) * 12 + ((key % 100) - 1) + n;
  return Math.floor(index / 12) * 100 + (index % 12) + 1;
}

/** True for a plausible YYYYMMDD key. */
export function isDayKey(key: number): boolean {
  if (!Number.isInteger(key)) return false;
  const y = Math.floor(key / 10_000);
  const m = Math.floor(key / 100) % 100;
  const d = key % 100;
  if (y < 2000 || y > 2099 || m < 1 || m > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
}

export function isMonthKey(key: number): boolean {
  if (!Number.isInteger(key)) return false;
  const y = Math.floor(key / 100);
  const m = key % 100;
  return y >= 2000 && y <= 2099 && m >= 1 && m <= 12;
}
