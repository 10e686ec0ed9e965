/** The meter archive (AFN04 F10): search and paging, add, edit, delete, CSV import and export. */
import { z } from "zod";
import type { WebContext } from "../context.ts";
import { getMeter, saveMeters, searchMeters } from "../meters/meter-archive.ts";
import { CsvProblem, meterCsv, parseMeterCsv } from "../meters/meter-csv.ts";
import { METER_SCHEMA, PROTOCOL_NAMES } from "../meters/meter-form.ts";
import { defineRoute, HttpError, type Route } from "../route-table.ts";

const serialParam = z.object({
  serial: z.coerce.number().int().min(1, "must be 1..2040").max(2040, "must be 1..2040"),
});

const PAGE = z.object({
  total: z.number(),
  offset: z.number(),
  limit: z.number(),
  meters: z.array(METER_SCHEMA),
});

export function meterRoutes(ctx: WebContext): Route[] {
  const { core } = ctx;
  const changed = (): void => ctx.indicators.poke();
  return [
    defineRoute({
      method: "get",
      path: "/api/meters",
      tag: "meters",
      summary: "Search and page through the meter archive",
      auth: "none",
      query: z.object({
        search: z.string().max(64).optional().describe("matches serial, point, address or collector"),
        port: z.coerce.number().int().min(1).max(31).optional(),
        offset: z.coerce.number().int().min(0).max(2040).default(0),
        limit: z.coerce.number().int().min(1).max(500).default(50),
      }),
      response: { description: "one page of meters and the total matching", schema: PAGE },
      handle: ({ c, query }) => c.json(searchMeters(core, query)),
    }),
    defineRoute({
      method: "get",
      path: "/api/meters/protocols",
      tag: "meters",
      summary: "Names of the F10 protocol numbers",
      auth: "none",
      response: { description: "protocol number → name", schema: z.record(z.string(), z.string()) },
      handle: ({ c }) => c.json(PROTOCOL_NAMES),
    }),
    defineRoute({
      method: "get",
      path: "/api/meters/export.csv",
      tag: "meters",
      summary: "The whole archive as CSV (the import format)",
      auth: "none",
      response: { description: "CSV", mediaType: "text/csv" },
      handle: ({ c }) =>
        c.body(meterCsv(searchMeters(core, { offset: 0, limit: 2040 }).meters), 200, {
          "content-type": "text/csv; charset=utf-8",
          "content-disposition": 'attachment; filename="meters.csv"',
        }),
    }),
    defineRoute({
      method: "get",
      path: "/api/meters/{serial}",
      tag: "meters",
      summary: "One archive entry",
      auth: "none",
      params: serialParam,
      response: { description: "the entry", schema: METER_SCHEMA },
      handle: ({ c, params }) => c.json(getMeter(core, params.serial)),
    }),
    defineRoute({
      method: "post",
      path: "/api/meters",
      tag: "meters",
      summary: "Add a meter (validated as AFN04 F10: duplicates, capacity)",
      auth: "session",
      json: METER_SCHEMA,
      response: { status: 201, description: "added", schema: METER_SCHEMA },
      handle: ({ c, body }) => {
        if (core.store.meters.get(body.serial) !== undefined) {
          throw new HttpError(409, "duplicate", `serial ${body.serial} is already configured`, "serial");
        }
        saveMeters(core, [body]);
        changed();
        return c.json(getMeter(core, body.serial), 201);
      },
    }),
    defineRoute({
      method: "put",
      path: "/api/meters/{serial}",
      tag: "meters",
      summary: "Change a meter (validated as AFN04 F10)",
      auth: "session",
      params: serialParam,
      json: METER_SCHEMA,
      response: { description: "changed", schema: METER_SCHEMA },
      handle: ({ c, params, body }) => {
        if (body.serial !== params.serial) {
          throw new HttpError(400, "validation", "serial: differs from the serial in the path", "serial");
        }
        getMeter(core, params.serial);
        saveMeters(core, [body]);
        changed();
        return c.json(getMeter(core, params.serial));
      },
    }),
    defineRoute({
      method: "delete",
      path: "/api/meters/{serial}",
      tag: "meters",
      summary: "Delete a meter (an F10 entry with pn 0)",
      auth: "session",
      params: serialParam,
      response: { description: "deleted", schema: z.object({ deleted: z.number() }) },
      handle: ({ c, params }) => {
        const existing = getMeter(core, params.serial);
        saveMeters(core, [], [existing]);
        changed();
        return c.json({ deleted: params.serial });
      },
    }),
    defineRoute({
      method: "post",
      path: "/api/meters/import",
      tag: "meters",
      summary: "Import meters from CSV (added or replaced by serial, all or nothing)",
      description:
        "Header line with column names (serial, point, port, protocol, address required; baud, password, tariffs, " +
        "integerDigits, decimalDigits, collector, bigClass, smallClass optional), one meter per line.",
      auth: "session",
      raw: { mediaTypes: ["text/csv", "text/plain"], maxBytes: ctx.limits.csvMaxBytes },
      response: { description: "imported", schema: z.object({ imported: z.number(), total: z.number() }) },
      handle: ({ c, raw }) => {
        let forms: ReturnType<typeof parseMeterCsv>;
        try {
          forms = parseMeterCsv(new TextDecoder("utf-8", { fatal: true }).decode(raw));
        } catch (error) {
          if (error instanceof CsvProblem) {
            throw new HttpError(400, "validation", error.message, error.column, { line: error.line });
          }
          throw new HttpError(400, "validation", "body: not UTF-8 text", "body");
        }
        if (forms.length === 0) throw new HttpError(400, "validation", "no meters in the file", "body");
        saveMeters(core, forms);
        changed();
        return c.json({ imported: forms.length, total: core.store.meters.count() });
      },
    }),
  ];
}
