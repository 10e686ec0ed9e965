/**
 * Wires the upgrade path into the daemon (the daemon only calls these two functions):
 *
 *   before the store opens: restoreDatabaseAfterRollback (only after a rollback from a schema-migrating version)
 *   after TerminalCore.start: FileReceiver (AFN0F) ─► UpgradeService (verify, install, restart)
 *                             HealthMonitor (this version on trial? confirm or roll back)
 *
 * Without `upgrade.installRoot` the AFN0F handler is still registered, and refuses every segment with
 * `FF FF FF FF`: the master learns at once that this terminal cannot be upgraded remotely.
 */
import { readFileSync } from "node:fs";
import pkg from "../../package.json" with { type: "json" };
import type { Clock } from "../common/clock.ts";
import { OpenDcuError } from "../common/errors.ts";
import type { Logger } from "../common/logger.ts";
import { FileReceiver } from "../terminal/file-receiver.ts";
import { afn0fRegistration } from "../terminal/handlers/afn0f-file-transfer.ts";
import type { AfnRegistration } from "../terminal/handlers/handler.ts";
import type { TerminalCore } from "../terminal/terminal-core.ts";
import { HealthMonitor, restoreDatabaseAfterRollback } from "./health-monitor.ts";
import { InstallRoot } from "./install-root.ts";
import { loadPublicKey } from "./signing.ts";
import type { UpgradeConfig } from "./upgrade-config.ts";
import { UpgradeService } from "./upgrade-service.ts";

/** The semantic version of the program running now (package.json of its release). */
export const RUNNING_VERSION: string = pkg.version;

export interface UpgradeWiring {
  /** Undefined when no install root is configured. */
  readonly service: UpgradeService | undefined;
  /** AFN0F registration for the dispatcher. */
  readonly registration: AfnRegistration;
  /**
   * Starts the trial watch if this version is on trial. What counts as healthy follows `upgrade.healthCheck`:
   * `masterOnline` (given in client mode) or `selfCheck` (runs the terminal's self-check, returns the faults).
   */
  watchHealth(checks: HealthChecks): Promise<void>;
  close(): void;
}

/** Call before the database is opened. */
export async function prepareUpgradeStart(
  config: UpgradeConfig,
  dbPath: string,
  logger: Logger,
): Promise<void> {
  if (config.installRoot === undefined || dbPath === ":memory:") return;
  await restoreDatabaseAfterRollback(new InstallRoot(config.installRoot), dbPath, logger);
}

export interface HealthChecks {
  readonly masterOnline: (() => boolean) | undefined;
  readonly selfCheck: () => Promise<readonly number[]>;
}

export interface SetupUpgradeOptions {
  readonly config: UpgradeConfig;
  readonly core: TerminalCore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly requestRestart: (reason: string) => void;
}

export async function setupUpgrade(options: SetupUpgradeOptions): Promise<UpgradeWiring> {
  const { config, core, logger } = options;
  let service: UpgradeService | undefined;
  let root: InstallRoot | undefined;
  if (config.installRoot !== undefined && config.publicKeyFile !== undefined) {
    let pem: string;
    try {
      pem = readFileSync(config.publicKeyFile, "utf8");
    } catch (cause) {
      throw new OpenDcuError(
        "config.invalid",
        `upgrade.publicKeyFile: cannot read ${config.publicKeyFile}`,
        {},
        { cause },
      );
    }
    root = new InstallRoot(config.installRoot);
    service = new UpgradeService({
      root,
      publicKey: loadPublicKey(pem, "upgrade.publicKeyFile"),
      target: config.target,
      maxPackageBytes: config.maxPackageBytes,
      healthTimeoutMs: config.healthTimeoutMs,
      runningVersion: RUNNING_VERSION,
      store: core.store,
      events: core.events,
      clock: core.clock,
      utcOffsetMinutes: core.utcOffsetMinutes,
      logger,
      requestRestart: options.requestRestart,
    });
    await service.start();
    await service.resumeInterruptedDownload();
  }
  const receiver = new FileReceiver({
    store: core.store,
    logger,
    maxFileBytes: config.maxPackageBytes,
    ...(service === undefined ? {} : { sink: service }),
  });
  let monitor: HealthMonitor | undefined;
  return {
    service,
    registration: afn0fRegistration(receiver),
    async watchHealth({ masterOnline, selfCheck }) {
      if (root === undefined) return;
      const useMaster =
        config.healthCheck === "master" || (config.healthCheck === "auto" && masterOnline !== undefined);
      const isHealthy = useMaster
        ? () => masterOnline?.() === true
        : async () => (await selfCheck()).length === 0;
      monitor = new HealthMonitor({
        root,
        runningVersion: RUNNING_VERSION,
        clock: options.clock,
        timeoutMs: config.healthTimeoutMs,
        isHealthy,
        describeCheck: useMaster ? "log in to the master" : "self-check",
        logger,
        requestRestart: options.requestRestart,
        onCommitted: () => service?.trialEnded(),
      });
      await monitor.start();
    },
    close() {
      monitor?.stop();
    },
  };
}
