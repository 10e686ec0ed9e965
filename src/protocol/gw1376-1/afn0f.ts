import type { FnRow } from "./layout.ts";

/** AFN0F data-unit layouts (shared/protocol/gw1376-1.md §4). */
export const AFN0F_ROWS: readonly FnRow[] = [];
