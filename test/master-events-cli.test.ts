/**
 * `opendcu master events` and `opendcu master watch --listen` in child processes against an in-process daemon
 * over real TCP: the event log read by pointer (JSON and human output), and a watcher that accepts a DCU in
 * client mode, prints its active reports and confirms them (the daemon's outbox empties).
 */
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, it } from "node:test";
import { promisify } from "node:util";
import { startDaemon } from "../src/daemon/daemon.ts";
import { erc21 } from "../src/terminal/erc-records.ts";

const NODE = process.execPath;
const MAIN = new URL("../src/cli/main.ts", import.meta.url).pathname;
const run = promisify(execFile);

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "opendcu-master-events-"));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

it("opendcu master events: the whole ring as JSON, a pointer range as text", {
  timeout: 30_000,
}, async () => {
  const daemon = await startDaemon({
    dbPath: join(dir, "dcu.sqlite"),
    uplink: { listen: { host: "127.0.0.1", port: 0 } },
  });
  try {
    const core = daemon.core;
    core.events.record(erc21(core.clock.now(), 480, 3)); // after ERC1 of the first start: slot 1
    const connect = `127.0.0.1:${daemon.listening?.port}`;
    const { stdout } = await run(NODE, [MAIN, "master", "--connect", connect, "events", "--json"]);
    const read = JSON.parse(stdout) as {
      log: string;
      ec1: number;
      pm: number;
      pn: number;
      records: { erc: number; data: { faultCode?: number } }[];
    };
    assert.equal(read.log, "important");
    assert.equal(read.ec1, 2);
    assert.deepEqual([read.pm, read.pn], [2, 2], "the whole lap from the oldest slot");
    assert.deepEqual(
      read.records.map((r) => r.erc),
      [1, 21],
    );
    assert.equal(read.records[1]?.data.faultCode, 3);

    const text = await run(NODE, [
      MAIN,
      "master",
      "--connect",
      connect,
      "events",
      "--from",
      "1",
      "--to",
      "2",
    ]);
    assert.match(text.stdout, /important events {2}EC1=2 EC2=0 {2}P1\.\.P2: 1 record/);
    assert.match(text.stdout, /ERC21 terminal fault .*faultCode=3/);

    const normal = await run(NODE, [MAIN, "master", "--connect", connect, "events", "--normal", "--json"]);
    assert.deepEqual((JSON.parse(normal.stdout) as { records: unknown[] }).records, []);
  } finally {
    await daemon.close();
  }
});

it("opendcu master watch --listen: accepts a DCU in client mode and confirms its reports", {
  timeout: 30_000,
}, async () => {
  const watcher = spawn(NODE, [MAIN, "master", "watch", "--listen", "127.0.0.1:0", "--json"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<number | null>((resolve) => watcher.once("exit", (code) => resolve(code)));
  const lines: Record<string, unknown>[] = [];
  let waiter: (() => void) | undefined;
  let buffered = "";
  watcher.stdout.on("data", (chunk: Buffer) => {
    buffered += chunk.toString();
    const parts = buffered.split("\n");
    buffered = parts.pop() ?? "";
    for (const part of parts) if (part.trim() !== "") lines.push(JSON.parse(part) as Record<string, unknown>);
    waiter?.();
  });
  const line = async (test: (l: Record<string, unknown>) => boolean, what: string) => {
    for (;;) {
      const found = lines.find(test);
      if (found !== undefined) return found;
      if (watcher.exitCode !== null) assert.fail(`watch exited before ${what}`);
      await new Promise<void>((resolve) => {
        waiter = resolve;
      });
    }
  };
  let daemon: Awaited<ReturnType<typeof startDaemon>> | undefined;
  try {
    const listening = await line((l) => l.type === "listening", "listening");
    daemon = await startDaemon({
      dbPath: join(dir, "dcu.sqlite"),
      area: "4403",
      address: 9,
      uplink: { connect: { host: "127.0.0.1", port: listening.port as number } },
      reporting: { allowedByDefault: true },
      testing: { heartbeatMs: 60_000, confirmTimeoutMs: 5000 },
    });
    const login = await line((l) => l.type === "link" && l.kind === "login", "login");
    assert.equal(login.from, "4403/9");
    const report = await line((l) => l.type === "report", "the start-up event report");
    assert.equal(report.afn, 0x0e);
    assert.equal(report.confirmed, true);
    const items = report.items as { fn: number; data: { records: { erc: number }[] } }[];
    assert.equal(items[0]?.data.records[0]?.erc, 1);
    const outbox = daemon.core.store.outbox;
    for (let i = 0; outbox.count() > 0; i++) {
      if (i > 500) assert.fail("the report was never confirmed");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(daemon.reporting.reporter.counters.confirmed, 1);
  } finally {
    await daemon?.close();
    watcher.kill("SIGINT");
  }
  assert.equal(await exited, 0, "clean exit on SIGINT");
});
