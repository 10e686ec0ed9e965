/**
 * Every HTTP route is declared once, as data: method, path, who may call it, the zod schemas of its path
 * parameters, query and body, the body cap, and the handler. `registerRoutes` mounts the declarations on
 * Hono (validation, body caps, session and CSRF checks applied uniformly) and `openapi.ts` derives the
 * OpenAPI document from the same list, so the document cannot drift from what is served.
 *
 *   request ─► origin check ─► session (+ CSRF for unsafe methods) ─► params/query ─► capped body ─► handler
 */
import type { Context, Hono } from "hono";
import { getCookie } from "hono/cookie";
import { z } from "zod";
import { csrfTokenMatches, type Session, type SessionStore } from "./auth/sessions.ts";

export type Method = "get" | "post" | "put" | "delete";

export const SESSION_COOKIE = "opendcu_session";
export const CSRF_HEADER = "x-csrf-token";
/** Default cap of a JSON body. */
export const DEFAULT_JSON_LIMIT = 64 * 1024;

/** An error a handler throws to answer with an HTTP status and a JSON error body. */
export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field: string | undefined;
  readonly extra: Readonly<Record<string, unknown>>;

  constructor(
    status: number,
    code: string,
    message: string,
    field?: string,
    extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
    this.extra = extra;
  }
}

/** The JSON error body every failure has: a code, a message, and the field when one input was wrong. */
export const ERROR_SCHEMA = z.object({
  error: z.string(),
  message: z.string(),
  field: z.string().optional(),
  issues: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
});

export interface RawBody {
  /** Accepted media types, e.g. ["text/csv", "text/plain"]. */
  readonly mediaTypes: readonly string[];
  readonly maxBytes: number;
}

export interface RouteInput<P, Q, B> {
  readonly c: Context;
  readonly params: P;
  readonly query: Q;
  readonly body: B;
  /** Raw body bytes for `raw` routes. */
  readonly raw: Uint8Array | undefined;
  readonly session: Session | undefined;
}

export interface RouteDefinition<
  P extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
> {
  readonly method: Method;
  /** OpenAPI form: `/api/meters/{serial}`. */
  readonly path: string;
  readonly tag: string;
  readonly summary: string;
  readonly description?: string;
  /** "session": only a logged-in caller (and, for unsafe methods, with the CSRF header). */
  readonly auth: "none" | "session";
  readonly params?: P;
  readonly query?: Q;
  readonly json?: B;
  readonly jsonMaxBytes?: number;
  readonly raw?: RawBody;
  /** What a success answers. */
  readonly response: {
    readonly status?: number;
    readonly mediaType?: string;
    readonly description: string;
    readonly schema?: z.ZodType;
  };
  readonly handle: (input: RouteInput<z.output<P>, z.output<Q>, z.output<B>>) => Response | Promise<Response>;
}

/** The type-erased form kept in the route list. */
export type Route = RouteDefinition<z.ZodType, z.ZodType, z.ZodType>;

/** Declares a route with its handler typed by its schemas. */
export function defineRoute<
  P extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
>(definition: RouteDefinition<P, Q, B>): Route {
  return definition as unknown as Route;
}

export function honoPath(openApiPath: string): string {
  return openApiPath.replace(/\{([A-Za-z0-9_]+)\}/g, ":$1");
}

function isUnsafe(method: Method): boolean {
  return method !== "get";
}

/** zod issues → the error body, naming each field as `in.path` would be noise: the field path alone. */
function validationError(issues: readonly z.core.$ZodIssue[], where: string): HttpError {
  const list = issues.map((i) => ({
    field: i.path.length === 0 ? where : i.path.map(String).join("."),
    message: i.message,
  }));
  const first = list[0] ?? { field: where, message: "invalid" };
  return new HttpError(400, "validation", `${first.field}: ${first.message}`, first.field, { issues: list });
}

function parseWith<S extends z.ZodType>(schema: S | undefined, value: unknown, where: string): z.output<S> {
  if (schema === undefined) return undefined as z.output<S>;
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(result.error.issues, where);
  return result.data;
}

/** Reads the request body, refusing more than `maxBytes` (Content-Length first, then while streaming). */
export async function readCappedBody(c: Context, maxBytes: number): Promise<Uint8Array> {
  const declared = c.req.header("content-length");
  if (declared !== undefined && Number(declared) > maxBytes) {
    throw new HttpError(413, "too-large", `body exceeds ${maxBytes} bytes`);
  }
  const stream = c.req.raw.body;
  if (stream === null) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw new HttpError(413, "too-large", `body exceeds ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

function mediaType(c: Context): string {
  return (c.req.header("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}

/**
 * Cross-site requests are refused before anything else: a browser always sends Origin on a cross-origin
 * unsafe request, and it must name this server. (The session cookie is SameSite=Strict and unsafe calls also
 * need the CSRF header, which another origin cannot set without a CORS grant we never give.)
 */
function checkOrigin(c: Context): void {
  const origin = c.req.header("origin");
  if (origin === undefined || origin === "null") {
    if (origin === "null")
      throw new HttpError(403, "forbidden-origin", "requests from an opaque origin are refused");
    return;
  }
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    throw new HttpError(403, "forbidden-origin", "malformed Origin header");
  }
  if (host !== c.req.header("host")) {
    throw new HttpError(403, "forbidden-origin", `cross-origin request from ${origin} refused`);
  }
}

export interface RouteEnvironment {
  readonly sessions: SessionStore;
}

/** The session named by the request's cookie, if it is live. */
export function sessionOf(c: Context, sessions: SessionStore): Session | undefined {
  return sessions.touch(getCookie(c, SESSION_COOKIE));
}

/** Mounts the routes on `app`. */
export function registerRoutes(app: Hono, routes: readonly Route[], env: RouteEnvironment): void {
  for (const route of routes) {
    app.on(route.method.toUpperCase(), honoPath(route.path), async (c) => {
      if (isUnsafe(route.method)) checkOrigin(c);
      const session = sessionOf(c, env.sessions);
      if (route.auth === "session") {
        if (session === undefined)
          throw new HttpError(401, "unauthenticated", "log in first (session missing or timed out)");
        if (isUnsafe(route.method) && !csrfTokenMatches(session, c.req.header(CSRF_HEADER))) {
          throw new HttpError(403, "csrf", `missing or wrong ${CSRF_HEADER} header`);
        }
      }
      const params = parseWith(route.params, c.req.param(), "path");
      const query = parseWith(route.query, c.req.query(), "query");
      let body: unknown;
      let raw: Uint8Array | undefined;
      if (route.json !== undefined) {
        if (mediaType(c) !== "application/json") {
          throw new HttpError(415, "unsupported-media-type", "send the body as application/json");
        }
        const bytes = await readCappedBody(c, route.jsonMaxBytes ?? DEFAULT_JSON_LIMIT);
        let parsed: unknown;
        try {
          parsed = JSON.parse(new TextDecoder().decode(bytes));
        } catch {
          throw new HttpError(400, "validation", "body: not valid JSON", "body");
        }
        body = parseWith(route.json, parsed, "body");
      } else if (route.raw !== undefined) {
        if (!route.raw.mediaTypes.includes(mediaType(c))) {
          throw new HttpError(
            415,
            "unsupported-media-type",
            `send the body as ${route.raw.mediaTypes.join(" or ")}`,
          );
        }
        raw = await readCappedBody(c, route.raw.maxBytes);
      }
      return route.handle({ c, params, query, body, raw, session });
    });
  }
}

/** The JSON body of an `HttpError`. */
export function errorBody(error: HttpError): Record<string, unknown> {
  return {
    error: error.code,
    message: error.message,
    ...(error.field === undefined ? {} : { field: error.field }),
    ...error.extra,
  };
}
