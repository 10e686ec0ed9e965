import type { FnRow } from "./layout.ts";

/** AFN0D data-unit layouts (shared/protocol/gw1376-1.md §4). */
export const AFN0D_ROWS: readonly FnRow[] = [];
