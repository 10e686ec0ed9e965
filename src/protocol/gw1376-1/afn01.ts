import type { FnRow } from "./layout.ts";

/** AFN01 data-unit layouts (shared/protocol/gw1376-1.md §4). */
export const AFN01_ROWS: readonly FnRow[] = [];
