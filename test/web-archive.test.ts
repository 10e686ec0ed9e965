/**
 * The meter archive, parameter and event APIs over real HTTP against a terminal core on a real SQLite file:
 * F10 validation shared with the master's path (duplicates name the field), CSV import of a full 2,040-meter
 * archive with search and paging, parameter edits through the parameter service, events and alarm
 * acknowledgement, and refusal of every change without a session.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ManualClock } from "../src/common/clock.ts";
import { silentLogger } from "../src/common/logger.ts";
import { decodeErcRecord } from "../src/protocol/gw1376-1/erc.ts";
import { erc21, TERMINAL_FAULT } from "../src/terminal/erc-records.ts";
import { TerminalCore } from "../src/terminal/terminal-core.ts";
import { meterCsv, parseMeterCsv } from "../src/web/meters/meter-csv.ts";
import type { MeterForm } from "../src/web/meters/meter-form.ts";
import { OFFLINE_UPLINK } from "../src/web/providers.ts";
import { startWebServer, type WebServer } from "../src/web/web-server.ts";
import { WebClient } from "./support/web-daemon.ts";

const address = (n: number) => String(n).padStart(12, "0");
const meter = (serial: number, extra: Partial<MeterForm> = {}) => ({
  serial,
  point: serial,
  port: 2,
  protocol: 30,
  address: address(100_000 + serial),
  ...extra,
});

describe("web archive, parameters and events", () => {
  const clock = new ManualClock(Date.UTC(2026, 10, 26, 2, 0, 0));
  let dir: string;
  let core: TerminalCore;
  let server: WebServer;
  let web: WebClient;
  let anonymous: WebClient;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "opendcu-webarchive-"));
    core = new TerminalCore({ dbPath: join(dir, "dcu.sqlite"), hostClock: clock, utcOffsetMinutes: 480 });
    core.start();
    server = await startWebServer({
      host: "127.0.0.1",
      port: 0,
      core,
      hostClock: clock,
      logger: silentLogger,
      identity: { area: "4403", address: 1 },
      uplink: OFFLINE_UPLINK,
      dbPath: join(dir, "dcu.sqlite"),
      limits: { csvMaxBytes: 200_000 },
    });
    const base = `http://127.0.0.1:${server.port}`;
    web = new WebClient(base);
    await web.setup("archive-test-password");
    anonymous = new WebClient(base);
  });

  after(async () => {
    await server.close();
    core.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("refuses every change without a session", async () => {
    assert.equal((await anonymous.request("POST", "/api/meters", { json: meter(1) })).status, 401);
    assert.equal((await anonymous.request("PUT", "/api/meters/1", { json: meter(1) })).status, 401);
    assert.equal((await anonymous.request("DELETE", "/api/meters/1")).status, 401);
    assert.equal(
      (await anonymous.request("POST", "/api/meters/import", { body: "serial\n1", contentType: "text/csv" }))
        .status,
      401,
    );
    assert.equal(
      (await anonymous.request("PUT", "/api/parameters/1/0", { json: { value: {} } })).status,
      401,
    );
    assert.equal((await anonymous.request("POST", "/api/events/acknowledge")).status, 401);
    assert.equal(core.store.meters.count(), 0);
  });

  it("adds a meter through the F10 path: stored, readable, audited with ERC3 from master address 0", async () => {
    const before = core.store.events.counters();
    const r = await web.request("POST", "/api/meters", { json: meter(1, { baud: 2400, tariffs: 4 }) });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.address, address(100_001));
    assert.equal(r.body.baud, 2400);
    const stored = core.store.meters.get(1);
    assert.equal(stored?.port, 2);
    assert.equal(stored?.baudCode, 3, "2400 baud is F10 code 3");
    assert.equal(stored?.raw.length, 27);
    assert.equal(core.parameters.queryMeters([1]).length, 2 + 27, "AFN0A F10 answers the entry");
    const after = core.store.events.counters();
    assert.equal(after.importantTotal, before.importantTotal + 1);
    const [erc3] = core.store.events.latest("important", 1);
    const decoded = decodeErcRecord(erc3?.record ?? new Uint8Array());
    assert.ok(decoded.ok);
    assert.equal(decoded.value.erc, 3);
    assert.equal((decoded.value.data as { msa: number }).msa, 0);
  });

  it("bad input names the field; duplicates are refused with 409 by the shared F10 validation", async () => {
    const cases: [Record<string, unknown>, number, string][] = [
      [meter(2, { address: "12345" }), 400, "address"],
      [meter(2, { port: 0 }), 400, "port"],
      [{ ...meter(2), baud: 300 }, 400, "baud"],
      [{ ...meter(2), serial: 5000 }, 400, "serial"],
      [{ ...meter(2), address: undefined }, 400, "address"],
      [meter(2, { address: address(100_001) }), 409, "address"],
      [meter(2, { point: 1 }), 409, "point"],
      [meter(1), 409, "serial"],
    ];
    for (const [body, status, field] of cases) {
      const r = await web.request("POST", "/api/meters", { json: body });
      assert.equal(r.status, status, `${JSON.stringify(body)} → ${r.text}`);
      assert.equal(r.body.field, field, r.text);
    }
    // the same address on another port is a different meter
    assert.equal(
      (await web.request("POST", "/api/meters", { json: meter(2, { address: address(100_001), port: 3 }) }))
        .status,
      201,
    );
    assert.equal(core.store.meters.count(), 2);
  });

  it("edits and deletes", async () => {
    const edited = await web.request("PUT", "/api/meters/2", { json: meter(2, { port: 4, protocol: 31 }) });
    assert.equal(edited.status, 200, edited.text);
    assert.equal(core.store.meters.get(2)?.port, 4);
    assert.equal(core.store.meters.get(2)?.protocol, 31);
    const mismatch = await web.request("PUT", "/api/meters/2", { json: meter(3) });
    assert.equal(mismatch.status, 400);
    assert.equal(mismatch.body.field, "serial");
    assert.equal((await web.request("PUT", "/api/meters/99", { json: meter(99) })).status, 404);
    assert.equal((await web.request("DELETE", "/api/meters/2")).status, 200);
    assert.equal(core.store.meters.get(2), undefined);
    assert.equal((await web.get("/api/meters/2")).status, 404);
    assert.equal((await web.get("/api/meters/abc")).body.field, "serial");
  });

  it("imports a full archive of 2,040 meters from CSV, pages and searches it, exports the same CSV", async () => {
    const forms = Array.from({ length: 2040 }, (_, i) => meter(i + 1, { port: (i % 3) + 1 }));
    const csv = `serial,point,port,protocol,address\n${forms.map((f) => `${f.serial},${f.point},${f.port},${f.protocol},${f.address}`).join("\n")}\n`;
    const r = await web.request("POST", "/api/meters/import", { body: csv, contentType: "text/csv" });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body, { imported: 2040, total: 2040 });

    const last = await web.get<{ total: number; meters: MeterForm[] }>("/api/meters?offset=2000&limit=50");
    assert.equal(last.body.total, 2040);
    assert.deepEqual(
      last.body.meters.map((m) => m.serial),
      Array.from({ length: 40 }, (_, i) => 2001 + i),
    );
    const port2 = await web.get<{ total: number; meters: MeterForm[] }>("/api/meters?port=2&limit=500");
    assert.equal(port2.body.total, 680);
    assert.ok(port2.body.meters.every((m) => m.port === 2));
    const found = await web.get<{ total: number; meters: MeterForm[] }>(
      `/api/meters?search=${address(101_234)}`,
    );
    assert.equal(found.body.total, 1);
    assert.equal(found.body.meters[0]?.serial, 1234);
    assert.equal((await web.get("/api/meters?limit=0")).body.field, "limit");

    const exported = await web.get<string>("/api/meters/export.csv");
    assert.match(exported.headers.get("content-type") ?? "", /text\/csv/);
    const round = parseMeterCsv(exported.text);
    assert.equal(round.length, 2040);
    assert.equal(meterCsv(round), exported.text);
    assert.equal(round[1233]?.address, address(101_234));
  });

  it("a CSV import is all or nothing and names the line and column of a problem", async () => {
    const before = core.store.meters.get(5);
    const bad = "serial,point,port,protocol,address\n5,5,1,30,000000000005\n6,6,1,30,12AB\n";
    const r = await web.request("POST", "/api/meters/import", { body: bad, contentType: "text/csv" });
    assert.equal(r.status, 400);
    assert.equal(r.body.field, "address");
    assert.equal(r.body.line, 3);
    const dup = "serial,point,port,protocol,address\n5,5,1,30,000000000777\n6,6,1,30,000000000777\n";
    const d = await web.request("POST", "/api/meters/import", { body: dup, contentType: "text/csv" });
    assert.equal(d.status, 409, d.text);
    assert.deepEqual(core.store.meters.get(5), before, "nothing of a refused import is stored");
    const unknown = await web.request("POST", "/api/meters/import", {
      body: "serial,colour\n1,red\n",
      contentType: "text/csv",
    });
    assert.equal(unknown.body.field, "colour");
    const huge = await web.request("POST", "/api/meters/import", {
      body: "x".repeat(300_000),
      contentType: "text/csv",
    });
    assert.equal(huge.status, 413);
    const json = await web.request("POST", "/api/meters/import", { json: { serial: 1 } });
    assert.equal(json.status, 415);
  });

  it("parameters: list, template, edit through the parameter service, field-named refusals", async () => {
    const list = await web.get<{ fn: number; setPoints: number[] }[]>("/api/parameters");
    const fns = list.body.map((p) => p.fn);
    assert.ok(fns.includes(1) && fns.includes(3));
    assert.ok(!fns.includes(10), "F10 is edited on the meter page");

    const f1 = await web.get<{ set: boolean; value: Record<string, unknown> }>("/api/parameters/1/0");
    assert.equal(f1.body.set, false);
    assert.ok(f1.body.value !== null && typeof f1.body.value === "object", "a template to start from");
    const value = { ...f1.body.value, heartbeatMinutes: 7 };
    const put = await web.request<{ set: boolean; value: Record<string, unknown>; hex: string }>(
      "PUT",
      "/api/parameters/1/0",
      {
        json: { value },
      },
    );
    assert.equal(put.status, 200, put.text);
    assert.equal(put.body.set, true);
    assert.equal(put.body.value.heartbeatMinutes, 7);
    const stored = core.parameters.get(1, 0);
    assert.ok(stored);
    assert.equal(put.body.hex.replace(/ /g, ""), Buffer.from(stored).toString("hex").toUpperCase());
    assert.deepEqual((await web.get("/api/parameters")).body, (await web.get("/api/parameters")).body);
    const listed = (await web.get<{ fn: number; setPoints: number[] }[]>("/api/parameters")).body.find(
      (p) => p.fn === 1,
    );
    assert.deepEqual(listed?.setPoints, [0]);

    const wrongType = await web.request("PUT", "/api/parameters/1/0", {
      json: { value: { ...value, heartbeatMinutes: "x" } },
    });
    assert.equal(wrongType.status, 400);
    assert.equal(wrongType.body.field, "value.heartbeatMinutes");
    const extra = await web.request("PUT", "/api/parameters/1/0", {
      json: { value: { ...value, colour: 1 } },
    });
    assert.equal(extra.body.field, "value.colour");
    assert.equal(
      (await web.request("PUT", "/api/parameters/10/0", { json: { value: {} } })).body.field,
      "fn",
    );
    assert.equal((await web.request("PUT", "/api/parameters/1/5", { json: { value } })).body.field, "pn");
    assert.equal(core.parameters.getDecoded(1, 0) !== undefined, true);
    assert.equal((core.parameters.getDecoded(1, 0) as { heartbeatMinutes: number }).heartbeatMinutes, 7);
  });

  it("events: listed decoded; an alarm lights the indicator until acknowledged", async () => {
    const all = await web.get<{ events: { erc: number; name: string; data: { erc: number } }[] }>(
      "/api/events",
    );
    assert.ok(all.body.events.some((e) => e.erc === 3 && e.name === "parameter change"));
    assert.equal(
      (await web.get<{ indicators: { alarm: boolean } }>("/api/status")).body.indicators.alarm,
      false,
    );

    core.events.record(erc21(core.clock.now(), 480, TERMINAL_FAULT.rs485Reading));
    const status = await web.get<{
      indicators: { alarm: boolean };
      events: { unacknowledgedAlarms: number };
    }>("/api/status");
    assert.equal(status.body.indicators.alarm, true);
    assert.equal(status.body.events.unacknowledgedAlarms, 1);
    const alarms = await web.get<{
      events: { erc: number; unacknowledged: boolean; data: { data: { faultCode: number } } }[];
    }>("/api/events?alarmsOnly=true");
    assert.equal(alarms.body.events.length, 1);
    assert.equal(alarms.body.events[0]?.erc, 21);
    assert.equal(alarms.body.events[0]?.unacknowledged, true);
    assert.equal(alarms.body.events[0]?.data.data.faultCode, TERMINAL_FAULT.rs485Reading);
    assert.equal(
      (await web.get<{ events: unknown[] }>("/api/events?erc=21&ring=general")).body.events.length,
      0,
    );

    const ack = await web.request("POST", "/api/events/acknowledge");
    assert.deepEqual(ack.body, { acknowledged: 1 });
    assert.equal(
      (await web.get<{ indicators: { alarm: boolean } }>("/api/status")).body.indicators.alarm,
      false,
    );
    assert.equal(
      (await web.get<{ events: { unacknowledged: boolean }[] }>("/api/events?erc=21")).body.events[0]
        ?.unacknowledged,
      false,
    );
  });

  it("meter events: filtered by point and kind", async () => {
    core.store.meterEvents.append({
      point: 3,
      kind: "cover-open",
      occurredAt: null,
      recordedAt: clock.now(),
      data: { n: 1 },
    });
    core.store.meterEvents.append({
      point: 4,
      kind: "clock-deviation",
      occurredAt: null,
      recordedAt: clock.now(),
      data: {},
    });
    const p3 = await web.get<{ events: { point: number; kind: string }[] }>("/api/meter-events?point=3");
    assert.deepEqual(
      p3.body.events.map((e) => [e.point, e.kind]),
      [[3, "cover-open"]],
    );
    const kind = await web.get<{ events: { point: number }[] }>("/api/meter-events?kind=clock-deviation");
    assert.deepEqual(
      kind.body.events.map((e) => e.point),
      [4],
    );
    assert.equal((await web.get("/api/meter-events?point=0")).body.field, "point");
  });
});
