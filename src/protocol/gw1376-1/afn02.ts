import type { FnRow } from "./layout.ts";

/** AFN02 data-unit layouts (shared/protocol/gw1376-1.md §4). */
export const AFN02_ROWS: readonly FnRow[] = [];
