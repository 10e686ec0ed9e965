/**
 * AFN04 set parameters (shared/protocol/gw1376-1.md §4.3): the decoded bodies are re-encoded with the same
 * Fn-table row (the layout codec is a bijection on well-formed bodies), handed to the parameter service,
 * and its per-unit results become AFN00 F1/F2/F3.
 */
import { fromHex } from "../../protocol/common/hex.ts";
import { findFnRow } from "../../protocol/gw1376-1/fn-table.ts";
import { encodeBody } from "../../protocol/gw1376-1/layout-codec.ts";
import type { ParameterUnit } from "../parameter-service.ts";
import { type AfnHandler, replyForOutcomes } from "./handler.ts";

export const handleAfn04: AfnHandler = ({ core, request, items }) => {
  const units: ParameterUnit[] = items.map((item) => {
    const row = findFnRow(0x04, item.fn);
    let body: Uint8Array;
    if (item.raw !== undefined || row?.down === undefined)
      body = fromHex(item.raw ?? "") ?? new Uint8Array(0);
    else body = encodeBody(row.down, item.data);
    return { fn: item.fn, pn: item.pn, body };
  });
  const results = core.parameters.set(units, request.address.master);
  return replyForOutcomes(results.map((r) => ({ pn: r.pn, fn: r.fn, err: r.err })));
};
