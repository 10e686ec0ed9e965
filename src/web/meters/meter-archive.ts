/**
 * Reading and changing the meter archive for the web interface. Reads come from the store; every change is
 * one AFN04 F10 unit given to the parameter service (the same path as a master's AFN04 F10: validation,
 * duplicate checks against the archive, capacity, one transaction, ERC3 audit with master address 0).
 */
import type { MeterEntry } from "../../store/meters-repo.ts";
import { F10, PARAM_DUPLICATE, PARAM_OK } from "../../terminal/parameter-service.ts";
import type { TerminalCore } from "../../terminal/terminal-core.ts";
import { HttpError } from "../route-table.ts";
import { f10Body, type MeterForm, meterToForm } from "./meter-form.ts";

/** ERC3 names the master that changed parameters; 0 = not a master (the local interface). */
export const LOCAL_MSA = 0;

export interface MeterQuery {
  /** Matched against serial, point, address and collector (substring). */
  readonly search?: string | undefined;
  readonly port?: number | undefined;
  readonly offset: number;
  readonly limit: number;
}

export interface MeterPage {
  readonly total: number;
  readonly offset: number;
  readonly limit: number;
  readonly meters: readonly MeterForm[];
}

function matches(entry: MeterEntry, search: string): boolean {
  return (
    String(entry.serial) === search ||
    String(entry.point) === search ||
    entry.address.includes(search) ||
    (entry.collector !== "000000000000" && entry.collector.includes(search))
  );
}

/** At most 2,040 entries: filtering in memory is simpler than SQL and fast enough. */
export function searchMeters(core: TerminalCore, query: MeterQuery): MeterPage {
  const search = query.search?.trim() ?? "";
  const all = core.store.meters
    .list()
    .filter(
      (e) => (query.port === undefined || e.port === query.port) && (search === "" || matches(e, search)),
    );
  return {
    total: all.length,
    offset: query.offset,
    limit: query.limit,
    meters: all.slice(query.offset, query.offset + query.limit).map(meterToForm),
  };
}

export function getMeter(core: TerminalCore, serial: number): MeterForm {
  const entry = core.store.meters.get(serial);
  if (entry === undefined) throw new HttpError(404, "not-found", `no meter with serial ${serial}`, "serial");
  return meterToForm(entry);
}

/** Which input field a parameter-service refusal is about (its reasons name the F10 field). */
function fieldOfReason(reason: string): string | undefined {
  if (/address/.test(reason)) return "address";
  if (/\bpn\b|\.pn\b/.test(reason)) return "point";
  if (/ratePort|port/.test(reason)) return "port";
  if (/serial/.test(reason)) return "serial";
  if (/collector/.test(reason)) return "collector";
  return undefined;
}

/** Stores `forms` (and deletes `deletions`) as one F10 unit; throws 400/409 naming the field on refusal. */
export function saveMeters(
  core: TerminalCore,
  forms: readonly MeterForm[],
  deletions: readonly MeterForm[] = [],
): void {
  let body: Uint8Array;
  try {
    body = f10Body(forms, deletions);
  } catch (error) {
    throw new HttpError(400, "validation", String((error as Error).message), fieldOfReason(String(error)));
  }
  const [result] = core.parameters.set([{ fn: F10, pn: 0, body }], LOCAL_MSA);
  if (result === undefined || result.err === PARAM_OK) return;
  const reason = result.reason ?? "refused";
  if (result.err === PARAM_DUPLICATE) throw new HttpError(409, "duplicate", reason, fieldOfReason(reason));
  throw new HttpError(400, "refused", reason, fieldOfReason(reason));
}
