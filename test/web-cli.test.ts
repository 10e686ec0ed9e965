/**
 * The CLI side of the web interface, in child processes: `opendcu web set-password` from a pipe, then
 * `opendcu run --web 127.0.0.1:0` serving the interface with that password.
 */
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { it } from "node:test";
import { WebClient } from "./support/web-daemon.ts";

const NODE = process.execPath;
const MAIN = new URL("../src/cli/main.ts", import.meta.url).pathname;

function setPassword(db: string, input: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(NODE, [MAIN, "web", "set-password", "--db", db], (error, _stdout, stderr) => {
      resolve({ code: error === null ? 0 : ((error as { code?: number }).code ?? 1), stderr });
    });
    child.stdin?.end(input);
  });
}

it("web set-password, then the daemon's web interface accepts it", { timeout: 30_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "opendcu-webcli-"));
  const db = join(dir, "dcu.sqlite");
  try {
    const short = await setPassword(db, "short\n");
    assert.equal(short.code, 1);
    assert.match(short.stderr, /at least 8/);
    const ok = await setPassword(db, "maintenance-2026\n");
    assert.equal(ok.code, 0, ok.stderr);

    const daemon = spawn(
      NODE,
      [MAIN, "run", "--db", db, "--uplink-listen", "127.0.0.1:0", "--web", "127.0.0.1:0"],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const exited = new Promise<number | null>((resolve) => daemon.once("exit", (code) => resolve(code)));
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let text = "";
        const timer = setTimeout(() => reject(new Error(`no web line in: ${text}`)), 15_000);
        daemon.stdout.on("data", (chunk: Buffer) => {
          text += chunk.toString();
          for (const line of text.split("\n")) {
            if (!line.includes('"web interface listening"')) continue;
            clearTimeout(timer);
            resolve((JSON.parse(line) as { port: number }).port);
          }
        });
      });
      const web = new WebClient(`http://127.0.0.1:${port}`);
      assert.equal((await web.login("wrong-password")).status, 401);
      assert.equal((await web.login("maintenance-2026")).status, 200);
    } finally {
      daemon.kill("SIGTERM");
      assert.equal(await exited, 0);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
