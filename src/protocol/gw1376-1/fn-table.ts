/**
 * The one table of Q/GDW 1376.1 data-unit layouts: every supported (AFN, Fn) and its body in each direction.
 * Rows live in `afnXX.ts` files grouped by AFN; this file only indexes them.
 */

import { AFN0B_ROWS } from "./afn0b.ts";
import { AFN0C_ROWS } from "./afn0c.ts";
import { AFN0D_ROWS } from "./afn0d.ts";
import { AFN0E_ROWS } from "./afn0e.ts";
import { AFN0F_ROWS } from "./afn0f.ts";
import { AFN00_ROWS } from "./afn00.ts";
import { AFN01_ROWS } from "./afn01.ts";
import { AFN02_ROWS } from "./afn02.ts";
import { AFN04_ROWS } from "./afn04.ts";
import { AFN05_ROWS } from "./afn05.ts";
import { AFN09_ROWS } from "./afn09.ts";
import { AFN10_ROWS } from "./afn10.ts";
import type { FnRow } from "./layout.ts";

export const ALL_FN_ROWS: readonly FnRow[] = [
  ...AFN00_ROWS,
  ...AFN01_ROWS,
  ...AFN02_ROWS,
  ...AFN04_ROWS,
  ...AFN05_ROWS,
  ...AFN09_ROWS,
  ...AFN0B_ROWS,
  ...AFN0C_ROWS,
  ...AFN0D_ROWS,
  ...AFN0E_ROWS,
  ...AFN0F_ROWS,
  ...AFN10_ROWS,
];

const byKey = new Map<number, FnRow>();
for (const row of ALL_FN_ROWS) {
  const key = (row.afn << 16) | row.fn;
  if (byKey.has(key)) throw new Error(`duplicate 1376.1 table row AFN${row.afn.toString(16)} F${row.fn}`);
  byKey.set(key, row);
}

/** The layout row of (AFN, Fn), or undefined when the Fn is not in the table. */
export function findFnRow(afn: number, fn: number): FnRow | undefined {
  return byKey.get((afn << 16) | fn);
}
