import type { FnRow } from "./layout.ts";

/** AFN05 data-unit layouts (shared/protocol/gw1376-1.md §4). */
export const AFN05_ROWS: readonly FnRow[] = [];
