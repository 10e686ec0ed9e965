/**
 * The shape every AFN handler has: a decoded request in, a reply description out. The uplink session turns
 * the reply into frames (header, RSEQ, Tp echo, EC, multi-frame); handlers never see the link.
 */
import type { Logger } from "../../common/logger.ts";
import type { DataItem } from "../../protocol/gw1376-1/data-units.ts";
import type { Message } from "../../protocol/gw1376-1/message.ts";
import type { LiveReadPolicy } from "../data-service/item-sources.ts";
import type { FieldAccess } from "../field-access.ts";
import type { PortControl } from "../port-control.ts";
import type { TerminalCore } from "../terminal-core.ts";
import type { SupportedFunctions } from "../version-info.ts";

/** AFN00 F3 per-unit result (ERR 0 = OK, 1 = other error, 2 = meter address duplicated). */
export interface UnitOutcome {
  readonly pn: number;
  readonly fn: number;
  readonly err: number;
}

export type HandlerReply =
  /**
   * Data answer (FC 8) with the request's AFN, or `afn` when the answer's units belong to another AFN's table
   * (AFN0B answers as AFN0C / AFN0D). An empty list is turned into a deny by the dispatcher.
   */
  | { readonly kind: "data"; readonly items: readonly DataItem[]; readonly afn?: number }
  /** AFN00 F1 (all units accepted). */
  | { readonly kind: "confirm" }
  /** AFN00 F2 (nothing accepted / nothing to answer). */
  | { readonly kind: "deny"; readonly reason: string }
  /** AFN00 F3 per-unit results for a set/control request. */
  | { readonly kind: "per-unit"; readonly units: readonly UnitOutcome[] };

export interface HandlerContext {
  readonly core: TerminalCore;
  readonly request: Message;
  readonly items: readonly DataItem[];
  /** What the registered handlers answer, for AFN09 F4–F8 (derived from the registrations themselves). */
  readonly support: SupportedFunctions;
  /** Live meter access (reading engine); absent when no engine runs. */
  readonly field?: FieldAccess;
  /** When AFN0C may read live instead of serving a stored reading (default: data-service defaults). */
  readonly livePolicy?: LiveReadPolicy;
  /** Active reporting before AFN05 F29 / F37 was ever sent (default false); AFN0C F4 reports it. */
  readonly reportingAllowedByDefault?: boolean;
  readonly logger?: Logger;
  /** Pause / resume / restart reading per port (AFN05 F49–F51); absent when no field is wired. */
  readonly ports?: PortControl;
}

/**
 * Handlers may be asynchronous: a live meter read or a forwarded frame (reading engine) answers later. The
 * uplink session serves one request at a time per connection, so replies keep the request order.
 */
export type AfnHandler = (context: HandlerContext) => HandlerReply | Promise<HandlerReply>;

/**
 * A handler and the Fn it answers. The dispatcher refuses other Fn before the handler runs, and AFN09 F4–F8
 * are built from these lists, so what the terminal advertises is exactly what it serves.
 */
export interface AfnRegistration {
  readonly handle: AfnHandler;
  readonly fns: readonly number[];
}

/** §3.3 step 4: F1 when every unit succeeded, F2 when all failed with "other error", else F3. */
export function replyForOutcomes(units: readonly UnitOutcome[]): HandlerReply {
  if (units.length > 0 && units.every((u) => u.err === 0)) return { kind: "confirm" };
  if (units.every((u) => u.err === 1)) return { kind: "deny", reason: "every unit refused" };
  return { kind: "per-unit", units };
}
