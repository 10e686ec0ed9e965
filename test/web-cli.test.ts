/**
 * The CLI side of the web interface, in child processes: `opendcu web set-password` from a pipe, then
 * `opendcu run --web 127.0.0.1:0` serving the interface with that password.
 */
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
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

it("opendcu run --config FILE: the start-up file, a banner saying where everything is", {
  timeout: 30_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "opendcu-webcli-"));
  const file = join(dir, "opendcu.json");
  const db = join(dir, "state", "dcu.sqlite");
  writeFileSync(
    file,
    JSON.stringify({
      dbPath: db,
      area: "1100",
      address: 42,
      uplink: { listen: { host: "127.0.0.1", port: 0 } },
      web: { listen: { host: "127.0.0.1", port: 0 }, sessionIdleMinutes: 5 },
      modem: { simulate: true },
    }),
  );
  const daemon = spawn(NODE, [MAIN, "run", "--config", file], { stdio: ["ignore", "pipe", "pipe"] });
  const exited = new Promise<number | null>((resolve) => daemon.once("exit", (code) => resolve(code)));
  try {
    const banner = await new Promise<string>((resolve, reject) => {
      let text = "";
      const timer = setTimeout(() => reject(new Error(`no banner in: ${text}`)), 15_000);
      daemon.stderr.on("data", (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes("Stop with Ctrl+C")) {
          clearTimeout(timer);
          resolve(text);
        }
      });
    });
    assert.match(banner, new RegExp(`database +${db.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}`));
    assert.match(banner, /terminal +area 1100, address 42/);
    assert.match(
      banner,
      /web +http:\/\/127\.0\.0\.1:\d+\/ +first run: open it on this machine to set the password/,
    );
    assert.match(banner, /modem +simulated/);
    const port = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(banner)?.[1]);
    assert.ok(port > 0);
    assert.match(
      banner,
      new RegExp(`master --connect 127\\.0\\.0\\.1:${port} --area 1100 --address 42 clock`),
    );
    const webPort = Number(/web +http:\/\/127\.0\.0\.1:(\d+)\//.exec(banner)?.[1]);
    const status = await new WebClient(`http://127.0.0.1:${webPort}`).get<{ terminal: { address: number } }>(
      "/api/status",
    );
    assert.equal(status.body.terminal.address, 42);
  } finally {
    daemon.kill("SIGTERM");
    assert.equal(await exited, 0);
    rmSync(dir, { recursive: true, force: true });
  }
});

it("a start-up file with a wrong field stops the start and names the file and the field", {
  timeout: 15_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "opendcu-webcli-"));
  const file = join(dir, "opendcu.json");
  writeFileSync(file, JSON.stringify({ web: { listen: { host: "127.0.0.1", port: 99999 } } }));
  try {
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(NODE, [MAIN, "run", "--config", file], (error, _stdout, stderr) =>
        resolve({ code: error === null ? 0 : ((error as { code?: number }).code ?? 1), stderr }),
      );
    });
    assert.equal(result.code, 1);
    assert.ok(result.stderr.includes(`${file}: web.listen.port`), result.stderr);
    writeFileSync(file, "{ not json");
    const broken = await new Promise<string>((resolve) => {
      execFile(NODE, [MAIN, "run", "--config", file], (_error, _stdout, stderr) => resolve(stderr));
    });
    assert.match(broken, /not valid JSON/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
