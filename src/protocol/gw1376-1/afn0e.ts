import type { FnRow } from "./layout.ts";

/** AFN0E data-unit layouts (shared/protocol/gw1376-1.md §4). */
export const AFN0E_ROWS: readonly FnRow[] = [];
