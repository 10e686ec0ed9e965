/**
 * The terminal's own date, for master verbs whose default is "yesterday" or "last month": a DCU's day is its
 * clock's day (it may be in another time zone than the master, or its clock may be off), so the verbs ask
 * it (AFN0C F2) rather than trust the host's clock. Plain calendar arithmetic, no time zone involved.
 */
import type { MasterStation } from "../../sim/master/master-station.ts";
import { localParts } from "../../store/calendar.ts";

export interface Day {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

const two = (n: number) => String(n).padStart(2, "0");

/** "YYYY-MM-DD" of `n` days before `d` (proleptic Gregorian). */
export function daysBefore(d: Day, n: number): string {
  const t = new Date(Date.UTC(d.year, d.month - 1, d.day - n));
  return `${t.getUTCFullYear()}-${two(t.getUTCMonth() + 1)}-${two(t.getUTCDate())}`;
}

/** "YYYY-MM" of `n` months before `d`. */
export function monthsBefore(d: Day, n: number): string {
  const index = d.year * 12 + (d.month - 1) - n;
  return `${Math.floor(index / 12)}-${two((index % 12) + 1)}`;
}

/** The terminal's date from its A.1 clock text "YYYY-MM-DD hh:mm:ss"; the host's date when it has none. */
export function terminalDay(clock: unknown, utcOffsetMinutes: number): Day {
  const time = (clock as { time?: unknown } | null | undefined)?.time;
  const m = typeof time === "string" ? /^(\d{4})-(\d{2})-(\d{2})/.exec(time) : null;
  if (m === null) return localParts(Date.now(), utcOffsetMinutes);
  return { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
}

/** Asks the terminal for its clock (AFN0C F2) and returns its date; the host's date if it does not say. */
export async function askTerminalDay(station: MasterStation, utcOffsetMinutes: number): Promise<Day> {
  const reply = await station.request(0x0c, [{ pn: 0, fn: 2 }]);
  const f2 = reply.items.find((i) => i.fn === 2)?.data as { clock?: unknown } | undefined;
  return terminalDay(reply.denied ? undefined : f2?.clock, utcOffsetMinutes);
}
