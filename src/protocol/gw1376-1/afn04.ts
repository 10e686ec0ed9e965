import type { FnRow } from "./layout.ts";

/** AFN04 data-unit layouts (shared/protocol/gw1376-1.md §4). */
export const AFN04_ROWS: readonly FnRow[] = [];
