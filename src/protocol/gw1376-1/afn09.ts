import type { FnRow } from "./layout.ts";

/** AFN09 data-unit layouts (shared/protocol/gw1376-1.md §4). */
export const AFN09_ROWS: readonly FnRow[] = [];
