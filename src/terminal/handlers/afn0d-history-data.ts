/** AFN0D class-2 (historical) data (shared/protocol/gw1376-1.md §4.7): F53/F54 traffic. Frozen meter data: later slices. */
import type { DataItem } from "../../protocol/gw1376-1/data-units.ts";
import type { AfnHandler } from "./handler.ts";
import { trafficOfDay, trafficOfMonth } from "./traffic-items.ts";

/** Class-2 Fn answered (the dispatcher and AFN09 F7 use this list). */
export const AFN0D_FNS: readonly number[] = [53, 54];

export const handleAfn0D: AfnHandler = ({ core, items }) => {
  const answers: DataItem[] = [];
  for (const item of items) {
    if (item.pn !== 0) continue;
    const data = item.data as { Td_d?: unknown; Td_m?: unknown };
    const answer =
      item.fn === 53
        ? trafficOfDay(core, data.Td_d)
        : item.fn === 54
          ? trafficOfMonth(core, data.Td_m)
          : undefined;
    if (answer !== undefined) answers.push(answer);
  }
  return { kind: "data", items: answers };
};
