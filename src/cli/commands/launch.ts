/**
 * `opendcu launch --install-root DIR [--grace MS] -- run ARGS...`: the supervisor of an A/B install
 * (docs/upgrade.md "Launcher", src/upgrade/launcher.ts). Starts DIR/current's program with ARGS, restarts it
 * on exit code 75, rolls a failed trial back, restarts crashes with back-off. SIGTERM/SIGINT stop it (and the
 * daemon); SIGHUP restarts the daemon. Run it from DIR/good (the systemd unit in docs/upgrade.md does).
 */
import type { Command } from "commander";
import { z } from "zod";
import { SystemClock } from "../../common/clock.ts";
import { createLogger } from "../../common/logger.ts";
import { InstallRoot } from "../../upgrade/install-root.ts";
import { Launcher } from "../../upgrade/launcher.ts";
import { parseOptions } from "../options.ts";

const optionsSchema = z.object({
  installRoot: z.string({ message: "--install-root DIR is required" }).min(1),
  grace: z.coerce.number().int().min(0, "must be milliseconds ≥ 0").default(30_000),
  logLevel: z.enum(["debug", "info", "warn", "error"]).default("info"),
});

export function registerLaunch(program: Command): void {
  program
    .command("launch")
    .description("supervise the daemon of an A/B install: restart, upgrade, roll back (arguments after --)")
    .argument("<args...>", "the daemon's arguments, after --, e.g. -- run --db /var/lib/opendcu/dcu.sqlite")
    .option("--install-root <dir>", "the install root (releases/, current, good)")
    .option(
      "--grace <ms>",
      "extra time beyond a trial's health timeout before the launcher steps in",
      "30000",
    )
    .option("--log-level <level>", "debug | info | warn | error", "info")
    .action(async (args: string[], raw: Record<string, unknown>) => {
      const o = parseOptions(optionsSchema, raw);
      const launcher = new Launcher({
        root: new InstallRoot(o.installRoot),
        args,
        clock: new SystemClock(),
        logger: createLogger({ level: o.logLevel }),
        graceMs: o.grace,
      });
      process.on("SIGTERM", () => launcher.stop());
      process.on("SIGINT", () => launcher.stop());
      process.on("SIGHUP", () => launcher.restart());
      process.exitCode = await launcher.run();
    });
}
