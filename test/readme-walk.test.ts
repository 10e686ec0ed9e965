/**
 * The README's first screen, as a newcomer runs it: `opendcu run --demo` (what `npm start` runs), then every
 * `opendcu master` command of the quick start, taken from README.md itself (so the README cannot drift from
 * what works), against the running daemon. The demo's uplink port is ephemeral here and its terminal time
 * is put near noon; the commands are otherwise the README's.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { it } from "node:test";
import { MAIN, NODE, startProcess } from "./support/daemon-process.ts";
import { daytimeOffsetMinutes } from "./support/daytime-offset.ts";

const README = readFileSync(new URL("../README.md", import.meta.url), "utf8");
const PREFIX = "npm run opendcu -- master --connect 127.0.0.1:4059 ";

/** The quick start's master commands (before the "---" that ends the first screen). */
function quickStartMasterCommands(): string[][] {
  const firstScreen = README.split(/^---$/m)[0] ?? "";
  return firstScreen
    .split("\n")
    .filter((line) => line.startsWith(PREFIX))
    .map((line) => (line.slice(PREFIX.length).split("#")[0] ?? "").trim().split(/\s+/));
}

function run(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(NODE, [MAIN, ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

it("README quick start: npm start's demo, then the master commands read the terminal and its meters", {
  timeout: 240_000,
}, async () => {
  const commands = quickStartMasterCommands();
  const verbs = commands.map((c) => c.slice(0, 2).join(" "));
  assert.ok(verbs.includes("clock") || verbs.some((v) => v.startsWith("clock")), verbs.join(", "));
  assert.ok(verbs.includes("read daily") && verbs.includes("read realtime"), verbs.join(", "));

  const dir = mkdtempSync(join(tmpdir(), "opendcu-readme-"));
  const daemon = startProcess([
    "run",
    "--demo",
    "--db",
    join(dir, "dcu.sqlite"),
    "--uplink-listen",
    "127.0.0.1:0",
    "--no-web",
    // Terminal time near noon: at 00:00–00:05 a real DCU waits for the meters' midnight freezes.
    "--utc-offset",
    String(daytimeOffsetMinutes()),
  ]);
  try {
    const listening = await daemon.waitFor((line) => line.msg === "uplink listening");
    const port = String(listening.port);
    const master = (command: readonly string[]) =>
      run(["master", "--connect", `127.0.0.1:${port}`, ...command]);

    // Yesterday's frozen data exists once the first collection has reached a meter: ask until it has.
    const daily = commands.find((c) => c[0] === "read" && c[1] === "daily");
    assert.ok(daily);
    const until = Date.now() + 150_000;
    let answer = await master(daily);
    while (answer.code !== 0 && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 2000));
      answer = await master(daily);
    }
    assert.equal(answer.code, 0, answer.stderr);
    assert.match(answer.stdout, /^p\d+ F161$/m);
    assert.match(answer.stdout, /energy: \[\{"value":\d/);

    for (const command of commands) {
      const result = await master(command);
      assert.equal(result.code, 0, `${command.join(" ")}: ${result.stderr}`);
      assert.notEqual(result.stdout.trim(), "", `${command.join(" ")} printed nothing`);
    }
    const live = await master(commands.find((c) => c[1] === "realtime") ?? []);
    assert.match(live.stdout, /^p20 F129$/m, "the carrier node read now");
  } finally {
    daemon.child.kill("SIGTERM");
    assert.equal(await daemon.exited, 0);
    rmSync(dir, { recursive: true, force: true });
  }
});
