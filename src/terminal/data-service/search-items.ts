/**
 * AFN0C F13 (2013) "meters found by meter search" [L]: the list the meter search keeps
 * (collect/search-results.ts), as F13 units of at most `F13_METERS_PER_UNIT` meters each.
 *
 * One data unit cannot be split across frames (§3.7), so a long list becomes several F13 units, one after
 * another in a multi-frame reply, each with its own count; a master concatenates their entries — the same
 * chaining as AFN0A F10 (handlers/meter-archive-query.ts) and AFN0E (handlers/afn0e-events.ts) [L: no source
 * says how a real terminal splits F13]. An empty list still answers (count 0): "searched, found nothing" is an
 * answer, not a deny.
 */
import { foundMeters } from "../../collect/search-results.ts";
import type { Record_ } from "../../protocol/gw1376-1/layout.ts";
import type { Store } from "../../store/store.ts";

/** 2 + 100 × 14 = 1,402 bytes: one unit fits a 2,048-byte frame with EC and Tp. */
export const F13_METERS_PER_UNIT = 100;

/** The F13 answer bodies, in the order the meters were found. */
export function foundMeterUnits(store: Store, perUnit = F13_METERS_PER_UNIT): Record_[] {
  const meters = foundMeters(store).map(({ address, protocol, collector, port }) => ({
    address,
    protocol,
    collector,
    port,
  }));
  const units: Record_[] = [];
  for (let at = 0; at < meters.length; at += perUnit) units.push({ meters: meters.slice(at, at + perUnit) });
  return units.length === 0 ? [{ meters: [] }] : units;
}
