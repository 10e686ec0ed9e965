/**
 * `opendcu master traffic` in a child process against an in-process daemon over real TCP: today / this month
 * from AFN0C F10 (JSON and human output) and the day / month history from AFN0D F53/F54.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { type ServerDaemonFixture, startServerDaemon } from "./support/server-daemon.ts";

const NODE = process.execPath;
const MAIN = new URL("../src/cli/main.ts", import.meta.url).pathname;
const run = promisify(execFile);

interface TrafficJson {
  todayBytes: number;
  monthBytes: number;
  days: { day: string; bytes: number }[];
  months: { month: string; bytes: number }[];
}

describe("opendcu master traffic", { timeout: 60_000 }, () => {
  let fixture: ServerDaemonFixture;
  let connect: string;

  before(async () => {
    fixture = await startServerDaemon();
    connect = `127.0.0.1:${fixture.daemon.listening?.port}`;
    // Some traffic before the CLI asks: the fixture's master reads the clock a few times.
    for (let i = 0; i < 3; i++) await fixture.master.request(0x0c, [{ pn: 0, fn: 2 }]);
  });

  after(async () => {
    await fixture?.close();
  });

  it("--json: today and this month include every byte so far; history days and months", async () => {
    fixture.daemon.traffic.flush();
    const stored = fixture.daemon.core.store.traffic.today();
    const before = stored.upBytes + stored.downBytes;
    assert.ok(before > 0);
    const { stdout } = await run(NODE, [
      MAIN,
      "master",
      "--connect",
      connect,
      "traffic",
      "--days",
      "3",
      "--months",
      "2",
      "--json",
    ]);
    const t = JSON.parse(stdout) as TrafficJson;
    assert.ok(
      t.todayBytes > before,
      `today ${t.todayBytes} counts the earlier ${before} bytes and the CLI's request`,
    );
    // A fresh database: everything is from today (this month) — or, run across midnight, from yesterday too.
    assert.ok(t.monthBytes >= t.todayBytes);
    assert.equal(t.days.length, 3, "today and the two days before, within retention");
    const today = t.days[0];
    assert.ok(today);
    const allDays = t.days.reduce((sum, d) => sum + d.bytes, 0);
    assert.ok(allDays >= t.todayBytes, "the F53 queries came after F10 on the same link");
    assert.equal(t.days[2]?.bytes, 0, "two days ago the database did not exist");
    assert.equal(t.months.length, 2);
    assert.equal(t.months[0]?.month, today.day.slice(0, 7));
  });

  it("human output", async () => {
    const { stdout } = await run(NODE, [MAIN, "master", "--connect", connect, "traffic", "--days", "1"]);
    assert.match(
      stdout,
      /^traffic with the master: today [\d,]+ bytes, this month [\d,]+ bytes\n {2}\d{4}-\d{2}-\d{2} {2}[\d,]+\n$/,
    );
  });

  it("names a bad option", async () => {
    await assert.rejects(
      run(NODE, [MAIN, "master", "--connect", connect, "traffic", "--days", "99"]),
      (error: { stderr?: string; code?: number }) => /--days/.test(error.stderr ?? "") && error.code !== 0,
    );
  });
});
