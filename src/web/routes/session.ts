/**
 * Logging in and out, and the password. The first password can be set only while none exists and only from
 * the machine itself (a loopback address), so a box whose interface listens on the network cannot be claimed
 * by whoever reaches it first; `opendcu web set-password` does the same from a shell.
 */
import type { HttpBindings } from "@hono/node-server";
import type { Context } from "hono";
import { deleteCookie, setCookie } from "hono/cookie";
import { z } from "zod";
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from "../auth/password.ts";
import type { Session } from "../auth/sessions.ts";
import type { WebContext } from "../context.ts";
import { defineRoute, HttpError, type Route, SESSION_COOKIE } from "../route-table.ts";

const password = z
  .string()
  .min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`)
  .max(MAX_PASSWORD_LENGTH, `must be at most ${MAX_PASSWORD_LENGTH} characters`);

const SESSION_INFO = z.object({
  authenticated: z.boolean(),
  passwordSet: z.boolean(),
  csrfToken: z.string().optional(),
  idleTimeoutSeconds: z.number(),
});

/** The peer's address as the socket saw it (no proxy headers are trusted). */
export function remoteAddress(c: Context): string {
  const env = c.env as Partial<HttpBindings> | undefined;
  return env?.incoming?.socket.remoteAddress ?? "unknown";
}

export function isLoopback(address: string): boolean {
  return address === "::1" || address.startsWith("127.") || address.startsWith("::ffff:127.");
}

function startSession(c: Context, ctx: WebContext): Session {
  const session = ctx.sessions.create();
  setCookie(c, SESSION_COOKIE, session.id, {
    httpOnly: true,
    sameSite: "Strict",
    path: "/",
    maxAge: Math.floor(ctx.sessions.maxAgeMs / 1000),
  });
  return session;
}

function info(ctx: WebContext, session: Session | undefined): z.infer<typeof SESSION_INFO> {
  return {
    authenticated: session !== undefined,
    passwordSet: ctx.passwords.isSet(),
    ...(session === undefined ? {} : { csrfToken: session.csrfToken }),
    idleTimeoutSeconds: Math.floor(ctx.sessions.idleMs / 1000),
  };
}

export function sessionRoutes(ctx: WebContext): Route[] {
  return [
    defineRoute({
      method: "get",
      path: "/api/session",
      tag: "access",
      summary: "Whether this browser is logged in, whether a password exists, and the CSRF token",
      auth: "none",
      response: { description: "session state", schema: SESSION_INFO },
      handle: ({ c, session }) => c.json(info(ctx, session)),
    }),
    defineRoute({
      method: "post",
      path: "/api/session",
      tag: "access",
      summary: "Log in with the password; sets an HttpOnly session cookie",
      auth: "none",
      json: z.object({ password: z.string().max(MAX_PASSWORD_LENGTH) }),
      response: { description: "logged in", schema: SESSION_INFO },
      handle: async ({ c, body }) => {
        const peer = remoteAddress(c);
        const wait = ctx.throttle.retryAfterMs(peer);
        if (wait > 0) {
          c.header("Retry-After", String(Math.ceil(wait / 1000)));
          throw new HttpError(
            429,
            "throttled",
            `too many wrong passwords; try again in ${Math.ceil(wait / 1000)} s`,
          );
        }
        if (!ctx.passwords.isSet()) {
          throw new HttpError(409, "no-password", "no password is set yet: set one first", "password");
        }
        if (!(await ctx.passwords.verify(body.password))) {
          ctx.throttle.failed(peer);
          ctx.logger.warn({ peer }, "web login refused: wrong password");
          throw new HttpError(401, "wrong-password", "wrong password", "password");
        }
        ctx.throttle.succeeded(peer);
        ctx.logger.info({ peer }, "web login");
        return c.json(info(ctx, startSession(c, ctx)));
      },
    }),
    defineRoute({
      method: "delete",
      path: "/api/session",
      tag: "access",
      summary: "Log out",
      auth: "session",
      response: { description: "logged out", schema: SESSION_INFO },
      handle: ({ c, session }) => {
        if (session !== undefined) ctx.sessions.destroy(session.id);
        deleteCookie(c, SESSION_COOKIE, { path: "/" });
        return c.json(info(ctx, undefined));
      },
    }),
    defineRoute({
      method: "post",
      path: "/api/session/password",
      tag: "access",
      summary: "First run: set the password (only while none is set, only from the machine itself)",
      auth: "none",
      json: z.object({ password }),
      response: { description: "password set and logged in", schema: SESSION_INFO },
      handle: async ({ c, body }) => {
        if (ctx.passwords.isSet()) {
          throw new HttpError(409, "password-set", "a password is already set; log in and change it");
        }
        const peer = remoteAddress(c);
        if (!isLoopback(peer)) {
          throw new HttpError(403, "not-local", "the first password can only be set from the machine itself");
        }
        await ctx.passwords.set(body.password);
        ctx.logger.info({ peer }, "web password set (first run)");
        return c.json(info(ctx, startSession(c, ctx)));
      },
    }),
    defineRoute({
      method: "put",
      path: "/api/session/password",
      tag: "access",
      summary: "Change the password (ends every other session)",
      auth: "session",
      json: z.object({ current: z.string().max(MAX_PASSWORD_LENGTH), password }),
      response: { description: "password changed; this browser stays logged in", schema: SESSION_INFO },
      handle: async ({ c, body }) => {
        if (!(await ctx.passwords.verify(body.current))) {
          throw new HttpError(401, "wrong-password", "the current password is wrong", "current");
        }
        await ctx.passwords.set(body.password);
        ctx.sessions.clear();
        ctx.logger.info({}, "web password changed");
        return c.json(info(ctx, startSession(c, ctx)));
      },
    }),
  ];
}
