/**
 * The meters the meter search found (collect/meter-search.ts), kept for AFN0C F13 (shared/protocol/gw1376-1.md
 * §4.6 [L]). Decisions, since the reference gives only the answer's shape:
 * - Every meter a probe or a registration window reports is kept, whether or not it is in the archive (the
 *   list answers "what is on the bus", ERC35 answers "what is new"); one entry per (port, address).
 * - Bounded: at most `limit` entries (MeterSearchConfig.maxFoundKept); once full, later finds are counted and
 *   logged by the caller, not kept — the first finds of a round are as useful as the last, and the master can
 *   always start a fresh search.
 * - Cleared when a search the master asked for (AFN05 F149 mode 1 or 2) starts: the list then describes that
 *   search. Daily rounds add to it. Data initialisation (AFN01 F2–F4) clears it too, because it lives in
 *   meter_watch (terminal point 0), which `Store.clearData` empties. AFN05 F150 (reset of the point-changed
 *   flags) does not touch it.
 * - One JSON value, written in the same transaction as the search cursor, so a restart neither loses nor
 *   repeats a find.
 */
import type { Store } from "../store/store.ts";

/** One found meter, in the terms of AFN0C F13 (protocol/gw1376-1/afn0c.ts `F13_FOUND_METER`). */
export interface FoundMeter {
  readonly port: number;
  /** 12 decimal digits. */
  readonly address: string;
  /** AFN04 F10 protocol code: 1 = DL/T 645-1997, 30 = DL/T 645-2007. */
  readonly protocol: number;
  /** Collector the meter is behind, 12 digits; all zeros when none (a search never learns one today). */
  readonly collector: string;
}

/** meter_watch row of the list: terminal point 0 (never a measurement point), key below. */
const POINT = 0;
const KEY = "search.found";
export const NO_COLLECTOR = "000000000000";

const isDigits12 = (v: unknown): v is string => typeof v === "string" && /^\d{12}$/.test(v);
const isInt = (v: unknown, lo: number, hi: number): v is number =>
  typeof v === "number" && Number.isInteger(v) && v >= lo && v <= hi;

/** The stored list; entries that fail the shape check (a damaged row) are left out, not trusted. */
export function foundMeters(store: Store): FoundMeter[] {
  const value = store.meterWatch.get(POINT, KEY);
  if (!Array.isArray(value)) return [];
  return value.filter((e): e is FoundMeter => {
    const m = e as Partial<FoundMeter> | null;
    return (
      typeof m === "object" &&
      m !== null &&
      isInt(m.port, 1, 31) &&
      isDigits12(m.address) &&
      isInt(m.protocol, 0, 255) &&
      isDigits12(m.collector)
    );
  });
}

/**
 * Adds `meters` not yet listed (same port and address), up to `limit` entries in all. Returns how many were
 * added and how many did not fit. Call inside the caller's transaction.
 */
export function recordFound(
  store: Store,
  meters: readonly FoundMeter[],
  limit: number,
  now: number,
): { added: number; overflow: number } {
  const list = foundMeters(store);
  let added = 0;
  let overflow = 0;
  for (const m of meters) {
    if (list.some((e) => e.port === m.port && e.address === m.address)) continue;
    if (list.length >= limit) {
      overflow++;
      continue;
    }
    list.push(m);
    added++;
  }
  if (added > 0) store.meterWatch.set(POINT, KEY, list, now);
  return { added, overflow };
}

/** Forgets the list (a new search the master asked for starts). */
export function clearFound(store: Store): void {
  store.meterWatch.delete(POINT, KEY);
}
