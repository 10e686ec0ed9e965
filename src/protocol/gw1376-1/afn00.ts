import type { FnRow } from "./layout.ts";

/** AFN00 data-unit layouts (shared/protocol/gw1376-1.md §4). */
export const AFN00_ROWS: readonly FnRow[] = [];
