import type { FnRow } from "./layout.ts";

/**
 * AFN0B request task data (shared/protocol/gw1376-1.md §2.1, §4.11 [L]): F1 asks for class-1 task pn, F2 for
 * class-2 task pn (pn = the task number of AFN04 F65 / F66). The request carries DA/DT only.
 *
 * The answer is the task's data units, which are AFN0C (F1) or AFN0D (F2) units: this terminal sends them in
 * an AFN0C / AFN0D frame (terminal/handlers/afn0b-task-data.ts), so no AFN0B uplink body is declared. [L:
 * whether a real terminal answers under AFN 0B instead is not known; an AFN 0B frame carrying F129 or F161
 * units could not be decoded without knowing the request, because AFN0C and AFN0D number their Fn alike.]
 */
export const AFN0B_ROWS: readonly FnRow[] = [
  { afn: 0x0b, fn: 1, name: "request class-1 task data", pn: "task", down: [], confidence: "L" },
  { afn: 0x0b, fn: 2, name: "request class-2 task data", pn: "task", down: [], confidence: "L" },
];
