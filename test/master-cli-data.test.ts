/**
 * `opendcu master` data verbs in child processes against a daemon serving on loopback (real TCP, real SQLite
 * file): meters add/list, params set/get, read realtime/daily, forward, init — human and --json output,
 * exit codes, and errors that name the flag or the CSV line.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { addDays, dayKey } from "../src/store/calendar.ts";
import { type ServerDaemonFixture, startServerDaemon } from "./support/server-daemon.ts";

const NODE = process.execPath;
const MAIN = new URL("../src/cli/main.ts", import.meta.url).pathname;
const exec = promisify(execFile);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe("opendcu master data verbs", { timeout: 240_000 }, () => {
  let fixture: ServerDaemonFixture;
  let connect: string;
  let td: string;

  async function master(...args: string[]): Promise<Run> {
    try {
      const { stdout, stderr } = await exec(NODE, [
        MAIN,
        "master",
        "--connect",
        connect,
        "--timeout",
        "30000",
        ...args,
      ]);
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code?: number; stdout?: string; stderr?: string };
      return { code: e.code ?? -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
    }
  }

  before(async () => {
    fixture = await startServerDaemon();
    const at = fixture.daemon.listening;
    assert.ok(at);
    connect = `${at.host}:${at.port}`;
    const day = addDays(dayKey(fixture.daemon.core.clock.now(), fixture.daemon.config.utcOffsetMinutes), -1);
    td = `${Math.floor(day / 10_000)}-${String(Math.floor(day / 100) % 100).padStart(2, "0")}-${String(day % 100).padStart(2, "0")}`;
    const energy = (pn: number) => ({
      readTime: "2026-11-25 00:05",
      tariffCount: 1,
      energy: [{ value: pn }, { value: pn / 2 }],
    });
    fixture.daemon.core.store.daily.putMany(
      Array.from({ length: 100 }, (_, i) => ({
        point: i + 1,
        item: "0D:F161",
        period: day,
        readAt: 0,
        value: energy(i + 1),
      })),
    );
    fixture.daemon.core.store.readings.putMany(
      [1, 2].map((pn) => ({
        point: pn,
        item: "0C:F129",
        readAt: fixture.daemon.core.clock.now(),
        value: energy(pn),
      })),
    );
  });

  after(async () => {
    await fixture?.close();
  });

  it("meters add --csv sends a validated archive in frames; meters list reads it back", async () => {
    const rows = Array.from(
      { length: 130 },
      (_, i) => `${i + 1},${i + 1},2,645-2007,${String(i + 1).padStart(12, "0")}`,
    );
    const file = join(fixture.dir, "meters.csv");
    writeFileSync(file, `serial,pn,port,protocol,address\n${rows.join("\n")}\n`);
    const add = await master("--json", "meters", "add", "--csv", file);
    assert.equal(add.code, 0, add.stderr);
    assert.deepEqual(JSON.parse(add.stdout), { accepted: 130, refused: [] });
    assert.match(add.stderr, /meters sent: 130\/130/);
    const list = await master("--json", "meters", "list", "--serials", "1-200");
    assert.equal(list.code, 0, list.stderr);
    const meters = JSON.parse(list.stdout) as { serial: number; address: string; protocol: number }[];
    assert.equal(meters.length, 130);
    assert.deepEqual(meters[129], { ...meters[129], serial: 130, address: "000000000130", protocol: 30 });
    const human = await master("meters", "list", "--serials", "5");
    assert.match(human.stdout, /^ {3}5 {2}p5 .*645-2007 {2}000000000005/m);
  });

  it("meters add refuses a bad CSV before sending, naming the line", async () => {
    const file = join(fixture.dir, "bad.csv");
    writeFileSync(file, "serial,pn,port,protocol,address\n1,1,2,30,000000000001\n2,2,40,30,000000000002\n");
    const run = await master("meters", "add", "--csv", file);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /CSV line 3: port must be 1\.\.31/);
  });

  it("params set sends a JSON value that params get reads back; a bad value names the field", async () => {
    const f1 = {
      rtsDelay20ms: 3,
      initiatorDelayMinutes: 4,
      response: { timeoutSeconds: 30, resends: 2, reserved: 0 },
      confirmFlags: 5,
      heartbeatMinutes: 5,
    };
    const set = await master("params", "set", "--fn", "1", "--json-value", JSON.stringify(f1));
    assert.equal(set.code, 0, set.stderr + set.stdout);
    assert.match(set.stdout, /p0 F1 accepted/);
    const get = await master("--json", "params", "get", "--fn", "1");
    assert.deepEqual((JSON.parse(get.stdout) as { items: { data: unknown }[] }).items[0]?.data, f1);
    const bad = await master("params", "set", "--fn", "1", "--json-value", '{"heartbeatMinutes": "soon"}');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--json-value: not a valid F1 value/);
  });

  it("read daily --pn all and read realtime for a list of points", async () => {
    const daily = await master("--json", "read", "daily", "--pn", "all", "--fn", "161", "--date", td);
    assert.equal(daily.code, 0, daily.stderr);
    const items = (JSON.parse(daily.stdout) as { items: { pn: number; data: { Td_d: string } }[] }).items;
    assert.equal(items.length, 100);
    assert.equal(items[99]?.pn, 100);
    assert.equal(items[0]?.data.Td_d, td);
    const realtime = await master("read", "realtime", "--pn", "1-3", "--fn", "129");
    assert.equal(realtime.code, 0, realtime.stderr);
    assert.match(realtime.stdout, /^p1 F129$/m);
    assert.match(realtime.stdout, /^p2 F129$/m);
    assert.doesNotMatch(realtime.stdout, /^p3 /m);
    const wrongKind = await master("read", "daily", "--pn", "1", "--fn", "177");
    assert.equal(wrongKind.code, 1);
    assert.match(wrongKind.stderr, /--fn: F177 is not a daily item/);
  });

  it("forward is denied by a DCU without a reading engine", async () => {
    const run = await master(
      "forward",
      "--port",
      "2",
      "--hex",
      "68 01 00 00 00 00 00 68 11 04 33 33 34 33 B3 16",
    );
    assert.equal(run.code, 1);
    assert.match(run.stdout, /denied/);
  });

  it("init needs --yes, then clears the data (AFN01 F2)", async () => {
    const refused = await master("init", "--data");
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /--yes: required/);
    const done = await master("--json", "init", "--data", "--yes");
    assert.equal(done.code, 0, done.stderr);
    assert.deepEqual(JSON.parse(done.stdout), { fn: 2, done: true });
    assert.equal(fixture.daemon.core.store.daily.count(), 0);
    assert.equal(fixture.daemon.core.store.meters.count(), 130, "parameters (the archive) kept");
  });
});

it("read daily / monthly without a date ask the terminal for its day (it may live in another time zone)", {
  timeout: 60_000,
}, async () => {
  // Terminal at UTC+14, the master's host at UTC−12: their dates always differ.
  const fixture = await startServerDaemon({ utcOffsetMinutes: 840 });
  try {
    const core = fixture.daemon.core;
    const yesterday = addDays(dayKey(core.clock.now(), 840), -1);
    core.store.daily.putMany([
      {
        point: 1,
        item: "0D:F161",
        period: yesterday,
        readAt: 0,
        value: { readTime: "2026-11-25 00:05", tariffCount: 1, energy: [{ value: 7 }, { value: 7 }] },
      },
    ]);
    const at = fixture.daemon.listening;
    assert.ok(at);
    const { stdout } = await exec(NODE, [
      MAIN,
      "master",
      "--connect",
      `${at.host}:${at.port}`,
      "--utc-offset",
      "-720",
      "--json",
      "read",
      "daily",
      "--pn",
      "1",
      "--fn",
      "161",
    ]);
    const items = (JSON.parse(stdout) as { items: { pn: number; data: { Td_d: string } }[] }).items;
    const text = String(yesterday);
    assert.deepEqual(
      items.map((i) => [i.pn, i.data.Td_d]),
      [[1, `${text.slice(0, 4)}-${text.slice(4, 6)}-${text.slice(6)}`]],
    );
  } finally {
    await fixture.close();
  }
});
