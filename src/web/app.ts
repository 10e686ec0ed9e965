/**
 * The Hono application: security headers, the declared API routes (route-table.ts), the OpenAPI document,
 * /metrics, and the browser interface's static files. Errors become JSON bodies that name what was wrong;
 * an unexpected exception is logged and answered 500 without internals.
 */
import { readdirSync, readFileSync } from "node:fs";
import { extname } from "node:path";
import { Hono } from "hono";
import type { WebContext } from "./context.ts";
import { collectMetrics, renderMetrics } from "./metrics.ts";
import { buildOpenApi } from "./openapi.ts";
import { defineRoute, errorBody, HttpError, type Route, registerRoutes } from "./route-table.ts";
import { eventRoutes } from "./routes/events.ts";
import { LiveStreams, liveRoutes } from "./routes/live.ts";
import { maintenanceRoutes } from "./routes/maintenance.ts";
import { meterRoutes } from "./routes/meters.ts";
import { parameterRoutes } from "./routes/parameters.ts";
import { readingRoutes } from "./routes/reading.ts";
import { sessionRoutes } from "./routes/session.ts";
import { statusRoutes } from "./routes/status.ts";

const STATIC_DIR = new URL("./static/", import.meta.url);
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
};

/** The UI's files, read once: a fixed name → bytes map, so no request path ever reaches the file system. */
function loadStaticFiles(): Map<string, { body: Uint8Array; type: string }> {
  const files = new Map<string, { body: Uint8Array; type: string }>();
  for (const name of readdirSync(STATIC_DIR)) {
    const type = CONTENT_TYPES[extname(name)];
    if (type === undefined) continue;
    files.set(name, { body: readFileSync(new URL(name, STATIC_DIR)), type });
  }
  return files;
}

export type RouteModule = (ctx: WebContext) => Route[];

export interface WebApp {
  readonly app: Hono;
  readonly routes: readonly Route[];
  readonly live: LiveStreams;
}

function documentRoutes(ctx: WebContext, routes: () => readonly Route[]): Route[] {
  let openapi: Record<string, unknown> | undefined;
  return [
    defineRoute({
      method: "get",
      path: "/api/openapi.json",
      tag: "meta",
      summary: "This document",
      auth: "none",
      response: { description: "OpenAPI 3.1 document" },
      handle: ({ c }) => {
        openapi ??= buildOpenApi(routes(), ctx.packageVersion);
        return c.json(openapi);
      },
    }),
    defineRoute({
      method: "get",
      path: "/metrics",
      tag: "meta",
      summary: "Prometheus metrics (text exposition format)",
      auth: "none",
      response: { description: "metrics", mediaType: "text/plain; version=0.0.4" },
      handle: ({ c }) =>
        c.body(renderMetrics(collectMetrics(ctx)), 200, {
          "content-type": "text/plain; version=0.0.4; charset=utf-8",
        }),
    }),
  ];
}

export function buildWebApp(ctx: WebContext, extraModules: readonly RouteModule[] = []): WebApp {
  const app = new Hono();
  const live = new LiveStreams();
  const files = loadStaticFiles();

  app.use("*", async (c, next) => {
    await next();
    c.header("X-Content-Type-Options", "nosniff");
    c.header("X-Frame-Options", "DENY");
    c.header("Referrer-Policy", "same-origin");
    c.header(
      "Content-Security-Policy",
      "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
    );
    if (c.req.path.startsWith("/api/")) c.header("Cache-Control", "no-store");
  });

  const routes: Route[] = [];
  routes.push(
    ...documentRoutes(ctx, () => routes),
    ...sessionRoutes(ctx),
    ...statusRoutes(ctx),
    ...liveRoutes(ctx, live),
    ...meterRoutes(ctx),
    ...parameterRoutes(ctx),
    ...eventRoutes(ctx),
    ...readingRoutes(ctx),
    ...maintenanceRoutes(ctx),
  );
  for (const module of extraModules) routes.push(...module(ctx));
  registerRoutes(app, routes, { sessions: ctx.sessions });

  const serveFile = (name: string) => {
    const file = files.get(name);
    if (file === undefined) return undefined;
    return new Response(file.body, { headers: { "content-type": file.type } });
  };
  app.get("/", () => serveFile("index.html") ?? new Response("UI files missing", { status: 500 }));
  app.get("/ui/:name", (c) => serveFile(c.req.param("name")) ?? c.text("not found", 404));

  app.notFound((c) =>
    c.req.path.startsWith("/api/")
      ? c.json({ error: "not-found", message: `no route ${c.req.method} ${c.req.path}` }, 404)
      : c.text("not found", 404),
  );
  app.onError((error, c) => {
    if (error instanceof HttpError) {
      return c.json(errorBody(error), error.status as 400);
    }
    ctx.logger.error(
      { error: String(error), stack: (error as Error).stack, path: c.req.path },
      "web request failed",
    );
    return c.json({ error: "internal", message: "internal error (logged)" }, 500);
  });
  return { app, routes, live };
}
