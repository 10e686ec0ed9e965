/** The at-a-glance status: terminal clock and identity, version, uptime, uplink, indicators, modules, traffic. */
import { z } from "zod";
import { localTimeText } from "../../terminal/local-time.ts";
import { ercName } from "../alarms.ts";
import type { WebContext } from "../context.ts";
import { defineRoute, type Route } from "../route-table.ts";
import { faultName } from "../self-check-names.ts";

export function statusSnapshot(ctx: WebContext): Record<string, unknown> {
  const { core } = ctx;
  ctx.providers.traffic?.flush();
  const now = core.clock.now();
  const counters = core.store.events.counters();
  const unacknowledged = ctx.alarms.unacknowledged();
  const latestAlarm = unacknowledged.at(-1);
  return {
    terminal: {
      area: ctx.identity.area,
      address: ctx.identity.address,
      clock: now,
      clockText: localTimeText(now, core.utcOffsetMinutes),
      utcOffsetMinutes: core.utcOffsetMinutes,
    },
    version: { package: ctx.packageVersion, ...core.version },
    uptimeSeconds: Math.max(0, Math.floor((ctx.hostClock.now() - ctx.startedAt) / 1000)),
    uplink: ctx.uplink.status(),
    indicators: ctx.indicators.current(),
    modules: {
      modem: ctx.providers.modules?.modem() ?? null,
      local: ctx.providers.modules?.localModule?.() ?? null,
    },
    traffic: {
      today: core.store.traffic.today(),
      month: core.store.traffic.thisMonth(),
    },
    events: {
      ...counters,
      unacknowledgedAlarms: unacknowledged.length,
      latestAlarm:
        latestAlarm === undefined
          ? null
          : { erc: latestAlarm.erc, name: ercName(latestAlarm.erc), recordedAt: latestAlarm.recordedAt },
    },
    selfCheck: {
      faults: ctx.alarms.activeFaults().map((code) => ({
        code,
        name: faultName(code),
        reasons: core
          .faultFindings()
          .filter((f) => f.code === code)
          .map((f) => f.reason),
      })),
    },
    meters: { configured: core.store.meters.count() },
    channels: ctx.providers.channels?.channels() ?? [],
  };
}

export function statusRoutes(ctx: WebContext): Route[] {
  return [
    defineRoute({
      method: "get",
      path: "/api/status",
      tag: "status",
      summary: "Terminal clock, version, uptime, uplink state, indicators, module info, traffic, faults",
      auth: "none",
      response: { description: "status snapshot", schema: z.record(z.string(), z.unknown()) },
      handle: ({ c }) => c.json(statusSnapshot(ctx)),
    }),
  ];
}
