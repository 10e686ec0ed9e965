/**
 * The trial of a freshly installed version (docs/upgrade.md "Trial"): the new version must prove healthy —
 * reach the master, or pass its self-check — within the configured time. Healthy: `good` moves to it, the
 * state says committed, the database snapshot and old releases are dropped. Not healthy in time: `current`
 * goes back to the previous version and the daemon exits for the launcher to restart it.
 *
 * The launcher keeps a second, independent deadline for a new version that hangs or crashes before this
 * monitor can act (launcher.ts).
 */
import { copyFile, open, rename, rm, stat } from "node:fs/promises";
import { DatabaseSync } from "node:sqlite";
import type { Clock, TimerHandle } from "../common/clock.ts";
import type { Logger } from "../common/logger.ts";
import { SCHEMA_VERSION } from "../store/migrations.ts";
import type { InstallRoot, UpgradeState } from "./install-root.ts";

export interface HealthMonitorOptions {
  readonly root: InstallRoot;
  readonly runningVersion: string;
  readonly clock: Clock;
  readonly timeoutMs: number;
  /** How often health is polled (default 1 s). */
  readonly pollMs?: number;
  /** What "healthy" means here: logged in to the master, or self-check passed (the daemon decides). */
  readonly isHealthy: () => boolean | Promise<boolean>;
  readonly describeCheck: string;
  readonly logger: Logger;
  readonly requestRestart: (reason: string) => void;
  readonly onCommitted?: () => void;
}

export type TrialOutcome = "no-trial" | "committed" | "rolled-back";

export class HealthMonitor {
  readonly #o: HealthMonitorOptions;
  readonly #logger: Logger;
  #timer: TimerHandle | undefined;
  #deadline = 0;
  #state: UpgradeState | undefined;
  #done: Promise<TrialOutcome> | undefined;
  #resolve: ((outcome: TrialOutcome) => void) | undefined;
  #stopped = false;

  constructor(options: HealthMonitorOptions) {
    this.#o = options;
    this.#logger = options.logger.child({ module: "upgrade", part: "trial" });
  }

  /** Starts watching when this process is the version on trial; resolves at once otherwise. */
  async start(): Promise<TrialOutcome | "watching"> {
    const state = await this.#o.root.readState();
    if (state?.state !== "trial" || state.to !== this.#o.runningVersion) return "no-trial";
    this.#state = state;
    this.#deadline = this.#o.clock.now() + this.#o.timeoutMs;
    this.#done = new Promise((resolve) => {
      this.#resolve = resolve;
    });
    this.#logger.info(
      { from: state.from, to: state.to, timeoutMs: this.#o.timeoutMs, check: this.#o.describeCheck },
      "new version on trial",
    );
    this.#schedule(0);
    return "watching";
  }

  /** Resolves when the trial has ended (committed or rolled back). */
  get outcome(): Promise<TrialOutcome> {
    return this.#done ?? Promise.resolve("no-trial");
  }

  stop(): void {
    this.#stopped = true;
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    this.#timer = this.#o.clock.setTimer(ms, () => {
      this.#timer = undefined;
      void this.#poll();
    });
  }

  async #poll(): Promise<void> {
    if (this.#stopped) return;
    let healthy = false;
    try {
      healthy = await this.#o.isHealthy();
    } catch (error) {
      this.#logger.warn({ error: String(error) }, "health check threw; counted as not healthy");
    }
    try {
      if (healthy) await this.#commit();
      else if (this.#o.clock.now() >= this.#deadline) await this.#rollBack();
      else this.#schedule(this.#o.pollMs ?? 1000);
    } catch (error) {
      this.#logger.error({ error: String(error) }, "trial bookkeeping failed; retrying");
      this.#schedule(this.#o.pollMs ?? 1000);
    }
  }

  async #commit(): Promise<void> {
    const state = this.#state as UpgradeState;
    const root = this.#o.root;
    await root.markGood(state.to);
    const { db, ...rest } = state;
    await root.writeState({ ...rest, state: "committed", at: this.#o.clock.now() });
    if (db !== undefined) await rm(db.snapshot, { force: true });
    // Keep the new version and the one before it (manual fallback); anything older goes.
    const removed = await root.prune(new Set([state.to, ...(state.from === undefined ? [] : [state.from])]));
    this.#logger.info({ version: state.to, removed }, "new version healthy: trial committed");
    this.#o.onCommitted?.();
    this.#resolve?.("committed");
  }

  async #rollBack(): Promise<void> {
    const reason = `not healthy within ${this.#o.timeoutMs} ms (${this.#o.describeCheck})`;
    const done = await this.#o.root.rollback(reason, this.#o.clock.now());
    this.#logger.error({ reason, rolledBack: done }, "trial failed: returning to the previous version");
    this.#resolve?.("rolled-back");
    this.#o.requestRestart(`trial failed: ${reason}`);
  }
}

function schemaVersionOf(path: string): number | undefined {
  try {
    const db = new DatabaseSync(path, { readOnly: true });
    try {
      const row = db.prepare("PRAGMA user_version").get() as { user_version?: number } | undefined;
      return row?.user_version;
    } finally {
      db.close();
    }
  } catch {
    return undefined;
  }
}

/**
 * Before the database is opened after a rollback: if the failed version migrated the schema beyond what this
 * program knows, the snapshot taken before the switch is put back (data recorded during the trial is lost —
 * the price of an old program that could not open the file at all). The snapshot is then removed.
 */
export async function restoreDatabaseAfterRollback(
  root: InstallRoot,
  dbPath: string,
  logger: Logger,
): Promise<"restored" | "kept" | "nothing"> {
  const state = await root.readState();
  if (state?.state !== "rolled-back" || state.db === undefined) return "nothing";
  const { snapshot } = state.db;
  const exists = await stat(snapshot).then(
    () => true,
    () => false,
  );
  let outcome: "restored" | "kept" = "kept";
  const current = schemaVersionOf(dbPath);
  if (exists && current !== undefined && current > SCHEMA_VERSION) {
    const temp = `${dbPath}.restore`;
    await copyFile(snapshot, temp);
    const handle = await open(temp, "r+");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    // The WAL of the newer schema belongs to the file being replaced: it must not be replayed onto the copy.
    await rm(`${dbPath}-wal`, { force: true });
    await rm(`${dbPath}-shm`, { force: true });
    await rename(temp, dbPath);
    outcome = "restored";
    logger.warn(
      { dbPath, snapshot, schema: current, ours: SCHEMA_VERSION },
      "database restored from the pre-upgrade snapshot",
    );
  }
  await rm(snapshot, { force: true });
  const { db: _db, ...rest } = state;
  await root.writeState(rest);
  return outcome;
}
