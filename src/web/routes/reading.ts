/**
 * Reading status: success per port and per day, the meters missing today's frozen data, and one meter's
 * reading state and history. From the reading engine's provider when it is plugged in, else from the store.
 */
import { z } from "zod";
import type { WebContext } from "../context.ts";
import type { ReadingStatusProvider } from "../providers.ts";
import { StoreReadingStatus } from "../reading-status.ts";
import { defineRoute, HttpError, type Route } from "../route-table.ts";

export function readingRoutes(ctx: WebContext): Route[] {
  const fallback = new StoreReadingStatus(ctx.core);
  const provider = (): { source: "engine" | "store"; status: ReadingStatusProvider } =>
    ctx.providers.reading === undefined
      ? { source: "store", status: fallback }
      : { source: "engine", status: ctx.providers.reading };
  return [
    defineRoute({
      method: "get",
      path: "/api/reading/daily",
      tag: "reading",
      summary: "Meters read per port for each of the last `days` days",
      auth: "none",
      query: z.object({ days: z.coerce.number().int().min(1).max(62).default(7) }),
      response: {
        description: "per port and day: meters due and meters read",
        schema: z.object({
          source: z.enum(["engine", "store"]),
          rows: z.array(z.object({ port: z.number(), day: z.number(), due: z.number(), read: z.number() })),
        }),
      },
      handle: ({ c, query }) => {
        const { source, status } = provider();
        return c.json({ source, rows: status.dailySuccess(query.days) });
      },
    }),
    defineRoute({
      method: "get",
      path: "/api/reading/missing",
      tag: "reading",
      summary: "Meters without today's frozen data",
      auth: "none",
      query: z.object({
        offset: z.coerce.number().int().min(0).max(2040).default(0),
        limit: z.coerce.number().int().min(1).max(500).default(50),
      }),
      response: {
        description: "one page of missing meters and the total",
        schema: z.object({
          source: z.string(),
          total: z.number(),
          meters: z.array(z.record(z.string(), z.unknown())),
        }),
      },
      handle: ({ c, query }) => {
        const { source, status } = provider();
        return c.json({ source, ...status.missingToday(query.offset, query.limit) });
      },
    }),
    defineRoute({
      method: "get",
      path: "/api/reading/meters/{point}",
      tag: "reading",
      summary: "One measurement point: last read, failures, latest values, daily frozen history",
      auth: "none",
      params: z.object({
        point: z.coerce.number().int().min(1, "must be 1..2040").max(2040, "must be 1..2040"),
      }),
      response: { description: "the meter's reading detail", schema: z.record(z.string(), z.unknown()) },
      handle: ({ c, params }) => {
        const { source, status } = provider();
        const detail = status.meterDetail(params.point);
        if (detail === undefined)
          throw new HttpError(404, "not-found", `no meter at point ${params.point}`, "point");
        return c.json({ source, ...detail });
      },
    }),
  ];
}
