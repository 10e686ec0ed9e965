/**
 * Maintenance: set the terminal clock (ERC41 is recorded as for AFN05 F31), initialise (AFN01 F2/F3/F4, with
 * a typed confirmation), upload an upgrade package (to the upgrade installer when one is plugged in),
 * download a consistent database backup (SQLite online backup), and read the recent log.
 */
import { createReadStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { z } from "zod";
import { localParts } from "../../store/calendar.ts";
import { localTimeText } from "../../terminal/local-time.ts";
import type { WebContext } from "../context.ts";
import { defineRoute, HttpError, type Route } from "../route-table.ts";

/** What the operator must type to initialise (the page shows it). */
export const INITIALISE_CONFIRMATION = "initialise";

const INIT_NAMES: Readonly<Record<2 | 3 | 4, string>> = {
  2: "clear collected data (parameters and meters kept)",
  3: "factory defaults: parameters, meters and data cleared",
  4: "factory defaults except master-communication parameters",
};

export function maintenanceRoutes(ctx: WebContext): Route[] {
  const { core } = ctx;
  return [
    defineRoute({
      method: "post",
      path: "/api/maintenance/clock",
      tag: "maintenance",
      summary: "Set the terminal clock (records ERC41)",
      auth: "session",
      json: z.object({ time: z.number().int().describe("ms since the epoch") }),
      response: {
        description: "the clock after the change",
        schema: z.object({ clock: z.number(), clockText: z.string() }),
      },
      handle: ({ c, body }) => {
        const year = localParts(body.time, core.utcOffsetMinutes).year;
        if (year < 2000 || year > 2099) {
          throw new HttpError(
            400,
            "validation",
            "time: must fall in 2000..2099 (1376.1 time formats)",
            "time",
          );
        }
        core.setClock(body.time);
        const now = core.clock.now();
        return c.json({ clock: now, clockText: localTimeText(now, core.utcOffsetMinutes) });
      },
    }),
    defineRoute({
      method: "post",
      path: "/api/maintenance/initialise",
      tag: "maintenance",
      summary: 'Initialise like AFN01 F2/F3/F4; `confirm` must be the word "initialise"',
      auth: "session",
      json: z.object({
        fn: z.union([z.literal(2), z.literal(3), z.literal(4)]),
        confirm: z.literal(INITIALISE_CONFIRMATION, `type "${INITIALISE_CONFIRMATION}" to confirm`),
      }),
      response: { description: "done", schema: z.object({ fn: z.number(), done: z.string() }) },
      handle: ({ c, body }) => {
        ctx.logger.warn({ fn: body.fn }, "initialisation from the web interface");
        core.initialise(body.fn);
        ctx.indicators.poke();
        return c.json({ fn: body.fn, done: INIT_NAMES[body.fn] });
      },
    }),
    defineRoute({
      method: "post",
      path: "/api/maintenance/upgrade",
      tag: "maintenance",
      summary: "Upload an upgrade package (503 until an upgrade installer is available)",
      auth: "session",
      query: z.object({
        name: z
          .string()
          .min(1)
          .max(128)
          .regex(/^[\w.-]+$/, "letters, digits, . _ - only"),
      }),
      raw: { mediaTypes: ["application/octet-stream"], maxBytes: ctx.limits.uploadMaxBytes },
      response: {
        description: "the installer's verdict",
        schema: z.object({ accepted: z.boolean(), message: z.string(), bytes: z.number() }),
      },
      handle: async ({ c, query, raw }) => {
        const installer = ctx.providers.upgrade;
        if (installer === undefined) {
          throw new HttpError(503, "unavailable", "upgrades are not available in this build yet");
        }
        const bytes = raw ?? new Uint8Array(0);
        if (bytes.length === 0) throw new HttpError(400, "validation", "body: the package is empty", "body");
        const result = await installer.install(query.name, bytes);
        ctx.logger.info({ name: query.name, bytes: bytes.length, ...result }, "upgrade package uploaded");
        return c.json({ ...result, bytes: bytes.length }, result.accepted ? 200 : 422);
      },
    }),
    defineRoute({
      method: "get",
      path: "/api/maintenance/backup",
      tag: "maintenance",
      summary: "Download a consistent copy of the database (SQLite online backup)",
      auth: "session",
      response: { description: "the SQLite file", mediaType: "application/vnd.sqlite3" },
      handle: async () => {
        if (ctx.dbPath === ":memory:")
          throw new HttpError(409, "no-file", "this terminal runs on an in-memory database");
        const dir = mkdtempSync(join(tmpdir(), "opendcu-backup-"));
        const file = join(dir, "opendcu-backup.sqlite");
        try {
          await core.store.db.backupTo(file);
        } catch (error) {
          rmSync(dir, { recursive: true, force: true });
          throw error;
        }
        const size = statSync(file).size;
        const stream = createReadStream(file);
        // the temporary copy goes as soon as it has been sent (or the download was abandoned)
        stream.once("close", () => rmSync(dir, { recursive: true, force: true }));
        const stamp = localTimeText(core.clock.now(), core.utcOffsetMinutes).replace(/[^0-9]/g, "");
        ctx.logger.info({ bytes: size }, "database backup downloaded");
        return new Response(Readable.toWeb(stream) as ReadableStream, {
          headers: {
            "content-type": "application/vnd.sqlite3",
            "content-length": String(size),
            "content-disposition": `attachment; filename="opendcu-${stamp}.sqlite"`,
          },
        });
      },
    }),
    defineRoute({
      method: "get",
      path: "/api/maintenance/log",
      tag: "maintenance",
      summary: "The most recent log lines (kept in memory)",
      auth: "session",
      query: z.object({
        limit: z.coerce.number().int().min(1).max(1000).default(200),
        level: z.enum(["debug", "info", "warn", "error"]).default("info"),
      }),
      response: {
        description: "log lines, oldest first",
        schema: z.object({
          lines: z.array(
            z.object({
              seq: z.number(),
              time: z.number(),
              level: z.string(),
              message: z.string(),
              fields: z.record(z.string(), z.unknown()),
            }),
          ),
        }),
      },
      handle: ({ c, query }) => c.json({ lines: ctx.logRing?.tail(query.limit, query.level) ?? [] }),
    }),
  ];
}
