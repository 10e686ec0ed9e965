/**
 * A real A/B upgrade of this application in a temp install root, under the real launcher (child process),
 * observed the way a master does — AFN09 F1 over TCP:
 *   1. 1.0.0 is installed with `opendcu upgrade` (first install) and started by `opendcu launch`;
 *   2. 2.0.0 is sent by `opendcu master upgrade` over AFN0F; the daemon exits 75, the launcher starts 2.0.0,
 *      it logs in to the master (its health check) and commits; the CLI reports 1000 → 2000;
 *   3. 3.0.0, installed locally (`opendcu upgrade --config` + SIGHUP to the launcher) while the master
 *      refuses connections, cannot prove healthy within its time and is rolled back: AFN09 F1 says 2000;
 *   4. 4.0.0, whose program crashes at start, is installed the same way: the launcher rolls it back;
 *   5. a package signed with another key is refused; ERC1 records every version change and the refusal.
 * The daemon runs from a start-up file (`run --config`, as deploy/opendcu-ab.service does). Each release is
 * the application's own source tree at another version, sharing the repository's node_modules through the
 * install root (docs/upgrade.md "Commands").
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, it } from "node:test";
import { promisify } from "node:util";
import { SystemClock } from "../src/common/clock.ts";
import { decodeErcRecord } from "../src/protocol/gw1376-1/erc.ts";
import { connectToDcu, listenForDcus, type MasterStation } from "../src/sim/master/master-station.ts";
import { Store } from "../src/store/store.ts";
import type { TcpListener } from "../src/transport/tcp.ts";
import { InstallRoot } from "../src/upgrade/install-root.ts";
import { type DaemonProcess, MAIN, NODE, startProcess } from "./support/daemon-process.ts";
import { makeKeys, realAppPackage } from "./support/upgrade-fixtures.ts";

const run = promisify(execFile);
const keys = makeKeys();
let dir: string;
let root: InstallRoot;
let keyFile: string;
let launcher: DaemonProcess | undefined;
let masterListener: TcpListener | undefined;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The software version code AFN09 F1 reports; undefined while the DCU is not reachable. */
async function versionCode(port: number): Promise<string | undefined> {
  let master: MasterStation | undefined;
  try {
    master = await connectToDcu("127.0.0.1", port, { timeoutMs: 3000 });
    const reply = await master.request(0x09, [{ pn: 0, fn: 1 }]);
    return String(reply.items[0]?.data.softwareVersion ?? "").trim();
  } catch {
    return undefined;
  } finally {
    await master?.close().catch(() => undefined);
  }
}

/** Polls until `predicate` holds (the DCU restarts in between); fails with `what` after a generous limit. */
async function until<T>(what: string, probe: () => Promise<T>, predicate: (v: T) => boolean): Promise<T> {
  const limit = Date.now() + 90_000;
  let last: T | undefined;
  while (Date.now() < limit) {
    last = await probe();
    if (predicate(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`${what}: last seen ${JSON.stringify(last)}\n${launcher?.tail() ?? ""}`);
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), "opendcu-upgrade-install-"));
  root = new InstallRoot(join(dir, "root"));
  keyFile = join(dir, "dcu.pub");
  writeFileSync(keyFile, keys.publicKeyPem);
});

after(async () => {
  if (launcher !== undefined && launcher.child.exitCode === null) {
    launcher.child.kill("SIGTERM");
    await launcher.exited;
  }
  await masterListener?.close();
  rmSync(dir, { recursive: true, force: true });
});

it("installs, confirms, rolls back and reports the running version through AFN09 F1", {
  timeout: 300_000,
}, async () => {
  const packages = {
    v1: await realAppPackage(join(dir, "stage1"), "1.0.0", keys),
    v2: await realAppPackage(join(dir, "stage2"), "2.0.0", keys),
    v3: await realAppPackage(join(dir, "stage3"), "3.0.0", keys),
    v4: await realAppPackage(
      join(dir, "stage4"),
      "4.0.0",
      keys,
      'process.exitCode = 3; console.error("broken build");\n',
    ),
  };
  for (const [name, bytes] of Object.entries(packages)) writeFileSync(join(dir, `${name}.pkg`), bytes);
  const dbPath = join(dir, "dcu.sqlite");

  // 1. First install from the local interface, then the launcher runs `good`'s launcher over `current`.
  const first = await run(NODE, [
    MAIN,
    "upgrade",
    join(dir, "v1.pkg"),
    "--install-root",
    root.path,
    "--public-key",
    keyFile,
  ]);
  assert.match(first.stdout, /installed 1\.0\.0 \(first install\)/);
  // The releases carry no node_modules: they resolve the repository's through the install root.
  symlinkSync(
    realpathSync(new URL("../node_modules", import.meta.url).pathname),
    join(root.path, "node_modules"),
  );

  // The master the DCU dials (client mode): logins are confirmed while it listens — the health check.
  const clientPort = await freePort();
  masterListener = await listenForDcus("127.0.0.1", clientPort, () => undefined, {
    clock: new SystemClock(),
  });
  const serverPort = await freePort();
  // The daemon's start-up file, as deployed (deploy/opendcu-ab.service): health check "auto" = the master
  // login, since the DCU dials one.
  const configFile = join(dir, "opendcu.json");
  writeFileSync(
    configFile,
    JSON.stringify({
      dbPath,
      uplink: {
        listen: { host: "127.0.0.1", port: serverPort },
        connect: { host: "127.0.0.1", port: clientPort },
      },
      upgrade: { installRoot: root.path, publicKeyFile: keyFile, healthTimeoutMs: 8000 },
    }),
  );
  launcher = startProcess(
    [
      "launch",
      "--install-root",
      root.path,
      "--grace",
      "20000",
      "--",
      "run",
      "--config",
      configFile,
      "--no-web",
    ],
    join(root.path, "good", "src/cli/main.ts"),
  );
  assert.equal(
    await until(
      "1.0.0 answers",
      () => versionCode(serverPort),
      (v) => v === "1000",
    ),
    "1000",
  );

  // 2. 2.0.0 over AFN0F with the master CLI: progress, installed, restarted into, healthy (logged in),
  //    committed; the CLI reports the version AFN09 F1 gives after the restart.
  const remote = await run(NODE, [
    MAIN,
    "master",
    "--connect",
    `127.0.0.1:${serverPort}`,
    "upgrade",
    join(dir, "v2.pkg"),
    "--segment-size",
    "1900",
    "--retry-delay",
    "500",
  ]);
  assert.match(remote.stdout, /upgraded: 1000 → 2000/);
  assert.match(remote.stderr, /100% {2}\d+\/\d+ segments acknowledged/);
  assert.equal(await versionCode(serverPort), "2000");
  const committed = await until(
    "2.0.0 committed",
    () => root.readState(),
    (s) => s?.state === "committed",
  );
  assert.equal(committed?.to, "2.0.0");
  assert.equal(await root.goodVersion(), "2.0.0");

  // 3. 3.0.0 while the master is unreachable: not healthy in time → rolled back to 2.0.0.
  await masterListener.close();
  masterListener = undefined;
  const installed3 = await run(NODE, [MAIN, "upgrade", join(dir, "v3.pkg"), "--config", configFile]);
  assert.match(installed3.stdout, /installed 3\.0\.0 beside 2\.0\.0/);
  const rolled = await until(
    "3.0.0 rolled back",
    () => root.readState(),
    (s) => s?.to === "3.0.0" && s.state === "rolled-back",
  );
  assert.match(rolled?.reason ?? "", /not healthy within 8000 ms \(log in to the master\)/);
  await until(
    "2.0.0 answers again",
    () => versionCode(serverPort),
    (v) => v === "2000",
  );
  assert.equal(await root.currentVersion(), "2.0.0");

  // 4. A crashing 4.0.0 installed locally: the launcher restarts into it, sees it die, rolls back.
  const local = await run(NODE, [MAIN, "upgrade", join(dir, "v4.pkg"), "--config", configFile]);
  assert.match(
    local.stdout,
    /installed 4\.0\.0 beside 2\.0\.0; the launcher is restarting the daemon into it/,
  );
  const crashed = await until(
    "4.0.0 rolled back",
    () => root.readState(),
    (s) => s?.to === "4.0.0" && s.state === "rolled-back",
  );
  assert.match(crashed?.reason ?? "", /exited with 3 during its trial/);
  await until(
    "2.0.0 answers after the crash",
    () => versionCode(serverPort),
    (v) => v === "2000",
  );

  // A refused package (signed with another key) changes nothing.
  const stranger = await realAppPackage(join(dir, "stage5"), "5.0.0", makeKeys());
  writeFileSync(join(dir, "v5.pkg"), stranger);
  await assert.rejects(
    run(NODE, [MAIN, "upgrade", join(dir, "v5.pkg"), "--config", configFile]),
    (error: { stdout?: string; code?: number }) =>
      /refused \(bad-signature\)/.test(error.stdout ?? "") && error.code === 1,
  );
  assert.equal(await root.currentVersion(), "2.0.0");

  // 5. Stop, then read the version changes the terminal recorded (ERC1, D1 = version change).
  launcher.child.kill("SIGTERM");
  assert.equal(await launcher.exited, 0, launcher.tail());
  const store = new Store({ path: dbPath, clock: new SystemClock() });
  try {
    const changes = store.events
      .latest("important")
      .filter((e) => e.erc === 1)
      .map((e) => {
        const decoded = decodeErcRecord(e.record);
        const data = (decoded.ok ? decoded.value.data : {}) as {
          flags: { versionChange: number };
          oldVersion: string;
          newVersion: string;
        };
        return `${data.flags.versionChange}:${data.oldVersion}>${data.newVersion}`;
      });
    for (const expected of ["1:1000>2000", "1:2000>3000", "1:3000>2000", "0:2000>5000"]) {
      assert.ok(changes.includes(expected), `ERC1 ${expected} in ${changes.join(" ")}`);
    }
  } finally {
    store.close();
  }
});
