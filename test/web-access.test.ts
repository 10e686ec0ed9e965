/**
 * The web API's access rules over real HTTP on 127.0.0.1: first-run password, login, logout, wrong passwords
 * and throttling, session time-out (ManualClock), CSRF and cross-origin refusal, body caps and media types,
 * and that every mounted route is in the OpenAPI document.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ManualClock } from "../src/common/clock.ts";
import { silentLogger } from "../src/common/logger.ts";
import { TerminalCore } from "../src/terminal/terminal-core.ts";
import { buildWebApp } from "../src/web/app.ts";
import { OFFLINE_UPLINK } from "../src/web/providers.ts";
import { startWebServer, type WebServer } from "../src/web/web-server.ts";
import { WebClient } from "./support/web-daemon.ts";

const PASSWORD = "correct horse battery";

describe("web access control", () => {
  const clock = new ManualClock(Date.UTC(2026, 10, 26, 2, 0, 0));
  let core: TerminalCore;
  let server: WebServer;
  let base: string;

  before(async () => {
    core = new TerminalCore({ dbPath: ":memory:", hostClock: clock, utcOffsetMinutes: 480 });
    core.start();
    server = await startWebServer({
      host: "127.0.0.1",
      port: 0,
      core,
      hostClock: clock,
      logger: silentLogger,
      identity: { area: "4403", address: 1 },
      uplink: OFFLINE_UPLINK,
      dbPath: ":memory:",
      sessionIdleMs: 15 * 60_000,
    });
    base = `http://127.0.0.1:${server.port}`;
  });

  after(async () => {
    await server.close();
    core.close();
  });

  it("first run: no password; the first one is set from loopback only once, and it must be long enough", async () => {
    const web = new WebClient(base);
    const state = await web.get("/api/session");
    assert.equal(state.status, 200);
    assert.deepEqual([state.body.authenticated, state.body.passwordSet], [false, false]);

    const login = await web.login("anything at all");
    assert.equal(login.status, 409);

    const short = await web.request("POST", "/api/session/password", { json: { password: "short" } });
    assert.equal(short.status, 400);
    assert.equal(short.body.field, "password");
    assert.match(String(short.body.message), /at least 8/);

    await web.setup(PASSWORD);
    assert.ok(web.cookie?.startsWith("opendcu_session="));
    const now = await web.get("/api/session");
    assert.deepEqual([now.body.authenticated, now.body.passwordSet], [true, true]);
    assert.equal(typeof now.body.csrfToken, "string");

    const again = await new WebClient(base).request("POST", "/api/session/password", {
      json: { password: "another password" },
    });
    assert.equal(again.status, 409, "the first-run setup is closed once a password exists");
  });

  it("the cookie is HttpOnly and SameSite=Strict; the hash at rest is scrypt, never the password", async () => {
    const web = new WebClient(base);
    const r = await web.login(PASSWORD);
    assert.equal(r.status, 200);
    const cookie = r.headers.get("set-cookie") ?? "";
    assert.match(cookie, /HttpOnly/i);
    assert.match(cookie, /SameSite=Strict/i);
    const stored = core.store.kv.getString("web.passwordHash") ?? "";
    assert.match(stored, /^scrypt\$16384\$8\$1\$/);
    assert.ok(!stored.includes(PASSWORD));
  });

  it("state changes need a session, then the CSRF header, and refuse other origins", async () => {
    const anonymous = new WebClient(base);
    const noSession = await anonymous.request("DELETE", "/api/session");
    assert.equal(noSession.status, 401);
    assert.equal(noSession.body.error, "unauthenticated");

    const web = new WebClient(base);
    await web.login(PASSWORD);
    const noCsrf = await web.request("DELETE", "/api/session", { headers: { "x-csrf-token": "wrong" } });
    assert.equal(noCsrf.status, 403);
    assert.equal(noCsrf.body.error, "csrf");

    const crossSite = await web.request("DELETE", "/api/session", {
      headers: { origin: "http://evil.example" },
    });
    assert.equal(crossSite.status, 403);
    assert.equal(crossSite.body.error, "forbidden-origin");

    const sameSite = await web.request("DELETE", "/api/session", { headers: { origin: base } });
    assert.equal(sameSite.status, 200);
    assert.equal(sameSite.body.authenticated, false);
    assert.equal((await web.get("/api/session")).body.authenticated, false, "logged out");
  });

  it("wrong passwords name the field and are throttled after five", async () => {
    const web = new WebClient(base);
    for (let i = 0; i < 5; i++) {
      const r = await web.login("not the password");
      assert.equal(r.status, 401);
      assert.equal((r.body as Record<string, unknown>).field, "password");
    }
    const locked = await web.login(PASSWORD);
    assert.equal(locked.status, 429, "even the right password waits out the lock");
    assert.ok(Number(locked.headers.get("retry-after")) > 0);
    clock.advance(31_000);
    assert.equal((await web.login(PASSWORD)).status, 200);
  });

  it("a session times out after the idle time", async () => {
    const web = new WebClient(base);
    await web.login(PASSWORD);
    clock.advance(14 * 60_000);
    assert.equal((await web.get("/api/session")).body.authenticated, true, "used within the idle time");
    clock.advance(14 * 60_000);
    assert.equal(
      (await web.get("/api/session")).body.authenticated,
      true,
      "each request restarts the idle time",
    );
    clock.advance(15 * 60_000);
    assert.equal((await web.get("/api/session")).body.authenticated, false);
    assert.equal((await web.request("DELETE", "/api/session")).status, 401);
  });

  it("bodies are capped, must be JSON, and must parse", async () => {
    const web = new WebClient(base);
    const big = await web.request("POST", "/api/session", { json: { password: "x".repeat(100_000) } });
    assert.equal(big.status, 413);
    assert.equal(big.body.error, "too-large");
    const form = await web.request("POST", "/api/session", {
      body: "password=x",
      contentType: "application/x-www-form-urlencoded",
    });
    assert.equal(form.status, 415, "a form post (the classic CSRF vector) is refused");
    const broken = await web.request("POST", "/api/session", { body: "{", contentType: "application/json" });
    assert.equal(broken.status, 400);
    assert.equal(broken.body.field, "body");
    const wrongType = await web.request("POST", "/api/session", { json: { password: 42 } });
    assert.equal(wrongType.status, 400);
    assert.equal(wrongType.body.field, "password");
  });

  it("changing the password ends other sessions", async () => {
    const a = new WebClient(base);
    const b = new WebClient(base);
    await a.login(PASSWORD);
    await b.login(PASSWORD);
    const wrong = await a.request("PUT", "/api/session/password", {
      json: { current: "nope nope", password: "a new password" },
    });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.field, "current");
    const ok = await a.request("PUT", "/api/session/password", {
      json: { current: PASSWORD, password: "a new password" },
    });
    assert.equal(ok.status, 200);
    a.csrf = (ok.body as { csrfToken: string }).csrfToken;
    assert.equal((await a.get("/api/session")).body.authenticated, true);
    assert.equal((await b.get("/api/session")).body.authenticated, false);
    assert.equal((await new WebClient(base).login("a new password")).status, 200);
    await a.request("PUT", "/api/session/password", {
      json: { current: "a new password", password: PASSWORD },
    });
  });

  it("unknown API paths answer JSON 404; the UI page is served with a strict CSP", async () => {
    const web = new WebClient(base);
    const missing = await web.get("/api/nothing-here");
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error, "not-found");
    const page = await web.get<string>("/");
    assert.equal(page.status, 200);
    assert.match(page.text, /<html/);
    assert.match(page.headers.get("content-security-policy") ?? "", /default-src 'self'/);
    assert.equal((await web.get("/ui/..%2Fapp.ts")).status, 404);
  });

  it("every mounted API route (and /metrics) is in the OpenAPI document, and nothing else is", async () => {
    const { app } = buildWebApp(server.context);
    const mounted = new Set(
      app.routes
        .filter((r) => r.method !== "ALL" && (r.path.startsWith("/api/") || r.path === "/metrics"))
        .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, "{$1}")}`),
    );
    const doc = (await new WebClient(base).get("/api/openapi.json")).body as {
      openapi: string;
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    assert.equal(doc.openapi, "3.1.0");
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`)),
    );
    assert.ok(mounted.size >= 8, `expected the API routes, found ${[...mounted].join(", ")}`);
    assert.deepEqual([...mounted].sort(), [...documented].sort());
    assert.ok(doc.paths["/api/session"]?.post?.responses["400"], "validation errors are documented");
  });
});
