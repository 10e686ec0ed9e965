/**
 * The data service: how the terminal produces the AFN0C (current) and AFN0D (historical) items a master asks
 * for. There is ONE ROW PER Fn in two tables, `AFN0C_SOURCES` (current-sources.ts) and `AFN0D_SOURCES`
 * (frozen-sources.ts); the handlers only walk the request and look rows up. Serving a new Fn is adding a row:
 *
 *   { fn, scope: "terminal", read(ctx) }      p0 item computed now from the terminal core / store
 *   { fn, scope: "point" }                    AFN0C: per-point item from the readings repo (+ live read)
 *   { fn, scope: "point", label: "d"|"m"|"c" } AFN0D: per-point frozen item from the daily / monthly / curve repo
 *   { fn, scope: "terminal", label, read(ctx, period, td) }  AFN0D p0 item for one day / month (traffic)
 *
 * Storage convention (the reading engine writes, these rows read):
 *   - A stored value is EXACTLY the data object the 1376.1 codec decodes / encodes for that (AFN, Fn) in the
 *     uplink direction (the `up` layout of protocol/gw1376-1/afn0c.ts, afn0d.ts), as plain JSON.
 *   - AFN0C per-point items: readings repo, item key "0C:F<fn>" (`itemKey(0x0c, fn)`), point = pn,
 *     readAt = terminal time of the read.
 *   - AFN0D items: item key "0D:F<fn>"; the stored value is the `up` object WITHOUT its time-label fields,
 *     and the store period is the Td:
 *       Td_d → daily repo,   period = day key YYYYMMDD     (served as { Td_d: "YYYY-MM-DD", ...value })
 *       Td_m → monthly repo, period = month key YYYYMM     (served as { Td_m: "YYYY-MM", ...value })
 *       Td_c → curves repo,  period = local minute key of ONE curve point, value = one entry of the curve's
 *              `values` array, i.e. `{ value: <number|null> }`; the served item is
 *              { start, density, points, values } for the requested Td_c, missing minutes as null (EE).
 *   - Points without data are left out of the answer (§2.3: the terminal drops units it has nothing for); a
 *     stored value the codec cannot encode is left out and logged. When nothing at all is left the
 *     dispatcher answers AFN00 F2 deny.
 */
import type { Logger } from "../../common/logger.ts";
import type { Record_ } from "../../protocol/gw1376-1/layout.ts";
import type { FieldAccess } from "../field-access.ts";
import type { TerminalCore } from "../terminal-core.ts";

/** The store item key of (AFN, Fn): "0C:F129", "0D:F161". */
export function itemKey(afn: 0x0c | 0x0d, fn: number): string {
  return `${afn === 0x0c ? "0C" : "0D"}:F${fn}`;
}

/** When the handler may ask the field for a fresher value than the stored one (AFN0C per-point items). */
export interface LiveReadPolicy {
  /** A stored reading younger than this (terminal time) is served as is. */
  readonly freshnessMs: number;
  /** How long one request may wait for live reads before falling back to the stored values. */
  readonly timeoutMs: number;
  /**
   * At most this many (pn, Fn) live reads per request; the rest are served from the store. Requests for all
   * points (DA = FF 00) never read live: 2,040 meters cannot be read while a master waits.
   */
  readonly maxReadsPerRequest: number;
}

export const DEFAULT_LIVE_READ_POLICY: LiveReadPolicy = {
  freshnessMs: 15 * 60_000,
  timeoutMs: 15_000,
  maxReadsPerRequest: 16,
};

/** What a row may use to produce its item. */
export interface SourceContext {
  readonly core: TerminalCore;
  readonly field?: FieldAccess;
  readonly logger?: Logger;
  /** Active reporting before AFN05 F29 / F37 was ever sent (start-up file; default false). */
  readonly reportingAllowedByDefault?: boolean;
}

export type Produced = Record_ | undefined | Promise<Record_ | undefined>;
/** A p0 AFN0C item may be several units (a list longer than a frame: one unit per frame, e.g. F13). */
export type ProducedUnits =
  | Record_
  | readonly Record_[]
  | undefined
  | Promise<Record_ | readonly Record_[] | undefined>;

/** How one AFN0C Fn is produced. */
export type CurrentItemSource =
  | {
      readonly fn: number;
      /** p0: computed at request time. */
      readonly scope: "terminal";
      readonly read: (ctx: SourceContext) => ProducedUnits;
    }
  | {
      readonly fn: number;
      /** Per measurement point, stored under itemKey(0x0c, fn) in the readings repo. */
      readonly scope: "point";
      /** false: never read live through `field` (items the engine derives rather than reads). Default true. */
      readonly live?: boolean;
    };

/** AFN0D time label kinds (§4.7): day, month, curve. */
export type TdKind = "d" | "m" | "c";

/** How one AFN0D Fn is produced. */
export type FrozenItemSource =
  | {
      readonly fn: number;
      /** Per measurement point, stored under itemKey(0x0d, fn) in the repo of its label. */
      readonly scope: "point";
      readonly label: TdKind;
    }
  | {
      readonly fn: number;
      /** p0: computed for the period (day key or month key) of the request's Td (`td`: its label fields). */
      readonly scope: "terminal";
      readonly label: "d" | "m";
      readonly read: (ctx: SourceContext, period: number, td: Record_) => Produced;
    };

/** Indexes rows by Fn; a duplicate Fn is a programming error caught at start-up. */
export function tableByFn<T extends { readonly fn: number }>(
  rows: readonly T[],
  what: string,
): Map<number, T> {
  const map = new Map<number, T>();
  for (const row of rows) {
    if (map.has(row.fn)) throw new Error(`${what}: two rows for F${row.fn}`);
    map.set(row.fn, row);
  }
  return map;
}
