/**
 * The master's switch for active reporting (shared/protocol/gw1376-1.md §3.5, §4.4 [H]): AFN05 F29 allows,
 * F37 forbids; the AFN05 handler stores 0x55 / 0xAA like NUC. Before either was ever sent the start-up file
 * decides (`reporting.allowedByDefault`, default off: the reference gives no factory value [L]).
 */
import type { Store } from "../../store/store.ts";
import { REPORTING_ALLOWED_KEY } from "../handlers/afn05-control.ts";

export function activeReportingAllowed(store: Store, byDefault: boolean): boolean {
  const value = store.kv.get(REPORTING_ALLOWED_KEY);
  if (value === 0x55) return true;
  if (value === 0xaa) return false;
  return byDefault;
}
