import type { FnRow } from "./layout.ts";

/** AFN0C data-unit layouts (shared/protocol/gw1376-1.md §4). */
export const AFN0C_ROWS: readonly FnRow[] = [];
