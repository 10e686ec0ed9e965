/**
 * One AFN0F upgrade in simulated time: the real terminal stack (LinkSession → Dispatcher → FileReceiver →
 * SQLite file → UpgradeService with an install root where 1.0.0 runs) and the master library's `sendFile`,
 * joined by a paced, lossy SimulatedLink on a ManualClock. Shared by test/upgrade-lossy-link.test.ts and
 * bench/upgrade.bench.ts.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ManualClock } from "../../src/common/clock.ts";
import { CapturingLogger, silentLogger } from "../../src/common/logger.ts";
import { type SendResult, sendFile } from "../../src/sim/master/file-sender.ts";
import { MasterStation } from "../../src/sim/master/master-station.ts";
import { createSimulatedLink, runSimulation } from "../../src/sim/simulated-link.ts";
import { AFN_HANDLERS, Dispatcher } from "../../src/terminal/dispatcher.ts";
import { FileReceiver } from "../../src/terminal/file-receiver.ts";
import { afn0fRegistration } from "../../src/terminal/handlers/afn0f-file-transfer.ts";
import { TerminalCore } from "../../src/terminal/terminal-core.ts";
import { InstallRoot } from "../../src/upgrade/install-root.ts";
import { verifyPackage } from "../../src/upgrade/package-verify.ts";
import { stageRelease, UpgradeService } from "../../src/upgrade/upgrade-service.ts";
import { LinkSession } from "../../src/uplink/link-session.ts";
import { type TestKeys, tinyPackage } from "./upgrade-fixtures.ts";

export interface SimulatedUpgradeOptions {
  readonly keys: TestKeys;
  readonly pkg: Uint8Array;
  readonly segmentSize: number;
  /** Bytes per second per direction. */
  readonly rate: number;
  readonly lossRate: number;
  readonly seed: number;
  readonly timeoutMs: number;
  readonly retries?: number;
}

export interface SimulatedUpgrade {
  /** Simulated seconds from the first segment to the last answer. */
  readonly seconds: number;
  readonly result: SendResult;
  readonly framesLost: number;
  readonly framesSent: number;
  /** Bytes the master put on the line. */
  readonly masterBytes: number;
  /** The DCU verified the package, installed it as `current` (2.0.0 …) and asked for its restart. */
  readonly installedVersion: string | undefined;
}

export async function simulatedUpgrade(o: SimulatedUpgradeOptions): Promise<SimulatedUpgrade> {
  const dir = mkdtempSync(join(tmpdir(), "opendcu-sim-upgrade-"));
  // Kept in memory: a failed run shows the terminal's last words.
  const log = new CapturingLogger();
  const clock = new ManualClock(Date.UTC(2026, 10, 26, 2));
  const core = new TerminalCore({ dbPath: join(dir, "dcu.sqlite"), hostClock: clock, utcOffsetMinutes: 480 });
  try {
    core.start();
    const root = new InstallRoot(join(dir, "root"));
    const v1 = verifyPackage(tinyPackage("1.0.0", o.keys), {
      publicKey: o.keys.publicKey,
      target: "opendcu",
      maxPackageBytes: 1e6,
    });
    if (!v1.ok) throw new Error(v1.message);
    await stageRelease({ root, pkg: v1.package, from: undefined, healthTimeoutMs: 1000, now: 0 });
    let restartAsked = false;
    const service = new UpgradeService({
      root,
      publicKey: o.keys.publicKey,
      target: "opendcu",
      maxPackageBytes: 16 * 1024 * 1024,
      healthTimeoutMs: 60_000,
      runningVersion: "1.0.0",
      store: core.store,
      events: core.events,
      clock: core.clock,
      utcOffsetMinutes: 480,
      logger: log,
      requestRestart: () => {
        restartAsked = true;
      },
    });
    await service.start();
    const receiver = new FileReceiver({ store: core.store, logger: log, sink: service });
    const dispatcher = new Dispatcher(
      core,
      log,
      new Map([...AFN_HANDLERS, [0x0f, afn0fRegistration(receiver)]]),
    );
    const [dcuEnd, masterEnd] = createSimulatedLink({
      clock,
      bytesPerSecond: o.rate,
      lossRate: o.lossRate,
      seed: o.seed,
    });
    new LinkSession({
      stream: dcuEnd,
      identity: { area: "4403", terminal: 1, groups: [] },
      handle: (request) => dispatcher.handle(request),
      clock,
      utcOffsetMinutes: 480,
      logger: silentLogger,
    });
    const master = new MasterStation(masterEnd, { area: "4403", terminal: 1, clock, timeoutMs: o.timeoutMs });
    const started = clock.now();
    let outcome: SendResult | undefined;
    let failure: unknown;
    sendFile(master, o.pkg, { segmentSize: o.segmentSize, retries: o.retries ?? 8 }).then(
      (r) => {
        outcome = r;
      },
      (error: unknown) => {
        failure = error;
      },
    );
    await runSimulation(clock, () => outcome !== undefined || failure !== undefined, 3 * 3600_000);
    const seconds = (clock.now() - started) / 1000;
    if (outcome === undefined)
      throw new Error(
        `transfer failed: ${String(failure)}; last log: ${JSON.stringify(log.entries.slice(-5))}`,
      );
    // The install runs on real file I/O after the last answer: wait for it in real time (bounded).
    for (let i = 0; i < 400 && !restartAsked; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    return {
      seconds,
      result: outcome,
      framesLost: masterEnd.counters.framesLost + dcuEnd.counters.framesLost,
      framesSent: masterEnd.counters.framesSent + dcuEnd.counters.framesSent,
      masterBytes: masterEnd.counters.bytesSent,
      installedVersion: restartAsked ? await root.currentVersion() : undefined,
    };
  } finally {
    core.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
