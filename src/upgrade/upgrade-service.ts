/**
 * The DCU's upgrade service: one way in for a package, whether it arrived over AFN0F (as the FileSink of the
 * FileReceiver) or from the local interface (`install`, for the web UI and `opendcu upgrade`).
 *
 *   package ─► verifyPackage ─✗─► ERC1 "no change" event, package discarded, running version untouched
 *                   │ ok
 *                   ▼
 *   releases/<v> written + fsync'ed ─► database snapshot ─► state "trial" ─► current → <v> ─► restart (exit 75)
 *
 * After the restart the new version's HealthMonitor confirms or rolls back (health-monitor.ts). While a trial
 * runs no other package is accepted: the version to return to must stay fixed.
 *
 * Event choice (docs/upgrade.md): the reference has no "upgrade refused" ERC. A refusal is recorded as ERC1
 * (data initialisation / version change) with both flags clear — no initialisation, no version change —
 * the running version as "old" and the refused package's version as "new" [L, our decision]. A real version
 * change (install or rollback) is recorded by the next start as ERC1 with D1 set (TerminalCore.start).
 */

import type { KeyObject } from "node:crypto";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { Clock } from "../common/clock.ts";
import type { Logger } from "../common/logger.ts";
import { SCHEMA_VERSION } from "../store/migrations.ts";
import type { Store } from "../store/store.ts";
import { erc1 } from "../terminal/erc-records.ts";
import type { EventRecorder } from "../terminal/event-recorder.ts";
import { FILE_ID_TERMINAL_PROGRAM, type FileSink, type SinkVerdict } from "../terminal/file-receiver.ts";
import { softwareVersionCode } from "../terminal/version-info.ts";
import type { InstallRoot } from "./install-root.ts";
import { type VerifiedPackage, type VerifyResult, verifyPackage } from "./package-verify.ts";

export interface UpgradeServiceOptions {
  readonly root: InstallRoot;
  readonly publicKey: KeyObject;
  /** The device family accepted (manifest `target`). */
  readonly target: string;
  readonly maxPackageBytes: number;
  /** How long a new version has to prove healthy; recorded in the trial state for the launcher. */
  readonly healthTimeoutMs: number;
  /**
   * Semantic version of the program running now (package.json), or of the release `current` points at when
   * the caller is not the daemon (`opendcu upgrade`); undefined when nothing is installed yet.
   */
  readonly runningVersion: string | undefined;
  readonly store: Store;
  /** Copy the database before switching (default true); false when the store is a throw-away one. */
  readonly snapshotDatabase?: boolean;
  readonly events: EventRecorder;
  readonly clock: Clock;
  readonly utcOffsetMinutes: number;
  readonly logger: Logger;
  /** Asks the daemon to stop and exit with EXIT_RESTART so the launcher starts `current`. */
  readonly requestRestart: (reason: string) => void;
}

export type InstallOutcome =
  | { readonly ok: true; readonly from: string | undefined; readonly to: string }
  | { readonly ok: false; readonly code: string; readonly message: string };

export class UpgradeService implements FileSink {
  readonly #o: UpgradeServiceOptions;
  readonly #logger: Logger;
  #busy = false;
  /** Set while an install runs or a trial is on: nothing else may be installed. */
  #trialRunning = false;

  constructor(options: UpgradeServiceOptions) {
    this.#o = options;
    this.#logger = options.logger.child({ module: "upgrade" });
  }

  get maxPackageBytes(): number {
    return this.#o.maxPackageBytes;
  }

  /**
   * Reads the trial state once at start (the HealthMonitor owns what happens next). A trial whose switch never
   * happened (a crash between recording the trial and switching `current`) is closed here, or it would block
   * every later install.
   */
  async start(): Promise<void> {
    const root = this.#o.root;
    const state = await root.readState();
    if (state?.state === "trial" && (await root.currentVersion()) !== state.to) {
      await root.writeState({
        ...state,
        state: "rolled-back",
        at: this.#o.clock.now(),
        reason: "interrupted before `current` was switched",
      });
      this.#logger.warn({ to: state.to }, "an install interrupted before its switch was closed");
      this.#trialRunning = false;
      return;
    }
    this.#trialRunning = state?.state === "trial";
  }

  /** Marks the trial over (called by the HealthMonitor when it commits). */
  trialEnded(): void {
    this.#trialRunning = false;
  }

  /** Verifies a package; a refusal is recorded as an event and logged. */
  check(bytes: Uint8Array): VerifyResult {
    const result = verifyPackage(bytes, {
      publicKey: this.#o.publicKey,
      target: this.#o.target,
      maxPackageBytes: this.#o.maxPackageBytes,
    });
    if (!result.ok) this.#refused(result.code, result.message, result.version);
    return result;
  }

  #refused(code: string, message: string, version: string | undefined): void {
    this.#logger.warn({ code, message, offered: version }, "upgrade package refused");
    const running =
      this.#o.runningVersion === undefined ? "????" : softwareVersionCode(this.#o.runningVersion);
    const offered = version === undefined ? "????" : softwareVersionCode(version);
    this.#o.events.record(
      erc1(
        this.#o.clock.now(),
        this.#o.utcOffsetMinutes,
        { init: false, versionChange: false },
        running,
        offered,
      ),
    );
  }

  #precondition(version?: string): { code: string; message: string } | undefined {
    if (this.#busy) return { code: "busy", message: "another package is being installed" };
    if (this.#trialRunning)
      return {
        code: "trial-running",
        message: "the running version is still on trial; try again once it is confirmed",
      };
    if (version !== undefined && version === this.#o.runningVersion)
      return { code: "same-version", message: `version ${version} is already running` };
    return undefined;
  }

  /** FileSink: a complete AFN0F file. Checked now (before the last segment's answer), installed right after. */
  accept(fileId: number, file: Uint8Array): SinkVerdict {
    if (fileId !== FILE_ID_TERMINAL_PROGRAM) return { ok: false, reason: `file id ${fileId}` };
    const blocked = this.#precondition();
    if (blocked !== undefined) {
      this.#refused(blocked.code, blocked.message, undefined);
      return { ok: false, reason: blocked.message };
    }
    const verified = this.check(file);
    if (!verified.ok) return { ok: false, reason: `${verified.code}: ${verified.message}` };
    const same = this.#precondition(verified.package.manifest.version);
    if (same !== undefined) {
      this.#refused(same.code, same.message, verified.package.manifest.version);
      return { ok: false, reason: same.message };
    }
    this.#busy = true;
    // The answer to the last segment leaves first; the install runs after it. If the process dies before the
    // install finished, the complete download is still in the store and start() installs it.
    setImmediate(() => {
      // Installed or not (a failure is recorded as an event), the download has served: the master starts
      // from scratch next time rather than finding a "complete" file that will never install.
      void this.#install(verified.package, "uplink").then(() =>
        this.#o.store.files.clear(FILE_ID_TERMINAL_PROGRAM),
      );
    });
    return { ok: true };
  }

  /** Installs a package from the local interface (web UI, `opendcu upgrade`); the daemon restarts on success. */
  async install(bytes: Uint8Array): Promise<InstallOutcome> {
    const blocked = this.#precondition();
    if (blocked !== undefined) {
      this.#refused(blocked.code, blocked.message, undefined);
      return { ok: false, ...blocked };
    }
    const verified = this.check(bytes);
    if (!verified.ok) return { ok: false, code: verified.code, message: verified.message };
    const same = this.#precondition(verified.package.manifest.version);
    if (same !== undefined) {
      this.#refused(same.code, same.message, verified.package.manifest.version);
      return { ok: false, ...same };
    }
    this.#busy = true;
    return this.#install(verified.package, "local");
  }

  async #install(pkg: VerifiedPackage, source: "uplink" | "local"): Promise<InstallOutcome> {
    const to = pkg.manifest.version;
    try {
      // The version to return to is the installed one `current` names (undefined: first install).
      const from = await this.#o.root.currentVersion();
      const outcome = await stageRelease({
        root: this.#o.root,
        pkg,
        from,
        healthTimeoutMs: this.#o.healthTimeoutMs,
        now: this.#o.clock.now(),
        ...(this.#o.snapshotDatabase === false
          ? {}
          : { snapshot: (path: string) => snapshotDatabase(this.#o.store, path) }),
      });
      this.#trialRunning = from !== undefined;
      this.#logger.info(
        { from, to, source, snapshot: outcome.snapshot },
        "new version installed; restarting into it",
      );
      this.#o.requestRestart(`upgrade ${from ?? "(none)"} → ${to}`);
      return { ok: true, from, to };
    } catch (error) {
      const message = `install failed: ${(error as Error).message}`;
      this.#logger.error({ to, error: String(error) }, "upgrade install failed; running version kept");
      this.#refused("install-failed", message, to);
      return { ok: false, code: "install-failed", message };
    } finally {
      this.#busy = false;
    }
  }

  /**
   * File id 0 (abort) from the master: the download is already cleared by the receiver; a version still on
   * trial is rolled back and the daemon restarts into the previous one.
   */
  abort(): void {
    if (!this.#trialRunning || this.#busy) return;
    void this.#o.root.rollback("aborted by the master (AFN0F file id 0)", this.#o.clock.now()).then(
      (done) => {
        if (done) {
          this.#logger.warn({}, "trial version rolled back on the master's abort");
          this.#o.requestRestart("rollback on abort");
        }
      },
      (error: unknown) => this.#logger.error({ error: String(error) }, "rollback on abort failed"),
    );
  }

  /** A download that completed just before a crash or power cut is checked and installed now (daemon start). */
  async resumeInterruptedDownload(): Promise<void> {
    const transfer = this.#o.store.files.get(FILE_ID_TERMINAL_PROGRAM);
    if (transfer === undefined || transfer.receivedCount !== transfer.totalSegments) return;
    const file = this.#o.store.files.assemble(FILE_ID_TERMINAL_PROGRAM);
    if (file === undefined) return;
    this.#logger.info({ bytes: file.length }, "complete download found at start; installing it");
    const outcome = await this.install(file);
    if (outcome.ok || outcome.code !== "trial-running") this.#o.store.files.clear(FILE_ID_TERMINAL_PROGRAM);
  }
}

/** `VACUUM INTO` a consistent copy of the open database (taken before switching to a new version). */
export function snapshotDatabase(store: Store, path: string): number {
  store.db.exec(`VACUUM INTO '${path.replaceAll("'", "''")}'`);
  return SCHEMA_VERSION;
}

export interface StageOptions {
  readonly root: InstallRoot;
  readonly pkg: VerifiedPackage;
  readonly from: string | undefined;
  readonly healthTimeoutMs: number;
  readonly now: number;
  /** Copies the database to `path` and returns its schema version; omitted when no database is at hand. */
  readonly snapshot?: (path: string) => number;
}

/**
 * Writes the release, snapshots the database, records the trial, then switches `current` — in this order, so
 * a crash at any point leaves either the old version running or a recorded trial that can be rolled back.
 * Without a previous version (first install) the release is good at once.
 */
export async function stageRelease(options: StageOptions): Promise<{ snapshot: string | undefined }> {
  const { root, pkg, from, now } = options;
  const to = pkg.manifest.version;
  await root.writeRelease(pkg.manifest, pkg.files);
  if (from === undefined) {
    await root.writeState({ state: "committed", to, at: now, healthTimeoutMs: options.healthTimeoutMs });
    await root.switchCurrent(to);
    await root.markGood(to);
    return { snapshot: undefined };
  }
  let db: { snapshot: string; schemaVersion: number } | undefined;
  if (options.snapshot !== undefined) {
    const snapshot = join(root.path, `db-before-${to}.sqlite`);
    await rm(snapshot, { force: true });
    db = { snapshot, schemaVersion: options.snapshot(snapshot) };
  }
  await root.writeState({
    state: "trial",
    from,
    to,
    at: now,
    healthTimeoutMs: options.healthTimeoutMs,
    ...(db === undefined ? {} : { db }),
  });
  await root.switchCurrent(to);
  return { snapshot: db?.snapshot };
}
