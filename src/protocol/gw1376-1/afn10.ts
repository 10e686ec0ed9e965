import type { FnRow } from "./layout.ts";

/** AFN10 data-unit layouts (shared/protocol/gw1376-1.md §4). */
export const AFN10_ROWS: readonly FnRow[] = [];
