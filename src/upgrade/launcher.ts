/**
 * The launcher (`opendcu launch`): a small supervisor that runs the daemon from `<root>/current` and is the
 * backstop of the A/B upgrade (docs/upgrade.md "Launcher"). It runs itself from `<root>/good`, the last
 * version confirmed healthy, so a broken new version can never take the launcher down with it.
 *
 *   loop: start current/<entry> ──► exit code
 *           75 (EXIT_RESTART)            → start again at once (a new `current`, or a rollback)
 *           other, while `current` is on trial → roll back, start again
 *           other                         → start again after a growing back-off (crash loop guard)
 *         a trial still running after its health time + grace → the child is killed and rolled back
 *   SIGTERM/SIGINT → forwarded to the child; the launcher exits when it has stopped.
 *   SIGHUP         → the child is stopped and started again (after a local `opendcu upgrade`).
 *
 * The process edge (spawn, signals) is injected so the decisions are tested without real processes.
 */
import { spawn } from "node:child_process";
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Clock, TimerHandle } from "../common/clock.ts";
import type { Logger } from "../common/logger.ts";
import type { InstallRoot } from "./install-root.ts";

/** The daemon's exit code for "start me again" (sysexits EX_TEMPFAIL): upgrade installed or rolled back. */
export const EXIT_RESTART = 75;
/** The launcher's pid, for `opendcu upgrade` to ask for a restart (SIGHUP). */
export const LAUNCHER_PID_FILE = "launcher.pid";

export interface ChildHandle {
  readonly pid: number | undefined;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): void;
}

export type SpawnChild = (entry: string, args: readonly string[]) => ChildHandle;

/** Real processes: the same Node binary runs the release's entry point; output goes to ours (journald). */
export const spawnNode: SpawnChild = (entry, args) => {
  const child = spawn(process.execPath, [entry, ...args], { stdio: "inherit" });
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code) => resolve(code));
    child.once("error", () => resolve(1));
  });
  return { pid: child.pid, exited, kill: (signal) => child.kill(signal) };
};

export interface LauncherOptions {
  readonly root: InstallRoot;
  /** Arguments after the entry point, e.g. `run --db … --install-root …`. */
  readonly args: readonly string[];
  readonly clock: Clock;
  readonly logger: Logger;
  readonly spawnChild?: SpawnChild;
  /** Added to the trial's health time before the launcher steps in (default 30 s). */
  readonly graceMs?: number;
  /** Crash back-off: first and largest delay (defaults 1 s and 60 s). */
  readonly backoffMs?: { readonly initial: number; readonly max: number };
  /** Time between SIGTERM and SIGKILL when stopping a child (default 10 s). */
  readonly killAfterMs?: number;
}

export class Launcher {
  readonly #o: LauncherOptions;
  readonly #logger: Logger;
  #child: ChildHandle | undefined;
  #stopping = false;
  #restartAsked = false;
  #wake: (() => void) | undefined;
  /** Number of children started (status and tests). */
  starts = 0;

  constructor(options: LauncherOptions) {
    this.#o = options;
    this.#logger = options.logger.child({ module: "launcher" });
  }

  /** Runs until `stop()`; resolves with the launcher's exit code. */
  async run(): Promise<number> {
    const root = this.#o.root;
    let backoff = this.#o.backoffMs?.initial ?? 1000;
    await writeFile(join(root.path, LAUNCHER_PID_FILE), `${process.pid}\n`).catch(() => undefined);
    try {
      while (!this.#stopping) {
        const version = await root.currentVersion();
        if (version === undefined) {
          this.#logger.error({ root: root.path }, "nothing installed: no `current` release");
          return 1;
        }
        const state = await root.readState();
        const onTrial = state?.state === "trial" && state.to === version;
        const entry = await root.entryPath(version);
        this.#logger.info({ version, entry, onTrial }, "starting the daemon");
        const child = (this.#o.spawnChild ?? spawnNode)(entry, this.#o.args);
        this.#child = child;
        this.starts++;
        let watchdog: TimerHandle | undefined;
        if (onTrial) {
          watchdog = this.#o.clock.setTimer(state.healthTimeoutMs + (this.#o.graceMs ?? 30_000), () => {
            void root.readState().then((now) => {
              if (now?.state !== "trial" || now.to !== version) return;
              this.#logger.error({ version }, "trial version did not settle in time; killing it");
              child.kill("SIGKILL");
            });
          });
        }
        const code = await child.exited;
        watchdog?.cancel();
        this.#child = undefined;
        if (this.#stopping) return 0;
        const after = await root.readState();
        if (after?.state === "trial" && after.to === version && !this.#restartAsked) {
          const reason = `version ${version} exited with ${code ?? "a signal"} during its trial`;
          await root.rollback(reason, this.#o.clock.now());
          this.#logger.error({ version, code }, "trial failed: rolled back; starting the previous version");
          continue;
        }
        if (code === EXIT_RESTART || this.#restartAsked) {
          this.#restartAsked = false;
          backoff = this.#o.backoffMs?.initial ?? 1000;
          continue;
        }
        this.#logger.error({ version, code, retryInMs: backoff }, "daemon stopped unexpectedly");
        await this.#sleep(backoff);
        backoff = Math.min(backoff * 2, this.#o.backoffMs?.max ?? 60_000);
      }
      return 0;
    } finally {
      await rm(join(root.path, LAUNCHER_PID_FILE), { force: true });
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.#o.clock.setTimer(ms, () => {
        this.#wake = undefined;
        resolve();
      });
      this.#wake = () => {
        timer.cancel();
        this.#wake = undefined;
        resolve();
      };
    });
  }

  #terminate(child: ChildHandle): void {
    child.kill("SIGTERM");
    const timer = this.#o.clock.setTimer(this.#o.killAfterMs ?? 10_000, () => child.kill("SIGKILL"));
    void child.exited.then(() => timer.cancel());
  }

  /** SIGTERM/SIGINT: stop the child and return from `run()`. */
  stop(): void {
    this.#stopping = true;
    if (this.#child !== undefined) this.#terminate(this.#child);
    this.#wake?.();
  }

  /** SIGHUP: stop the child and start `current` again (a local install switched it). */
  restart(): void {
    this.#restartAsked = true;
    if (this.#child !== undefined) this.#terminate(this.#child);
    else this.#wake?.();
  }
}
