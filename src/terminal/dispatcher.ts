/**
 * The AFN → handler table for master-initiated requests (shared/protocol/gw1376-1.md §3.3). Dispatch is on
 * the AFN, never on the function code (§1.3). An AFN without a handler, a data answer with nothing in it or a
 * handler that fails all become AFN00 F2 deny: a master always gets an answer, never silence.
 * AFN02 is link-level and handled by the uplink session, not here.
 */
import type { Logger } from "../common/logger.ts";
import { type Message, messageItems } from "../protocol/gw1376-1/message.ts";
import { handleAfn0A } from "./handlers/afn0a-query-parameters.ts";
import { handleAfn0C } from "./handlers/afn0c-current-data.ts";
import { handleAfn01 } from "./handlers/afn01-reset.ts";
import { handleAfn04 } from "./handlers/afn04-set-parameters.ts";
import { handleAfn05 } from "./handlers/afn05-control.ts";
import { handleAfn09 } from "./handlers/afn09-configuration.ts";
import type { AfnHandler, HandlerReply } from "./handlers/handler.ts";
import type { TerminalCore } from "./terminal-core.ts";

export type { HandlerReply, UnitOutcome } from "./handlers/handler.ts";

/** One row per supported AFN; adding an AFN is adding a row. */
export const AFN_HANDLERS: ReadonlyMap<number, AfnHandler> = new Map<number, AfnHandler>([
  [0x01, handleAfn01],
  [0x04, handleAfn04],
  [0x05, handleAfn05],
  [0x09, handleAfn09],
  [0x0a, handleAfn0A],
  [0x0c, handleAfn0C],
]);

export class Dispatcher {
  readonly #core: TerminalCore;
  readonly #logger: Logger;
  readonly #handlers: ReadonlyMap<number, AfnHandler>;

  constructor(core: TerminalCore, logger: Logger, handlers: ReadonlyMap<number, AfnHandler> = AFN_HANDLERS) {
    this.#core = core;
    this.#logger = logger;
    this.#handlers = handlers;
  }

  /** The reply to one (reassembled) request. Never throws. */
  handle(request: Message): HandlerReply {
    const handler = this.#handlers.get(request.afn);
    if (handler === undefined) return { kind: "deny", reason: `AFN ${request.afn} not supported` };
    try {
      const reply = handler({ core: this.#core, request, items: messageItems(request) });
      if (reply.kind === "data" && reply.items.length === 0) return { kind: "deny", reason: "no data" };
      return reply;
    } catch (error) {
      this.#logger.error({ afn: request.afn, error: String(error) }, "handler failed");
      return { kind: "deny", reason: "handler failed" };
    }
  }
}
