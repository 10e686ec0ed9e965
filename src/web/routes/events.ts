/**
 * Terminal events (the two ERC rings, decoded with the shared ERC table) and events read from meters, with
 * filters; alarms (alarms.ts) can be acknowledged, which turns the alarm indicator off unless a self-check
 * fault is still active.
 */
import { z } from "zod";
import { toHex } from "../../protocol/common/hex.ts";
import { decodeErcRecord } from "../../protocol/gw1376-1/erc.ts";
import type { StoredEvent } from "../../store/events-repo.ts";
import { localTimeText } from "../../terminal/local-time.ts";
import { ALARM_ERCS, ercName } from "../alarms.ts";
import type { WebContext } from "../context.ts";
import { defineRoute, type Route } from "../route-table.ts";

const TERMINAL_EVENT = z.object({
  ring: z.enum(["important", "general"]),
  slot: z.number(),
  erc: z.number(),
  name: z.string(),
  recordedAt: z.number(),
  recordedText: z.string(),
  alarm: z.boolean(),
  unacknowledged: z.boolean(),
  data: z.unknown(),
  hex: z.string(),
});

export function eventRoutes(ctx: WebContext): Route[] {
  const { core } = ctx;
  const present = (event: StoredEvent, open: ReadonlySet<string>) => {
    const decoded = decodeErcRecord(event.record);
    return {
      ring: event.ring,
      slot: event.slot,
      erc: event.erc,
      name: ercName(event.erc),
      recordedAt: event.recordedAt,
      recordedText: localTimeText(event.recordedAt, core.utcOffsetMinutes),
      alarm: ALARM_ERCS.has(event.erc),
      unacknowledged: open.has(`${event.ring}/${event.slot}`),
      data: decoded.ok ? decoded.value : { undecodable: decoded.error.message },
      hex: toHex(event.record),
    };
  };
  return [
    defineRoute({
      method: "get",
      path: "/api/events",
      tag: "events",
      summary: "Terminal events (ERC), newest first, with filters",
      auth: "none",
      query: z.object({
        ring: z.enum(["important", "general", "all"]).default("all"),
        erc: z.coerce.number().int().min(1).max(255).optional(),
        alarmsOnly: z.enum(["true", "false"]).default("false"),
        since: z.coerce
          .number()
          .int()
          .min(0)
          .optional()
          .describe("recorded at or after (ms since the epoch)"),
        limit: z.coerce.number().int().min(1).max(512).default(100),
      }),
      response: {
        description: "events and the unacknowledged-alarm count",
        schema: z.object({ events: z.array(TERMINAL_EVENT), unacknowledgedAlarms: z.number() }),
      },
      handle: ({ c, query }) => {
        const unacknowledged = ctx.alarms.unacknowledged();
        const open = new Set(unacknowledged.map((e) => `${e.ring}/${e.slot}`));
        const rings = query.ring === "all" ? (["important", "general"] as const) : ([query.ring] as const);
        const events = rings
          .flatMap((ring) => core.store.events.latest(ring))
          .filter(
            (e) =>
              (query.erc === undefined || e.erc === query.erc) &&
              (query.alarmsOnly === "false" || ALARM_ERCS.has(e.erc)) &&
              (query.since === undefined || e.recordedAt >= query.since),
          )
          .sort((a, b) => b.recordedAt - a.recordedAt || b.slot - a.slot)
          .slice(0, query.limit)
          .map((e) => present(e, open));
        return c.json({ events, unacknowledgedAlarms: unacknowledged.length });
      },
    }),
    defineRoute({
      method: "post",
      path: "/api/events/acknowledge",
      tag: "events",
      summary: "Acknowledge every alarm recorded so far",
      auth: "session",
      response: {
        description: "how many alarms were acknowledged",
        schema: z.object({ acknowledged: z.number() }),
      },
      handle: ({ c }) => {
        const acknowledged = ctx.alarms.acknowledge();
        ctx.logger.info({ acknowledged }, "alarms acknowledged from the web interface");
        ctx.indicators.poke();
        return c.json({ acknowledged });
      },
    }),
    defineRoute({
      method: "get",
      path: "/api/meter-events",
      tag: "events",
      summary: "Events read from meters, newest first",
      auth: "none",
      query: z.object({
        point: z.coerce.number().int().min(1).max(2040).optional(),
        kind: z.string().max(64).optional(),
        limit: z.coerce.number().int().min(1).max(1000).default(100),
      }),
      response: {
        description: "meter events",
        schema: z.object({
          events: z.array(
            z.object({
              id: z.number(),
              point: z.number(),
              kind: z.string(),
              occurredAt: z.number().nullable(),
              recordedAt: z.number(),
              data: z.unknown(),
            }),
          ),
        }),
      },
      handle: ({ c, query }) => {
        // the repository pages by point; the kind filter is applied to a bounded window
        const events = core.store.meterEvents
          .list(query.point, query.kind === undefined ? query.limit : 1000)
          .filter((e) => query.kind === undefined || e.kind === query.kind)
          .reverse()
          .slice(0, query.limit);
        return c.json({ events });
      },
    }),
  ];
}
