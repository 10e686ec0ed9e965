/**
 * First run of a demo: the simulated field (RS-485 meters, carrier nodes) is entered in the empty archive
 * through the F10 path, once; a restart keeps what changed since. `opendcu run --demo` says so at start.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { startDaemon } from "../src/daemon/daemon.ts";
import { fieldFromFlags } from "../src/daemon/field-flags.ts";
import { WebClient } from "./support/web-daemon.ts";

const NODE = process.execPath;
const MAIN = new URL("../src/cli/main.ts", import.meta.url).pathname;

describe("first run", { timeout: 60_000 }, () => {
  it("enters the simulated field once, through F10, and leaves a changed archive alone", async () => {
    const dir = mkdtempSync(join(tmpdir(), "opendcu-firstrun-"));
    const config = {
      dbPath: join(dir, "dcu.sqlite"),
      uplink: { listen: { host: "127.0.0.1", port: 0 } },
      field: fieldFromFlags({ simulateMeters: 3, simulateCarrier: 2 }),
      firstRun: { enterSimulatedField: true },
    };
    try {
      const first = await startDaemon(config);
      const meters = first.core.store.meters.list();
      assert.deepEqual(
        meters.map((m) => [m.serial, m.point, m.port, m.protocol, m.address]),
        [
          [1, 1, 2, 30, "000000000001"],
          [2, 2, 2, 30, "000000000002"],
          [3, 3, 2, 30, "000000000003"],
          [4, 4, 31, 30, "100000000001"],
          [5, 5, 31, 30, "100000000002"],
        ],
      );
      assert.ok(
        first.core.store.events.latest("important").some((e) => e.erc === 3),
        "audited like a master's F10",
      );
      first.core.store.meters.deleteSerials([5]);
      await first.close();

      const second = await startDaemon(config);
      assert.equal(second.core.store.meters.count(), 4, "not entered again");
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("opendcu run --demo: simulated field, modem and archive, said in the start-up summary", async () => {
    const dir = mkdtempSync(join(tmpdir(), "opendcu-firstrun-"));
    const daemon = spawn(
      NODE,
      [
        MAIN,
        "run",
        "--demo",
        "--db",
        join(dir, "dcu.sqlite"),
        "--uplink-listen",
        "127.0.0.1:0",
        "--web",
        "127.0.0.1:0",
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    const exited = new Promise<number | null>((resolve) => daemon.once("exit", (code) => resolve(code)));
    let stderr = "";
    daemon.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const waitFor = async (pattern: RegExp, what: string): Promise<RegExpExecArray> => {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const m = pattern.exec(stderr);
        if (m !== null) return m;
        if (Date.now() > deadline) throw new Error(`no ${what} in: ${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    try {
      await waitFor(/Stop with Ctrl\+C/, "start-up summary");
      const banner = stderr;
      assert.match(
        banner,
        /field +16 simulated meters on RS-485 port 2, a simulated carrier network of 16 nodes on port 31/,
      );
      assert.match(banner, /archive +32 meters/);
      assert.match(banner, /modem +simulated/);
      const webPort = Number(/web +http:\/\/127\.0\.0\.1:(\d+)\//.exec(banner)?.[1]);
      const page = await new WebClient(`http://127.0.0.1:${webPort}`).get<{ total: number }>(
        "/api/meters?port=31",
      );
      assert.equal(page.body.total, 16);
      // the first collection cycle is shown as it goes (a line per quarter when stderr is not a terminal)
      const progress = await waitFor(/first collection: (\d+) of 32 meters read/, "progress line");
      assert.ok(Number(progress[1]) < 32);
    } finally {
      daemon.kill("SIGTERM");
      assert.equal(await exited, 0);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
