/**
 * The 1376.1 terminal parameters (AFN04/AFN0A), viewed and edited as the JSON values of the shared layout
 * table. An edit is encoded with the table's layout and stored through the parameter service — the very path
 * of a master's AFN04 — so the same validation applies (layout, pn kind, semantic rules) and ERC3 records it.
 * The meter archive (F10) has its own page.
 */
import { z } from "zod";
import { toHex } from "../../protocol/common/hex.ts";
import { ALL_FN_ROWS, findFnRow } from "../../protocol/gw1376-1/fn-table.ts";
import type { FnRow, Record_ } from "../../protocol/gw1376-1/layout.ts";
import { decodeBody, encodeBody, fieldsMinLength } from "../../protocol/gw1376-1/layout-codec.ts";
import { PARAM_OK } from "../../terminal/parameter-service.ts";
import type { WebContext } from "../context.ts";
import { LOCAL_MSA } from "../meters/meter-archive.ts";
import { defineRoute, HttpError, type Route } from "../route-table.ts";

const AFN04 = 0x04;
const F10 = 10;

/** AFN04 rows the parameters page edits (all but the meter archive). */
export function editableRows(): FnRow[] {
  return ALL_FN_ROWS.filter((r) => r.afn === AFN04 && r.fn !== F10 && r.down !== undefined);
}

function rowOf(fn: number): FnRow & { down: NonNullable<FnRow["down"]> } {
  const row = findFnRow(AFN04, fn);
  if (row?.down === undefined || fn === F10) {
    throw new HttpError(404, "not-found", `AFN04 F${fn} is not an editable parameter`, "fn");
  }
  return row as FnRow & { down: NonNullable<FnRow["down"]> };
}

/** A starting value for a parameter never set: the layout decoded from the shortest all-zero body, if valid. */
function template(row: FnRow & { down: NonNullable<FnRow["down"]> }): Record_ | null {
  const decoded = decodeBody(row.down, new Uint8Array(fieldsMinLength(row.down)));
  return decoded.ok ? decoded.value : null;
}

/** The pn values a row accepts. */
function checkPn(row: FnRow, pn: number): void {
  if (row.pn === "p0" && pn !== 0) throw new HttpError(400, "validation", `pn: F${row.fn} takes pn 0`, "pn");
  if (row.pn !== "p0" && pn === 0)
    throw new HttpError(400, "validation", `pn: F${row.fn} takes pn ≥ 1`, "pn");
}

const fnParams = z.object({
  fn: z.coerce.number().int().min(1, "must be 1..248").max(248, "must be 1..248"),
});
const fnPnParams = fnParams.extend({
  pn: z.coerce.number().int().min(0, "must be 0..2040").max(2040, "must be 0..2040"),
});

const PARAMETER = z.object({
  fn: z.number(),
  pn: z.number(),
  name: z.string(),
  pnKind: z.string(),
  confidence: z.string().optional(),
  set: z.boolean(),
  setAt: z.number().nullable(),
  value: z.unknown(),
  hex: z.string().nullable(),
});

export function parameterRoutes(ctx: WebContext): Route[] {
  const { core } = ctx;
  const describe = (row: FnRow & { down: NonNullable<FnRow["down"]> }, pn: number) => {
    const stored = core.store.parameters.get(row.fn, pn);
    return {
      fn: row.fn,
      pn,
      name: row.name.replace(/^set /, ""),
      pnKind: row.pn,
      ...(row.confidence === undefined ? {} : { confidence: row.confidence }),
      set: stored !== undefined,
      setAt: stored?.setAt ?? null,
      value: stored?.decoded ?? template(row),
      hex: stored === undefined ? null : toHex(stored.body),
    };
  };
  return [
    defineRoute({
      method: "get",
      path: "/api/parameters",
      tag: "parameters",
      summary: "Every editable AFN04 parameter with the points it is set for",
      auth: "none",
      response: {
        description: "the parameter list",
        schema: z.array(
          z.object({
            fn: z.number(),
            name: z.string(),
            pnKind: z.string(),
            confidence: z.string().optional(),
            setPoints: z.array(z.number()),
          }),
        ),
      },
      handle: ({ c }) =>
        c.json(
          editableRows().map((row) => ({
            fn: row.fn,
            name: row.name.replace(/^set /, ""),
            pnKind: row.pn,
            ...(row.confidence === undefined ? {} : { confidence: row.confidence }),
            setPoints: core.store.parameters.listFn(row.fn).map((p) => p.pn),
          })),
        ),
    }),
    defineRoute({
      method: "get",
      path: "/api/parameters/{fn}/{pn}",
      tag: "parameters",
      summary: "One parameter's value (or a template when never set)",
      auth: "none",
      params: fnPnParams,
      response: { description: "the parameter", schema: PARAMETER },
      handle: ({ c, params }) => {
        const row = rowOf(params.fn);
        checkPn(row, params.pn);
        return c.json(describe(row, params.pn));
      },
    }),
    defineRoute({
      method: "put",
      path: "/api/parameters/{fn}/{pn}",
      tag: "parameters",
      summary: "Set a parameter (validated and stored as an AFN04 unit from the local interface)",
      auth: "session",
      params: fnPnParams,
      json: z.object({ value: z.record(z.string(), z.unknown()) }),
      response: { description: "stored", schema: PARAMETER },
      handle: ({ c, params, body }) => {
        const row = rowOf(params.fn);
        checkPn(row, params.pn);
        let bytes: Uint8Array;
        try {
          bytes = encodeBody(row.down, body.value as Record_);
        } catch (error) {
          // RangeError messages start with the field path: "masterIp: expected …"
          const message = String((error as Error).message);
          const field = /^([\w.[\]]+):/.exec(message)?.[1];
          throw new HttpError(400, "validation", message, field === undefined ? "value" : `value.${field}`);
        }
        const [result] = core.parameters.set([{ fn: row.fn, pn: params.pn, body: bytes }], LOCAL_MSA);
        if (result?.err !== PARAM_OK) {
          throw new HttpError(400, "refused", result?.reason ?? "refused by the parameter service", "value");
        }
        ctx.logger.info({ fn: row.fn, pn: params.pn }, "parameter set from the web interface");
        return c.json(describe(row, params.pn));
      },
    }),
  ];
}
