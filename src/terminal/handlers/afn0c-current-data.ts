/**
 * AFN0C class-1 data (shared/protocol/gw1376-1.md §4.6): F2 terminal clock (A.1), F10 traffic with the
 * master. Meter data: later slices.
 */

import type { DataItem } from "../../protocol/gw1376-1/data-units.ts";
import { FORMATS } from "../../protocol/gw1376-1/formats.ts";
import { encodeA1 } from "../local-time.ts";
import type { AfnHandler } from "./handler.ts";
import { trafficNow } from "./traffic-items.ts";

/** Class-1 Fn answered (the dispatcher and AFN09 F6 use this list). */
export const AFN0C_FNS: readonly number[] = [2, 10];

export const handleAfn0C: AfnHandler = ({ core, items }) => {
  const answers: DataItem[] = [];
  for (const item of items) {
    if (item.fn === 2 && item.pn === 0) {
      const clock = FORMATS["A.1"].decode(encodeA1(core.clock.now(), core.utcOffsetMinutes));
      answers.push({ pn: 0, fn: 2, data: { clock: clock ?? null } });
    } else if (item.fn === 10 && item.pn === 0) {
      answers.push(trafficNow(core));
    }
  }
  return { kind: "data", items: answers };
};
