/**
 * AFN0A F10, the meter archive by configuration serial (shared/protocol/gw1376-1.md §4.3.1 [H]): the request
 * selector is `n(2) + n × serial(2)`, the answer `n'(2) + n' × 27-byte entries` for the serials that exist,
 * in request order, byte-exact as AFN04 F10 set them. Serials asked twice are answered once.
 *
 * A frame holds about 73 entries, and one data unit cannot be split across frames (§3.7), so a long answer
 * is sent as several F10 units of at most `ENTRIES_PER_UNIT` entries, one after another in a multi-frame
 * reply; a master concatenates their entries. [M: chained units as for AFN0E; no source says how a real
 * terminal splits an F10 answer. Masters usually ask for fewer serials per request.]
 */
import type { DataItem } from "../../protocol/gw1376-1/data-units.ts";
import { findFnRow } from "../../protocol/gw1376-1/fn-table.ts";
import type { Record_ } from "../../protocol/gw1376-1/layout.ts";
import { decodeBody } from "../../protocol/gw1376-1/layout-codec.ts";
import type { MeterEntry } from "../../store/meters-repo.ts";
import { encodeF10Answer } from "../meter-config.ts";
import type { TerminalCore } from "../terminal-core.ts";

/** 2 + 64 × 27 = 1,730 bytes: one unit fits a 2,048-byte frame with EC and Tp. */
export const ENTRIES_PER_UNIT = 64;

/** The serial numbers of an AFN0A F10 request body (`{ serials: [{ serial }] }`), duplicates removed. */
export function requestedSerials(data: Record_): number[] {
  const list = Array.isArray(data.serials) ? data.serials : [];
  const serials = list
    .map((entry) =>
      typeof entry === "object" && entry !== null ? (entry as { serial?: unknown }).serial : undefined,
    )
    .filter((serial): serial is number => typeof serial === "number");
  return [...new Set(serials)];
}

/** The answer units for one F10 request item (none when no requested serial is configured). */
export function meterArchiveAnswer(core: TerminalCore, item: DataItem): DataItem[] {
  const up = findFnRow(0x0a, 10)?.up;
  if (up === undefined || item.pn !== 0) return [];
  const entries = requestedSerials(item.data)
    .map((serial) => core.store.meters.get(serial))
    .filter((entry): entry is MeterEntry => entry !== undefined);
  const units: DataItem[] = [];
  for (let at = 0; at < entries.length; at += ENTRIES_PER_UNIT) {
    const decoded = decodeBody(up, encodeF10Answer(entries.slice(at, at + ENTRIES_PER_UNIT)), "F10");
    if (decoded.ok) units.push({ pn: 0, fn: 10, data: decoded.value });
  }
  return units;
}
