/**
 * `opendcu upgrade FILE [--config START-UP-FILE] [--install-root DIR] [--public-key FILE] [--db PATH]
 * [--upgrade-target NAME] [--health-timeout MS] [--max-package-bytes N]`: installs a package from the local
 * interface. With `--config` the daemon's start-up file supplies the install root, key, database, target,
 * caps and health time (flags given override it). The package
 * is checked exactly as over AFN0F; a refusal is recorded as an event in the database given by `--db` (the
 * daemon's) and leaves everything untouched (exit 1). On success the new release is unpacked beside the
 * running one, `current` is switched, and the launcher (found through DIR/launcher.pid) is asked to restart
 * the daemon into it; the new version then has to prove healthy or is rolled back (docs/upgrade.md).
 * Without any installed release this is the first install: the release becomes current and good at once.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Command } from "commander";
import { z } from "zod";
import { SystemClock } from "../../common/clock.ts";
import { OpenDcuError } from "../../common/errors.ts";
import { createLogger } from "../../common/logger.ts";
import { parseDaemonConfig } from "../../daemon/config.ts";
import { readConfigFile } from "../../daemon/config-file.ts";
import { TerminalCore } from "../../terminal/terminal-core.ts";
import { InstallRoot } from "../../upgrade/install-root.ts";
import { LAUNCHER_PID_FILE } from "../../upgrade/launcher.ts";
import { loadPublicKey } from "../../upgrade/signing.ts";
import { DEFAULT_MAX_PACKAGE_BYTES } from "../../upgrade/upgrade-config.ts";
import { UpgradeService } from "../../upgrade/upgrade-service.ts";
import { parseOptions } from "../options.ts";

const optionsSchema = z.object({
  config: z.string().min(1).optional(),
  installRoot: z.string().min(1).optional(),
  publicKey: z.string().min(1).optional(),
  db: z.string().min(1).optional(),
  upgradeTarget: z.string().optional(),
  healthTimeout: z.coerce.number().int().min(1000, "must be at least 1000 ms").optional(),
  maxPackageBytes: z.coerce.number().int().min(1024).optional(),
  utcOffset: z.coerce.number().int().min(-720).max(840).optional(),
  json: z.boolean().default(false),
});

interface Settings {
  readonly installRoot: string;
  readonly publicKey: string;
  readonly db: string | undefined;
  readonly target: string;
  readonly healthTimeoutMs: number;
  readonly maxPackageBytes: number;
  readonly utcOffset: number;
}

/** Flags first, then the start-up file, then the defaults; the two paths are required from one or the other. */
function settings(o: z.output<typeof optionsSchema>): Settings {
  const file = o.config === undefined ? undefined : parseDaemonConfig(readConfigFile(o.config));
  const installRoot = o.installRoot ?? file?.upgrade.installRoot;
  const publicKey = o.publicKey ?? file?.upgrade.publicKeyFile;
  if (installRoot === undefined)
    throw new OpenDcuError(
      "cli.invalid-argument",
      "--install-root: required (or upgrade.installRoot in --config)",
    );
  if (publicKey === undefined)
    throw new OpenDcuError(
      "cli.invalid-argument",
      "--public-key: required (or upgrade.publicKeyFile in --config)",
    );
  return {
    installRoot,
    publicKey,
    db: o.db ?? file?.dbPath,
    target: o.upgradeTarget ?? file?.upgrade.target ?? "opendcu",
    healthTimeoutMs: o.healthTimeout ?? file?.upgrade.healthTimeoutMs ?? 300_000,
    maxPackageBytes: o.maxPackageBytes ?? file?.upgrade.maxPackageBytes ?? DEFAULT_MAX_PACKAGE_BYTES,
    utcOffset: o.utcOffset ?? file?.utcOffsetMinutes ?? 480,
  };
}

/** Asks a running launcher to restart the daemon; false when no launcher runs. */
async function signalLauncher(root: string): Promise<boolean> {
  let pid: number;
  try {
    pid = Number.parseInt(await readFile(join(root, LAUNCHER_PID_FILE), "utf8"), 10);
  } catch {
    return false;
  }
  if (!Number.isInteger(pid) || pid <= 1) return false;
  try {
    process.kill(pid, "SIGHUP");
    return true;
  } catch {
    return false;
  }
}

export function registerUpgrade(program: Command): void {
  program
    .command("upgrade <file>")
    .description(
      "install an upgrade package locally (A/B: the running version stays until the new one is healthy)",
    )
    .option("--config <file>", "the daemon's start-up file (install root, key, database, caps)")
    .option("--install-root <dir>", "the DCU's install root")
    .option("--public-key <file>", "Ed25519 public key (PEM) the package must be signed with")
    .option("--db <path>", "the daemon's database: refusals are recorded as events, a snapshot is taken")
    .option("--upgrade-target <name>", "device family accepted (default opendcu)")
    .option("--health-timeout <ms>", "time the new version has to prove healthy (default 300000)")
    .option("--max-package-bytes <n>", `size cap (default ${DEFAULT_MAX_PACKAGE_BYTES})`)
    .option("--utc-offset <minutes>", "terminal local time offset for event times (default 480)")
    .option("--json", "print the outcome as JSON", false)
    .action(async (file: string, raw: Record<string, unknown>) => {
      const parsed = parseOptions(optionsSchema, raw);
      const o = settings(parsed);
      let pem: string;
      try {
        pem = await readFile(o.publicKey, "utf8");
      } catch (cause) {
        throw new OpenDcuError(
          "cli.invalid-argument",
          `--public-key: cannot read ${o.publicKey}`,
          {},
          { cause },
        );
      }
      const publicKey = loadPublicKey(pem, "--public-key");
      let bytes: Uint8Array;
      try {
        bytes = await readFile(file);
      } catch (cause) {
        throw new OpenDcuError("cli.invalid-argument", `cannot read ${file}`, {}, { cause });
      }
      const root = new InstallRoot(o.installRoot);
      const logger = createLogger({ level: "warn", destination: 2 });
      const clock = new SystemClock();
      // Events go to the daemon's database when given; otherwise to a throw-away one (the refusal is still
      // printed and the exit code says it).
      const core = new TerminalCore({
        dbPath: o.db ?? ":memory:",
        hostClock: clock,
        utcOffsetMinutes: o.utcOffset,
        logger,
      });
      let restarted = false;
      try {
        const service = new UpgradeService({
          root,
          publicKey,
          target: o.target,
          maxPackageBytes: o.maxPackageBytes,
          healthTimeoutMs: o.healthTimeoutMs,
          runningVersion: await root.currentVersion(),
          store: core.store,
          events: core.events,
          clock: core.clock,
          utcOffsetMinutes: o.utcOffset,
          logger,
          requestRestart: () => {
            restarted = true;
          },
          ...(o.db === undefined ? { snapshotDatabase: false } : {}),
        });
        await service.start();
        const outcome = await service.install(bytes);
        const signalled = outcome.ok && restarted ? await signalLauncher(o.installRoot) : false;
        if (parsed.json) {
          process.stdout.write(`${JSON.stringify({ ...outcome, launcherSignalled: signalled })}\n`);
        } else if (outcome.ok) {
          process.stdout.write(
            `installed ${outcome.to}${outcome.from === undefined ? " (first install)" : ` beside ${outcome.from}`}; ` +
              (signalled
                ? "the launcher is restarting the daemon into it\n"
                : "start (or restart) the opendcu service to run it\n"),
          );
        } else {
          process.stdout.write(`refused (${outcome.code}): ${outcome.message}\n`);
          process.exitCode = 1;
        }
      } finally {
        core.close();
      }
    });
}
