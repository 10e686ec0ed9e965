import type { FnRow } from "./layout.ts";

/**
 * AFN01 reset (shared/protocol/gw1376-1.md §3.8): no data-unit body in either direction; the 16-byte PW of
 * the downlink frame is the frame layer's job, and the terminal answers with AFN00.
 */
export const AFN01_ROWS: readonly FnRow[] = [
  { afn: 0x01, fn: 1, name: "hardware initialisation", pn: "p0", down: [] },
  { afn: 0x01, fn: 2, name: "data-area initialisation", pn: "p0", down: [] },
  { afn: 0x01, fn: 3, name: "parameter and data initialisation (factory defaults)", pn: "p0", down: [] },
  {
    afn: 0x01,
    fn: 4,
    name: "initialisation except master-station communication parameters",
    pn: "p0",
    down: [],
  },
];
