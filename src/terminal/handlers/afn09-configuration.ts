/** AFN09 terminal configuration (shared/protocol/gw1376-1.md §4.5): F1 version. Other Fn: not in this slice. */
import type { DataItem } from "../../protocol/gw1376-1/data-units.ts";
import { findFnRow } from "../../protocol/gw1376-1/fn-table.ts";
import { decodeBody } from "../../protocol/gw1376-1/layout-codec.ts";
import type { AfnHandler } from "./handler.ts";

export const handleAfn09: AfnHandler = ({ core, items }) => {
  const answers: DataItem[] = [];
  for (const item of items) {
    if (item.fn !== 1 || item.pn !== 0) continue;
    const up = findFnRow(0x09, 1)?.up;
    if (up === undefined) continue;
    const decoded = decodeBody(up, core.versionBody(), "F1");
    if (decoded.ok) answers.push({ pn: 0, fn: 1, data: decoded.value });
  }
  return { kind: "data", items: answers };
};
