/**
 * A stored value is only served when the codec can encode it for the uplink: one malformed row (written by
 * an older engine, or by hand) must cost one missing item, not the whole answer (the uplink would deny a
 * reply it cannot encode).
 */
import type { Logger } from "../../common/logger.ts";
import type { DataItem } from "../../protocol/gw1376-1/data-units.ts";
import { findFnRow } from "../../protocol/gw1376-1/fn-table.ts";
import type { Record_ } from "../../protocol/gw1376-1/layout.ts";
import { encodeBody } from "../../protocol/gw1376-1/layout-codec.ts";

/** True for a JSON object (the shape every data-unit body decodes to). */
export function isRecord(value: unknown): value is Record_ {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The item when its body encodes with the (AFN, Fn) uplink layout; otherwise undefined, logged. */
export function encodableItem(
  afn: number,
  pn: number,
  fn: number,
  data: unknown,
  logger: Logger | undefined,
): DataItem | undefined {
  const up = findFnRow(afn, fn)?.up;
  if (up === undefined || !isRecord(data)) {
    logger?.warn({ afn, pn, fn }, "stored item is not a data object; left out");
    return undefined;
  }
  try {
    encodeBody(up, data);
  } catch (error) {
    logger?.warn({ afn, pn, fn, error: String(error) }, "stored item does not encode; left out");
    return undefined;
  }
  return { pn, fn, data };
}
