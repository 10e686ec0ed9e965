/**
 * A/B install in a temp install root with a real SQLite file: a good package becomes `current` on trial
 * (restart requested, database snapshot taken); a refused package records ERC1 "no change" and touches
 * nothing; the trial commits when healthy and rolls back when not (ManualClock); the snapshot is restored
 * only when the failed version migrated the schema.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterEach, beforeEach, describe, it } from "node:test";
import { makeKeys, tinyApp, tinyPackage } from "../../test/support/upgrade-fixtures.ts";
import { ManualClock } from "../common/clock.ts";
import { silentLogger } from "../common/logger.ts";
import { decodeErcRecord } from "../protocol/gw1376-1/erc.ts";
import { SCHEMA_VERSION } from "../store/migrations.ts";
import { TerminalCore } from "../terminal/terminal-core.ts";
import { HealthMonitor, restoreDatabaseAfterRollback } from "./health-monitor.ts";
import { InstallRoot } from "./install-root.ts";
import { verifyPackage } from "./package-verify.ts";
import { stageRelease, UpgradeService } from "./upgrade-service.ts";

const keys = makeKeys();
let dir: string;
let root: InstallRoot;
let clock: ManualClock;
let core: TerminalCore;
let restarts: string[];

function service(runningVersion: string | undefined): UpgradeService {
  return new UpgradeService({
    root,
    publicKey: keys.publicKey,
    target: "opendcu",
    maxPackageBytes: 1_000_000,
    healthTimeoutMs: 60_000,
    runningVersion,
    store: core.store,
    events: core.events,
    clock: core.clock,
    utcOffsetMinutes: 480,
    logger: silentLogger,
    requestRestart: (reason) => restarts.push(reason),
  });
}

/** Installs `version` as the first, good release (what `opendcu upgrade` does on an empty root). */
async function bootstrap(version: string): Promise<void> {
  const verified = verifyPackage(tinyPackage(version, keys), {
    publicKey: keys.publicKey,
    target: "opendcu",
    maxPackageBytes: 1_000_000,
  });
  assert.ok(verified.ok);
  if (verified.ok)
    await stageRelease({
      root,
      pkg: verified.package,
      from: undefined,
      healthTimeoutMs: 1000,
      now: clock.now(),
    });
}

/** Lets the monitor's asynchronous poll finish (it re-arms its timer when its check has answered). */
const settle = () => new Promise((resolve) => setImmediate(resolve));

/** A package with one payload byte flipped. */
function corrupted(bytes: Uint8Array): Uint8Array {
  const out = Uint8Array.from(bytes);
  out[out.length - 20] = (out[out.length - 20] as number) ^ 0xff;
  return out;
}

/** The ERC1 records stored, decoded by the shared ERC table. */
function erc1Records(): { init: number; versionChange: number; oldVersion: string; newVersion: string }[] {
  return core.store.events
    .latest("important")
    .filter((e) => e.erc === 1)
    .map((e) => {
      const decoded = decodeErcRecord(e.record);
      assert.ok(decoded.ok);
      const data = (decoded.ok ? decoded.value.data : {}) as {
        flags: { init: number; versionChange: number };
        oldVersion: string;
        newVersion: string;
      };
      return { ...data.flags, oldVersion: data.oldVersion, newVersion: data.newVersion };
    });
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "opendcu-install-"));
  root = new InstallRoot(join(dir, "root"));
  clock = new ManualClock(Date.UTC(2026, 10, 26, 2));
  core = new TerminalCore({ dbPath: join(dir, "dcu.sqlite"), hostClock: clock, utcOffsetMinutes: 480 });
  restarts = [];
});

afterEach(() => {
  core.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("A/B install", () => {
  it("first install: the release becomes current and good at once", async () => {
    await bootstrap("1.0.0");
    assert.equal(await root.currentVersion(), "1.0.0");
    assert.equal(await root.goodVersion(), "1.0.0");
    assert.equal((await root.readState())?.state, "committed");
    assert.equal(
      readFileSync(join(root.releaseDir("1.0.0"), "src/cli/main.ts"), "utf8"),
      new TextDecoder().decode(tinyApp("1.0.0")[1]?.content),
    );
  });

  it("installs a new version beside the running one, on trial, and asks for a restart", async () => {
    await bootstrap("1.0.0");
    const upgrade = service("1.0.0");
    await upgrade.start();
    const outcome = await upgrade.install(tinyPackage("1.1.0", keys));
    assert.deepEqual(outcome, { ok: true, from: "1.0.0", to: "1.1.0" });
    assert.equal(readlinkSync(join(root.path, "current")), "releases/1.1.0");
    assert.equal(await root.goodVersion(), "1.0.0", "good stays until the new version proves healthy");
    assert.ok(existsSync(root.releaseDir("1.0.0")), "the running release is untouched");
    const state = await root.readState();
    assert.equal(state?.state, "trial");
    assert.equal(state?.from, "1.0.0");
    assert.ok(state?.db !== undefined && existsSync(state.db.snapshot), "database snapshot taken");
    assert.equal(restarts.length, 1);
    // no second package while the first is on trial
    const again = await upgrade.install(tinyPackage("1.2.0", keys));
    assert.equal(again.ok ? "ok" : again.code, "trial-running");
  });

  it("an install interrupted between recording the trial and switching current does not block the next", async () => {
    await bootstrap("1.0.0");
    await root.writeState({ state: "trial", from: "1.0.0", to: "1.1.0", at: 0, healthTimeoutMs: 1000 });
    const upgrade = service("1.0.0");
    await upgrade.start();
    assert.equal((await root.readState())?.state, "rolled-back");
    const outcome = await upgrade.install(tinyPackage("1.2.0", keys));
    assert.deepEqual(outcome, { ok: true, from: "1.0.0", to: "1.2.0" });
  });

  it("AFN0F file id 0 (abort) rolls back a version still on trial and asks for a restart", async () => {
    await bootstrap("1.0.0");
    const upgrade = service("1.0.0");
    await upgrade.start();
    await upgrade.install(tinyPackage("1.1.0", keys));
    restarts = [];
    upgrade.abort();
    // abort() answers at once; the rollback (file I/O) follows: wait for its restart request.
    for (let i = 0; i < 400 && restarts.length === 0; i++) await new Promise((r) => setTimeout(r, 25));
    assert.equal(await root.currentVersion(), "1.0.0");
    assert.match((await root.readState())?.reason ?? "", /aborted by the master/);
    assert.equal(restarts.length, 1);
  });

  it("a refused package records ERC1 with no change and leaves the install root as it was", async () => {
    await bootstrap("1.0.0");
    const upgrade = service("1.0.0");
    await upgrade.start();
    const cases: [Uint8Array, string][] = [
      [tinyPackage("1.1.0", undefined), "unsigned"],
      [tinyPackage("1.1.0", makeKeys()), "bad-signature"],
      [tinyPackage("1.1.0", keys).subarray(0, 200), "truncated"],
      [corrupted(tinyPackage("1.1.0", keys)), "checksum"],
      [tinyPackage("1.0.0", keys), "same-version"],
    ];
    for (const [bytes, code] of cases) {
      const outcome = await upgrade.install(bytes);
      assert.equal(outcome.ok ? "ok" : outcome.code, code);
    }
    assert.equal(await root.currentVersion(), "1.0.0");
    assert.deepEqual(await root.versions(), ["1.0.0"]);
    assert.equal(restarts.length, 0);
    const events = erc1Records().filter((e) => e.init === 0 && e.versionChange === 0);
    assert.equal(events.length, cases.length, JSON.stringify(erc1Records()));
    assert.equal(events[0]?.oldVersion, "1000");
    assert.equal(events[0]?.newVersion, "1100", "the refused package's version");
  });

  it("the trial commits when healthy: good moves, snapshot and older releases go", async () => {
    await bootstrap("0.9.0");
    await service("0.9.0").install(tinyPackage("1.0.0", keys));
    // pretend 1.0.0 proved healthy and 1.1.0 arrives
    await root.markGood("1.0.0");
    await root.writeState({ state: "committed", to: "1.0.0", at: 0, healthTimeoutMs: 1000 });
    await service("1.0.0").install(tinyPackage("1.1.0", keys));
    const snapshot = (await root.readState())?.db?.snapshot;
    let healthy = false;
    const monitor = new HealthMonitor({
      root,
      runningVersion: "1.1.0",
      clock,
      timeoutMs: 10_000,
      pollMs: 1000,
      isHealthy: () => healthy,
      describeCheck: "test",
      logger: silentLogger,
      requestRestart: (r) => restarts.push(r),
    });
    assert.equal(await monitor.start(), "watching");
    clock.advance(3000);
    await settle();
    healthy = true;
    clock.advance(1000);
    assert.equal(await monitor.outcome, "committed");
    assert.equal(await root.goodVersion(), "1.1.0");
    assert.equal((await root.readState())?.state, "committed");
    assert.equal(existsSync(snapshot ?? ""), false);
    assert.deepEqual(await root.versions(), ["1.0.0", "1.1.0"], "0.9.0 pruned, the previous kept");
  });

  it("the trial rolls back when not healthy in time and asks for a restart", async () => {
    await bootstrap("1.0.0");
    await service("1.0.0").install(tinyPackage("1.1.0", keys));
    restarts = [];
    const monitor = new HealthMonitor({
      root,
      runningVersion: "1.1.0",
      clock,
      timeoutMs: 10_000,
      isHealthy: () => false,
      describeCheck: "test",
      logger: silentLogger,
      requestRestart: (r) => restarts.push(r),
    });
    await monitor.start();
    clock.advance(9000);
    await settle();
    assert.equal(await root.currentVersion(), "1.1.0", "still within its time");
    clock.advance(2000);
    assert.equal(await monitor.outcome, "rolled-back");
    assert.equal(await root.currentVersion(), "1.0.0");
    const state = await root.readState();
    assert.equal(state?.state, "rolled-back");
    assert.match(state?.reason ?? "", /not healthy within 10000 ms/);
    assert.equal(restarts.length, 1);
  });

  it("a version not on trial does not watch", async () => {
    await bootstrap("1.0.0");
    const monitor = new HealthMonitor({
      root,
      runningVersion: "1.0.0",
      clock,
      timeoutMs: 1000,
      isHealthy: () => false,
      describeCheck: "test",
      logger: silentLogger,
      requestRestart: () => assert.fail("no restart"),
    });
    assert.equal(await monitor.start(), "no-trial");
  });

  it("after a rollback the snapshot is restored only if the failed version migrated the schema", async () => {
    await bootstrap("1.0.0");
    core.store.kv.set("marker", "before");
    await service("1.0.0").install(tinyPackage("1.1.0", keys));
    core.store.kv.set("marker", "during trial");
    core.close();
    await root.rollback("test", 0);
    const dbPath = join(dir, "dcu.sqlite");
    // same schema: the database (with the trial's data) is kept
    assert.equal(await restoreDatabaseAfterRollback(root, dbPath, silentLogger), "kept");
    assert.equal((await root.readState())?.db, undefined, "snapshot forgotten");

    // now a trial whose version migrated the schema beyond ours
    core = new TerminalCore({ dbPath, hostClock: clock, utcOffsetMinutes: 480 });
    await root.writeState({ state: "committed", to: "1.0.0", at: 0, healthTimeoutMs: 1000 });
    await service("1.0.0").install(tinyPackage("1.2.0", keys));
    core.close();
    const raw = new DatabaseSync(dbPath);
    raw.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    await root.rollback("test", 0);
    assert.equal(await restoreDatabaseAfterRollback(root, dbPath, silentLogger), "restored");
    core = new TerminalCore({ dbPath, hostClock: clock, utcOffsetMinutes: 480 });
    assert.equal(core.store.kv.getString("marker"), "during trial", "the snapshot taken at the 1.2.0 switch");
  });
});
