/**
 * The CLI end to end in child processes: `opendcu run` on an ephemeral port (the actual port is read from
 * the "uplink listening" log line), `opendcu master ... clock --json` against it, SIGTERM for a clean stop.
 */
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { it } from "node:test";
import { promisify } from "node:util";

const NODE = process.execPath;
const MAIN = new URL("../src/cli/main.ts", import.meta.url).pathname;
const run = promisify(execFile);

it("opendcu run + opendcu master clock --json", { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "opendcu-cli-"));
  const daemon = spawn(
    NODE,
    [MAIN, "run", "--db", join(dir, "dcu.sqlite"), "--uplink-listen", "127.0.0.1:0", "--web", "127.0.0.1:0"],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const exited = new Promise<number | null>((resolve) => daemon.once("exit", (code) => resolve(code)));
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let text = "";
      const timer = setTimeout(() => reject(new Error(`no listening line in: ${text}`)), 90_000);
      daemon.stdout.on("data", (chunk: Buffer) => {
        text += chunk.toString();
        for (const line of text.split("\n")) {
          if (!line.includes('"uplink listening"')) continue;
          clearTimeout(timer);
          resolve((JSON.parse(line) as { port: number }).port);
        }
      });
    });
    assert.ok(port > 0);
    const { stdout } = await run(NODE, [MAIN, "master", "--connect", `127.0.0.1:${port}`, "clock", "--json"]);
    const answer = JSON.parse(stdout) as {
      afn: number;
      denied: boolean;
      items: { fn: number; data: { clock: { time: string } } }[];
    };
    assert.equal(answer.afn, 0x0c);
    assert.equal(answer.denied, false);
    assert.match(answer.items[0]?.data.clock.time ?? "", /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
  } finally {
    daemon.kill("SIGTERM");
    assert.equal(await exited, 0, "clean exit on SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  }
});

it("opendcu run names the bad flag", { timeout: 10_000 }, async () => {
  await assert.rejects(
    run(NODE, [MAIN, "run", "--address", "0"]),
    (error: { stderr?: string; code?: number }) => {
      assert.match(error.stderr ?? "", /--address/);
      assert.equal(error.code, 1);
      return true;
    },
  );
});
