/**
 * The launcher's decisions with scripted children (the process edge is injected; the real processes run in
 * test/upgrade-install.test.ts): exit 75 restarts `current`; a crash during a trial rolls back; a hung trial
 * is killed after its time + grace and rolled back; crashes outside a trial back off; stop() ends the loop.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { makeKeys, tinyPackage } from "../../test/support/upgrade-fixtures.ts";
import { ManualClock } from "../common/clock.ts";
import { silentLogger } from "../common/logger.ts";
import { InstallRoot } from "./install-root.ts";
import { type ChildHandle, EXIT_RESTART, Launcher } from "./launcher.ts";
import { verifyPackage } from "./package-verify.ts";
import { stageRelease } from "./upgrade-service.ts";

const keys = makeKeys();
let dir: string;
let root: InstallRoot;
let clock: ManualClock;

interface FakeChild extends ChildHandle {
  readonly entry: string;
  readonly signals: NodeJS.Signals[];
  exit(code: number | null): void;
}

function fakeSpawner() {
  const children: FakeChild[] = [];
  const waiters: (() => void)[] = [];
  const spawnChild = (entry: string): ChildHandle => {
    let exit: (code: number | null) => void = () => undefined;
    const exited = new Promise<number | null>((resolve) => {
      exit = resolve;
    });
    const signals: NodeJS.Signals[] = [];
    const child: FakeChild = {
      pid: 1000 + children.length,
      entry,
      signals,
      exited,
      exit: (code) => exit(code),
      kill: (signal) => {
        signals.push(signal);
        exit(null);
      },
    };
    children.push(child);
    for (const w of waiters.splice(0)) w();
    return child;
  };
  /** Resolves once the n-th child (1-based) has been started. */
  const started = async (n: number): Promise<FakeChild> => {
    while (children.length < n) await new Promise<void>((resolve) => waiters.push(resolve));
    return children[n - 1] as FakeChild;
  };
  return { spawnChild, children, started };
}

async function install(version: string, from: string | undefined, healthTimeoutMs = 5000): Promise<void> {
  const verified = verifyPackage(tinyPackage(version, keys), {
    publicKey: keys.publicKey,
    target: "opendcu",
    maxPackageBytes: 1_000_000,
  });
  assert.ok(verified.ok);
  if (verified.ok) await stageRelease({ root, pkg: verified.package, from, healthTimeoutMs, now: 0 });
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "opendcu-launcher-"));
  root = new InstallRoot(dir);
  clock = new ManualClock(0);
  await install("1.0.0", undefined);
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function launcher(spawnChild: (entry: string) => ChildHandle): Launcher {
  return new Launcher({
    root,
    args: ["run"],
    clock,
    logger: silentLogger,
    spawnChild,
    graceMs: 1000,
    backoffMs: { initial: 500, max: 2000 },
  });
}

const entryOf = (version: string) => join(root.releaseDir(version), "src/cli/main.ts");

describe("launcher", () => {
  it("starts current, restarts into a new current on exit 75, stops on stop()", async () => {
    const { spawnChild, started } = fakeSpawner();
    const l = launcher(spawnChild);
    const running = l.run();
    const first = await started(1);
    assert.equal(first.entry, entryOf("1.0.0"));
    await install("1.1.0", "1.0.0");
    first.exit(EXIT_RESTART);
    const second = await started(2);
    assert.equal(second.entry, entryOf("1.1.0"));
    l.stop();
    assert.deepEqual(second.signals, ["SIGTERM"]);
    assert.equal(await running, 0);
  });

  it("rolls back a version that crashes during its trial and starts the previous one", async () => {
    const { spawnChild, started } = fakeSpawner();
    await install("1.1.0", "1.0.0");
    const l = launcher(spawnChild);
    const running = l.run();
    const trial = await started(1);
    assert.equal(trial.entry, entryOf("1.1.0"));
    trial.exit(1);
    const back = await started(2);
    assert.equal(back.entry, entryOf("1.0.0"));
    const state = await root.readState();
    assert.equal(state?.state, "rolled-back");
    assert.match(state?.reason ?? "", /exited with 1 during its trial/);
    l.stop();
    await running;
  });

  it("kills a trial that neither commits nor rolls back within its time + grace, then rolls back", async () => {
    const { spawnChild, started } = fakeSpawner();
    await install("1.1.0", "1.0.0", 5000);
    const l = launcher(spawnChild);
    const running = l.run();
    const trial = await started(1);
    clock.advance(5999);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(trial.signals, [], "within health time + grace");
    clock.advance(1);
    const back = await started(2);
    assert.deepEqual(trial.signals, ["SIGKILL"]);
    assert.equal(back.entry, entryOf("1.0.0"));
    l.stop();
    await running;
  });

  it("backs off after crashes outside a trial and restarts at once on 75", async () => {
    const { spawnChild, started } = fakeSpawner();
    const l = launcher(spawnChild);
    const running = l.run();
    /** Until the launcher sleeps on the clock (its only timer outside a trial). */
    const sleeping = async () => {
      while (clock.pendingTimers === 0) await new Promise((resolve) => setImmediate(resolve));
    };
    (await started(1)).exit(1);
    await sleeping();
    clock.advance(499);
    assert.equal(l.starts, 1, "waits for the back-off");
    clock.advance(1);
    (await started(2)).exit(1);
    await sleeping();
    clock.advance(500);
    assert.equal(l.starts, 2, "the second back-off is longer");
    clock.advance(500);
    (await started(3)).exit(EXIT_RESTART);
    await started(4);
    assert.equal(clock.pendingTimers, 0, "no back-off after 75");
    l.stop();
    await running;
  });

  it("SIGHUP (restart) stops the child and starts current again", async () => {
    const { spawnChild, started } = fakeSpawner();
    const l = launcher(spawnChild);
    const running = l.run();
    const first = await started(1);
    l.restart();
    assert.deepEqual(first.signals, ["SIGTERM"]);
    await started(2);
    l.stop();
    await running;
  });
});
