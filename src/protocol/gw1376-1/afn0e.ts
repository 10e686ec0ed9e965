/**
 * AFN0E — class-3 data (events), shared/protocol/gw1376-1.md §3.6 and §4.8. The records themselves are the
 * ERC table's (erc.ts); these rows only frame them.
 */

import { bin } from "./afn0c.ts";
import { ERC_RECORDS_COUNTED, ERC_RECORDS_TO_END } from "./erc.ts";
import type { Field, FnRow } from "./layout.ts";

/** F1/F2 request: start pointer Pm (inclusive) and end pointer Pn (exclusive) into the 256-entry log. */
const POINTERS: readonly Field[] = [bin("pm", 1), bin("pn", 1)];

/** F1/F2 answer: current counters EC1 EC2, the pointers this answer covers, then the records. */
const EVENTS_ANSWER: readonly Field[] = [
  bin("ec1", 1),
  bin("ec2", 1),
  ...POINTERS,
  { name: "records", type: "custom", codec: ERC_RECORDS_TO_END },
];

/** AFN0E data-unit layouts (shared/protocol/gw1376-1.md §4.8). */
export const AFN0E_ROWS: readonly FnRow[] = [
  { afn: 0x0e, fn: 1, name: "important events", pn: "p0", down: POINTERS, up: EVENTS_ANSWER },
  { afn: 0x0e, fn: 2, name: "general events", pn: "p0", down: POINTERS, up: EVENTS_ANSWER },
  {
    afn: 0x0e,
    fn: 3,
    name: "events by ERC",
    pn: "p0",
    // n = 0 asks for all stored records of that ERC (NUC; GWL also decodes F3). [M]
    down: [bin("erc", 1), bin("count", 1)],
    up: [{ name: "records", type: "custom", codec: ERC_RECORDS_COUNTED }],
    confidence: "M",
  },
];
