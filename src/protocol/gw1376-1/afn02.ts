import type { FnRow } from "./layout.ts";
import { optionalTrailingFormat } from "./layout-codec.ts";

/**
 * AFN02 link interface check, sent by the terminal (shared/protocol/gw1376-1.md §3.2). Login and logout carry
 * no body. The heartbeat body is empty in 2009-era stacks and a 6-byte A.1 terminal clock in 2013-era ones
 * (§0 [M-H]); one optional trailing A.1 field decodes both: `clock` is `null` when absent (the heartbeat is
 * always the only unit of its frame, so "nothing left" is unambiguous).
 */
export const HEARTBEAT_CLOCK = optionalTrailingFormat("A.1");

export const AFN02_ROWS: readonly FnRow[] = [
  { afn: 0x02, fn: 1, name: "login", pn: "p0", up: [] },
  { afn: 0x02, fn: 2, name: "logout", pn: "p0", up: [] },
  {
    afn: 0x02,
    fn: 3,
    name: "heartbeat",
    pn: "p0",
    up: [{ name: "clock", type: "custom", codec: HEARTBEAT_CLOCK }],
  },
];
