/**
 * Reading status (from the store, and from a plugged-in engine provider) and the maintenance actions over
 * real HTTP: clock, initialisation with confirmation, upgrade upload (provider absent / present / too big),
 * SQLite backup download opened as a database, and the log tail.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, before, describe, it } from "node:test";
import { ManualClock } from "../src/common/clock.ts";
import { silentLogger } from "../src/common/logger.ts";
import { addDays, dayKey } from "../src/store/calendar.ts";
import { TerminalCore } from "../src/terminal/terminal-core.ts";
import { LogRing } from "../src/web/log-ring.ts";
import { OFFLINE_UPLINK, type ReadingStatusProvider, type WebProviders } from "../src/web/providers.ts";
import { startWebServer, type WebServer } from "../src/web/web-server.ts";
import { WebClient } from "./support/web-daemon.ts";

const OFFSET = 480;
const CSV = [
  "serial,point,port,protocol,address",
  "1,1,1,30,000000000001",
  "2,2,1,30,000000000002",
  "3,3,1,0,000000000003",
  "4,4,2,31,000000000004",
  "5,5,2,31,000000000005",
  "6,6,2,31,000000000006",
].join("\n");

describe("web reading status and maintenance", () => {
  const clock = new ManualClock(Date.UTC(2026, 10, 26, 2, 0, 0));
  const providers: WebProviders = {};
  const ring = new LogRing(100, "info", () => clock.now());
  let dir: string;
  let core: TerminalCore;
  let server: WebServer;
  let web: WebClient;
  let anonymous: WebClient;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "opendcu-webmaint-"));
    core = new TerminalCore({ dbPath: join(dir, "dcu.sqlite"), hostClock: clock, utcOffsetMinutes: OFFSET });
    core.start();
    server = await startWebServer({
      host: "127.0.0.1",
      port: 0,
      core,
      hostClock: clock,
      logger: ring.wrap(silentLogger),
      logRing: ring,
      identity: { area: "4403", address: 1 },
      uplink: OFFLINE_UPLINK,
      providers,
      dbPath: join(dir, "dcu.sqlite"),
      limits: { uploadMaxBytes: 4096 },
    });
    const base = `http://127.0.0.1:${server.port}`;
    web = new WebClient(base);
    await web.setup("maintenance-password");
    anonymous = new WebClient(base);
    const imported = await web.request("POST", "/api/meters/import", { body: CSV, contentType: "text/csv" });
    assert.equal(imported.status, 200, imported.text);
  });

  after(async () => {
    await server.close();
    core.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("reading status from the store: per port and day, missing today, one meter's history", async () => {
    const today = dayKey(core.clock.now(), OFFSET);
    const yesterday = addDays(today, -1);
    const at = core.clock.now();
    core.store.daily.putMany([
      ...[1, 2, 4, 5, 6].map((point) => ({
        point,
        item: "0D:F161",
        period: yesterday,
        readAt: at,
        value: { total: point },
      })),
      ...[1, 4].map((point) => ({
        point,
        item: "0D:F161",
        period: today,
        readAt: at,
        value: { total: point * 10 },
      })),
      // point 3 is "do not read": its data never counts
      { point: 3, item: "0D:F161", period: today, readAt: at, value: { total: 3 } },
    ]);
    core.store.readingState.recordFailure(5, at);
    core.store.readings.put({ point: 1, item: "AFN0C_F129", readAt: at, value: { total: 12.5 } });

    const daily = await web.get<{
      source: string;
      rows: { port: number; day: number; due: number; read: number }[];
    }>("/api/reading/daily?days=2");
    assert.equal(daily.body.source, "store");
    assert.deepEqual(daily.body.rows, [
      { port: 1, day: yesterday, due: 2, read: 2 },
      { port: 2, day: yesterday, due: 3, read: 3 },
      { port: 1, day: today, due: 2, read: 1 },
      { port: 2, day: today, due: 3, read: 1 },
    ]);
    const missing = await web.get<{
      total: number;
      meters: { point: number; consecutiveFailures: number }[];
    }>("/api/reading/missing");
    assert.equal(missing.body.total, 3);
    assert.deepEqual(
      missing.body.meters.map((m) => [m.point, m.consecutiveFailures]),
      [
        [2, 0],
        [5, 1],
        [6, 0],
      ],
    );
    const detail = await web.get<{
      daily: { day: number; value: { total: number } }[];
      latest: { item: string }[];
    }>("/api/reading/meters/1");
    assert.deepEqual(
      detail.body.daily.map((d) => [d.day, d.value.total]),
      [
        [yesterday, 1],
        [today, 10],
      ],
    );
    assert.deepEqual(
      detail.body.latest.map((l) => l.item),
      ["AFN0C_F129"],
    );
    assert.equal((await web.get("/api/reading/meters/999")).status, 404);
    assert.equal((await web.get("/api/reading/daily?days=0")).body.field, "days");
  });

  it("uses the reading engine's provider when one is plugged in", async () => {
    const engine: ReadingStatusProvider = {
      dailySuccess: () => [{ port: 31, day: 20261126, due: 9, read: 8 }],
      missingToday: () => ({ total: 0, meters: [] }),
      meterDetail: () => undefined,
    };
    providers.reading = engine;
    try {
      const daily = await web.get<{ source: string; rows: unknown[] }>("/api/reading/daily");
      assert.equal(daily.body.source, "engine");
      assert.deepEqual(daily.body.rows, [{ port: 31, day: 20261126, due: 9, read: 8 }]);
    } finally {
      delete providers.reading;
    }
  });

  it("sets the clock (ERC41 recorded); refuses a time the protocol cannot carry", async () => {
    assert.equal(
      (await anonymous.request("POST", "/api/maintenance/clock", { json: { time: 0 } })).status,
      401,
    );
    const target = Date.UTC(2027, 0, 2, 3, 4, 5);
    const r = await web.request("POST", "/api/maintenance/clock", { json: { time: target } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.clockText, "2027-01-02 11:04:05");
    assert.equal(core.clock.now(), target);
    const events = await web.get<{ events: { erc: number }[] }>("/api/events?erc=41");
    assert.equal(events.body.events.length, 1);
    const bad = await web.request("POST", "/api/maintenance/clock", { json: { time: Date.UTC(1990, 0, 1) } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.field, "time");
  });

  it("upgrade upload: 503 without an installer; with one, the bytes reach it; capped and typed", async () => {
    const pkg = new Uint8Array([1, 2, 3, 4, 5]);
    const send = (body: Uint8Array, name = "opendcu-0.2.0.bin", contentType = "application/octet-stream") =>
      web.request("POST", `/api/maintenance/upgrade?name=${name}`, { body, contentType });
    assert.equal((await send(pkg)).status, 503);
    const received: [string, number[]][] = [];
    providers.upgrade = {
      install: async (name, bytes) => {
        received.push([name, [...bytes]]);
        return { accepted: true, message: "staged" };
      },
    };
    try {
      const ok = await send(pkg);
      assert.equal(ok.status, 200, ok.text);
      assert.deepEqual(ok.body, { accepted: true, message: "staged", bytes: 5 });
      assert.deepEqual(received, [["opendcu-0.2.0.bin", [1, 2, 3, 4, 5]]]);
      assert.equal((await send(new Uint8Array(5000))).status, 413);
      assert.equal((await send(pkg, "x", "text/plain")).status, 415);
      assert.equal((await send(pkg, "../etc")).body.field, "name");
      assert.equal(
        (
          await anonymous.request("POST", "/api/maintenance/upgrade?name=a", {
            body: pkg,
            contentType: "application/octet-stream",
          })
        ).status,
        401,
      );
    } finally {
      delete providers.upgrade;
    }
  });

  it("backup: a consistent SQLite copy holding the archive", async () => {
    assert.equal((await anonymous.get("/api/maintenance/backup")).status, 401);
    const response = await fetch(`${web.base}/api/maintenance/backup`, {
      headers: { cookie: web.cookie ?? "" },
    });
    assert.equal(response.status, 200);
    assert.match(
      response.headers.get("content-disposition") ?? "",
      /attachment; filename="opendcu-\d+\.sqlite"/,
    );
    const bytes = new Uint8Array(await response.arrayBuffer());
    assert.equal(Buffer.from(bytes.subarray(0, 16)).toString("latin1"), "SQLite format 3\0");
    const copy = join(dir, "copy.sqlite");
    writeFileSync(copy, bytes);
    const db = new DatabaseSync(copy, { readOnly: true });
    try {
      assert.equal((db.prepare("SELECT count(*) AS n FROM meters").get() as { n: number }).n, 6);
      assert.deepEqual({ ...db.prepare("PRAGMA integrity_check").get() }, { integrity_check: "ok" });
    } finally {
      db.close();
    }
  });

  it("initialise needs the typed confirmation; F2 keeps meters, F3 clears them; the password survives", async () => {
    const noConfirm = await web.request("POST", "/api/maintenance/initialise", {
      json: { fn: 2, confirm: "yes" },
    });
    assert.equal(noConfirm.status, 400);
    assert.equal(noConfirm.body.field, "confirm");
    const f1 = await web.request("POST", "/api/maintenance/initialise", {
      json: { fn: 1, confirm: "initialise" },
    });
    assert.equal(f1.body.field, "fn");
    assert.ok(core.store.daily.count() > 0);

    const f2 = await web.request("POST", "/api/maintenance/initialise", {
      json: { fn: 2, confirm: "initialise" },
    });
    assert.equal(f2.status, 200, f2.text);
    assert.equal(core.store.daily.count(), 0);
    assert.equal(core.store.meters.count(), 6);
    const f3 = await web.request("POST", "/api/maintenance/initialise", {
      json: { fn: 3, confirm: "initialise" },
    });
    assert.equal(f3.status, 200);
    assert.equal(core.store.meters.count(), 0);
    assert.equal((await new WebClient(web.base).login("maintenance-password")).status, 200);
  });

  it("log tail: recent lines at a level, only for a session", async () => {
    assert.equal((await anonymous.get("/api/maintenance/log")).status, 401);
    const warn = await web.get<{ lines: { level: string; message: string }[] }>(
      "/api/maintenance/log?level=warn",
    );
    assert.ok(warn.body.lines.length > 0);
    assert.ok(warn.body.lines.every((l) => l.level === "warn" || l.level === "error"));
    assert.ok(warn.body.lines.some((l) => l.message === "initialisation from the web interface"));
    const info = await web.get<{ lines: { message: string }[] }>("/api/maintenance/log?limit=500");
    assert.ok(info.body.lines.some((l) => l.message === "web password set (first run)"));
    assert.equal((await web.get("/api/maintenance/log?level=loud")).body.field, "level");
  });
});
