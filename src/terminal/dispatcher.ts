/**
 * The AFN → handler table for master-initiated requests (shared/protocol/gw1376-1.md §3.3). Dispatch is on
 * the AFN, never on the function code (§1.3). An AFN without a handler, a data answer with nothing in it or a
 * handler that fails all become AFN00 F2 deny: a master always gets an answer, never silence.
 * AFN02 is link-level and handled by the uplink session, not here.
 */
import type { Logger } from "../common/logger.ts";
import { type Message, messageItems } from "../protocol/gw1376-1/message.ts";
import { DEFAULT_LIVE_READ_POLICY, type LiveReadPolicy } from "./data-service/item-sources.ts";
import type { FieldAccess } from "./field-access.ts";
import { handleAfn0A } from "./handlers/afn0a-query-parameters.ts";
import { AFN0B_FNS, handleAfn0B } from "./handlers/afn0b-task-data.ts";
import { AFN0C_FNS, handleAfn0C } from "./handlers/afn0c-current-data.ts";
import { AFN0D_FNS, handleAfn0D } from "./handlers/afn0d-historical-data.ts";
import { AFN0E_FNS, handleAfn0E } from "./handlers/afn0e-events.ts";
import { handleAfn01 } from "./handlers/afn01-reset.ts";
import { handleAfn04 } from "./handlers/afn04-set-parameters.ts";
import { AFN05_FNS, handleAfn05 } from "./handlers/afn05-control.ts";
import { AFN09_FNS, handleAfn09 } from "./handlers/afn09-configuration.ts";
import { AFN10_FNS, handleAfn10 } from "./handlers/afn10-forwarding.ts";
import type { AfnRegistration, HandlerReply } from "./handlers/handler.ts";
import type { PortControl } from "./port-control.ts";
import type { TerminalCore } from "./terminal-core.ts";
import { type SupportedFunctions, supportedFns, TERMINAL_ERCS } from "./version-info.ts";

export type { HandlerReply, UnitOutcome } from "./handlers/handler.ts";

/** One row per supported AFN with the Fn it answers; adding an AFN is adding a row. */
export const AFN_HANDLERS: ReadonlyMap<number, AfnRegistration> = new Map<number, AfnRegistration>([
  [0x01, { handle: handleAfn01, fns: [2, 3, 4] }],
  // Every parameter of the shared table is validated and stored by the parameter service.
  [0x04, { handle: handleAfn04, fns: supportedFns(0x04) }],
  [0x05, { handle: handleAfn05, fns: AFN05_FNS }],
  [0x09, { handle: handleAfn09, fns: AFN09_FNS }],
  [0x0a, { handle: handleAfn0A, fns: supportedFns(0x0a) }],
  // Timed-task data on request: answered as AFN0C / AFN0D (handlers/afn0b-task-data.ts).
  [0x0b, { handle: handleAfn0B, fns: AFN0B_FNS }],
  [0x0c, { handle: handleAfn0C, fns: AFN0C_FNS }],
  [0x0d, { handle: handleAfn0D, fns: AFN0D_FNS }],
  [0x0e, { handle: handleAfn0E, fns: AFN0E_FNS }],
  [0x10, { handle: handleAfn10, fns: AFN10_FNS }],
]);

/** AFN09 F4–F8 content derived from the registrations: the terminal advertises what it serves. */
export function supportedFunctions(handlers: ReadonlyMap<number, AfnRegistration>): SupportedFunctions {
  const fns = (afn: number) => [...(handlers.get(afn)?.fns ?? [])].sort((a, b) => a - b);
  return {
    parameters: fns(0x04),
    controls: fns(0x05),
    class1: fns(0x0c),
    class2: fns(0x0d),
    ercs: TERMINAL_ERCS,
  };
}

export class Dispatcher {
  readonly #core: TerminalCore;
  readonly #logger: Logger;
  readonly #handlers: ReadonlyMap<number, AfnRegistration>;
  readonly #support: SupportedFunctions;
  /** Set by the daemon once the reading engine runs. */
  field: FieldAccess | undefined;
  /** When AFN0C reads live rather than serving a stored reading (daemon config `dataService`). */
  livePolicy: LiveReadPolicy = DEFAULT_LIVE_READ_POLICY;
  /** Set by the daemon when channels exist (AFN05 F49–F51). */
  ports: PortControl | undefined;
  /**
   * Whether active reporting is allowed before the master ever sent AFN05 F29 / F37 (the start-up file's
   * `reporting.allowedByDefault`, default off); AFN0C F4 reports it.
   */
  reportingAllowedByDefault = false;

  constructor(
    core: TerminalCore,
    logger: Logger,
    handlers: ReadonlyMap<number, AfnRegistration> = AFN_HANDLERS,
  ) {
    this.#core = core;
    this.#logger = logger;
    this.#handlers = handlers;
    this.#support = supportedFunctions(handlers);
  }

  /** The reply to one (reassembled) request. Never rejects. */
  async handle(request: Message): Promise<HandlerReply> {
    const registration = this.#handlers.get(request.afn);
    if (registration === undefined) return { kind: "deny", reason: `AFN ${request.afn} not supported` };
    const items = messageItems(request);
    if (!items.some((item) => registration.fns.includes(item.fn)))
      return { kind: "deny", reason: "Fn not supported" };
    try {
      const reply = await registration.handle({
        core: this.#core,
        request,
        items,
        support: this.#support,
        livePolicy: this.livePolicy,
        reportingAllowedByDefault: this.reportingAllowedByDefault,
        logger: this.#logger,
        ...(this.field === undefined ? {} : { field: this.field }),
        ...(this.ports === undefined ? {} : { ports: this.ports }),
      });
      if (reply.kind === "data" && reply.items.length === 0) return { kind: "deny", reason: "no data" };
      return reply;
    } catch (error) {
      this.#logger.error({ afn: request.afn, error: String(error) }, "handler failed");
      return { kind: "deny", reason: "handler failed" };
    }
  }
}
