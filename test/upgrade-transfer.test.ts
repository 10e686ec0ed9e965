/**
 * An upgrade package sent over AFN0F F1 and interrupted at random segments resumes and completes:
 *   - link drops: the master's connection is cut after a random number of acknowledged segments, several
 *     times, against a daemon in this process; each reconnection asks AFN0C F14 and sends only the rest;
 *   - DCU kills: the daemon is a real child process (`opendcu run`) killed with SIGKILL at random segments
 *     and started again on the same database; the transfer resumes from what was committed.
 * Both end with the package installed beside the running version and the daemon asking for its restart.
 * The random drop points come from a seed printed in the test name, so a failure can be replayed.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startDaemon } from "../src/daemon/daemon.ts";
import { LinkBrokenError, sendFile } from "../src/sim/master/file-sender.ts";
import { connectToDcu } from "../src/sim/master/master-station.ts";
import { InstallRoot } from "../src/upgrade/install-root.ts";
import { EXIT_RESTART } from "../src/upgrade/launcher.ts";
import { verifyPackage } from "../src/upgrade/package-verify.ts";
import { stageRelease } from "../src/upgrade/upgrade-service.ts";
import { startProcess } from "./support/daemon-process.ts";
import { makeKeys, tinyPackage } from "./support/upgrade-fixtures.ts";

const SEED = Number(process.env.UPGRADE_TEST_SEED ?? Date.now() % 100_000);
let state = SEED || 1;
/** Deterministic from SEED: 1..n. */
function random(n: number): number {
  state = (Math.imul(state, 1103515245) + 12345) & 0x7fffffff;
  return 1 + (state % n);
}

const keys = makeKeys();
const SEGMENT = 512;
let dir: string;
let root: InstallRoot;
let keyFile: string;

/** An install root where 1.0.0 is current and good (the version "running"). */
async function freshRoot(name: string): Promise<InstallRoot> {
  const r = new InstallRoot(join(dir, name));
  const verified = verifyPackage(tinyPackage("1.0.0", keys), {
    publicKey: keys.publicKey,
    target: "opendcu",
    maxPackageBytes: 1_000_000,
  });
  assert.ok(verified.ok);
  if (verified.ok)
    await stageRelease({ root: r, pkg: verified.package, from: undefined, healthTimeoutMs: 1000, now: 0 });
  return r;
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), "opendcu-upgrade-transfer-"));
  keyFile = join(dir, "dcu.pub");
  writeFileSync(keyFile, keys.publicKeyPem);
});

after(() => rmSync(dir, { recursive: true, force: true }));

describe(`AFN0F transfer interrupted at random segments (seed ${SEED})`, { timeout: 180_000 }, () => {
  it("resumes after link drops and completes with the package installed", async () => {
    root = await freshRoot("root-drop");
    const pkg = tinyPackage("2.0.0", keys, { fillerBytes: 30_000 });
    const total = Math.ceil(pkg.length / SEGMENT);
    const daemon = await startDaemon({
      dbPath: join(dir, "drop.sqlite"),
      uplink: { listen: { host: "127.0.0.1", port: 0 } },
      upgrade: { installRoot: root.path, publicKeyFile: keyFile, healthTimeoutMs: 60_000, restartDelayMs: 0 },
    });
    try {
      const at = daemon.listening;
      assert.ok(at);
      const drops: number[] = [];
      let acknowledged = 0;
      for (let attempt = 0; attempt < 10; attempt++) {
        const master = await connectToDcu(at.host, at.port, { timeoutMs: 5000 });
        // Cut the link after a random number of further acknowledgements (the last attempt runs through).
        const cutAfter =
          attempt < 3 ? acknowledged + random(Math.max(1, Math.floor((total - acknowledged) / 3))) : Infinity;
        try {
          const result = await sendFile(master, pkg, {
            segmentSize: SEGMENT,
            onProgress: (p) => {
              acknowledged = p.acknowledged;
              if (p.acknowledged >= cutAfter && master.stream.isOpen) {
                drops.push(p.acknowledged);
                void master.close();
              }
            },
          });
          if (attempt > 0)
            assert.ok(result.alreadyHeld > 0, "a resumed transfer found segments already held");
          assert.equal(result.completedHere, true);
          break;
        } catch (error) {
          assert.ok(error instanceof LinkBrokenError, `expected a broken link, got ${String(error)}`);
          const held = daemon.core.store.files.get(1)?.receivedCount ?? 0;
          assert.ok(held >= acknowledged, `every acknowledged segment is held (${held} ≥ ${acknowledged})`);
        } finally {
          await master.close();
        }
      }
      assert.equal(drops.length, 3, `three drops at ${drops.join(", ")} of ${total}`);
      assert.match(await daemon.restartRequested, /1\.0\.0 → 2\.0\.0/);
      assert.equal(readlinkSync(join(root.path, "current")), "releases/2.0.0");
      assert.equal((await root.readState())?.state, "trial");
      assert.equal(daemon.core.store.files.get(1), undefined, "the download is cleared once installed");
    } finally {
      await daemon.close();
    }
  });

  it("resumes after the DCU process is killed mid-transfer and completes", async () => {
    root = await freshRoot("root-kill");
    const pkg = tinyPackage("3.0.0", keys, { fillerBytes: 30_000, seed: 7 });
    const total = Math.ceil(pkg.length / SEGMENT);
    const dbPath = join(dir, "kill.sqlite");
    const args = [
      "run",
      "--db",
      dbPath,
      "--uplink-listen",
      "127.0.0.1:0",
      "--no-web",
      "--install-root",
      root.path,
      "--public-key",
      keyFile,
      "--health-check",
      "self-check",
    ];
    const kills: number[] = [];
    let done = false;
    for (let run = 0; run < 6 && !done; run++) {
      const dcu = startProcess(args);
      const listening = await dcu.waitFor((l) => l.msg === "uplink listening");
      const master = await connectToDcu("127.0.0.1", listening.port as number, { timeoutMs: 5000 });
      const killAt = run < 2 ? random(Math.floor(total / 3)) : Infinity;
      let acknowledgedHere = 0;
      try {
        const result = await sendFile(master, pkg, {
          segmentSize: SEGMENT,
          onProgress: (p) => {
            acknowledgedHere++;
            if (acknowledgedHere === killAt) {
              kills.push(p.acknowledged);
              dcu.child.kill("SIGKILL");
            }
          },
        });
        if (run > 0)
          assert.ok(result.alreadyHeld >= kills[run - 1]! - 1, "resumed from the committed segments");
        done = true;
        // Installed: the daemon stops by itself for its launcher, with the documented code.
        assert.equal(await dcu.exited, EXIT_RESTART, dcu.tail());
      } catch (error) {
        assert.ok(
          error instanceof LinkBrokenError,
          `expected a broken link, got ${String(error)}\n${dcu.tail()}`,
        );
        assert.equal(await dcu.exited, null, "killed by the signal");
      } finally {
        await master.close();
        if (dcu.child.exitCode === null && dcu.child.signalCode === null) dcu.child.kill("SIGKILL");
      }
    }
    assert.ok(done, "the transfer completed");
    assert.equal(kills.length, 2, `killed at ${kills.join(", ")} of ${total}`);
    assert.equal(readlinkSync(join(root.path, "current")), "releases/3.0.0");
    assert.equal((await root.readState())?.state, "trial");
  });
});
