/**
 * AFN0A query parameters (shared/protocol/gw1376-1.md §4.3): the answer body of Fn is the stored AFN04 body,
 * byte for byte; units never set are left out (§2.3), and nothing at all becomes a deny. F10 (the meter
 * archive) is answered per requested serial (meter-archive-query.ts).
 */
import type { DataItem } from "../../protocol/gw1376-1/data-units.ts";
import { findFnRow } from "../../protocol/gw1376-1/fn-table.ts";
import { decodeBody } from "../../protocol/gw1376-1/layout-codec.ts";
import type { AfnHandler } from "./handler.ts";
import { meterArchiveAnswer } from "./meter-archive-query.ts";

export const handleAfn0A: AfnHandler = ({ core, items }) => {
  const answers: DataItem[] = [];
  for (const item of items) {
    if (item.fn === 10) {
      answers.push(...meterArchiveAnswer(core, item));
      continue;
    }
    const up = findFnRow(0x0a, item.fn)?.up;
    if (up === undefined) continue;
    const stored = core.parameters.get(item.fn, item.pn);
    if (stored === undefined) continue;
    const decoded = decodeBody(up, stored, `F${item.fn}`);
    if (decoded.ok) answers.push({ pn: item.pn, fn: item.fn, data: decoded.value });
  }
  return { kind: "data", items: answers };
};
