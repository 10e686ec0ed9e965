/** The daemon's self-check: free disk under the database and available memory, every `intervalSeconds`. */
import { dirname, resolve } from "node:path";
import type { Clock } from "../common/clock.ts";
import type { Logger } from "../common/logger.ts";
import { diskProbe, memoryProbe, SelfCheckRunner } from "../terminal/self-check.ts";
import type { TerminalCore } from "../terminal/terminal-core.ts";
import type { DaemonConfig } from "./config.ts";

const MiB = 1024 * 1024;

export function startSelfCheck(
  config: DaemonConfig,
  deps: { core: TerminalCore; clock: Clock; logger: Logger },
): SelfCheckRunner {
  const limits = config.selfCheck;
  const runner = new SelfCheckRunner({
    core: deps.core,
    clock: deps.clock,
    logger: deps.logger,
    intervalMs: limits.intervalSeconds * 1000,
    probes: [
      ...(config.dbPath === ":memory:"
        ? []
        : [diskProbe(dirname(resolve(config.dbPath)), limits.minFreeDiskMiB * MiB)]),
      memoryProbe(limits.minFreeMemoryMiB * MiB),
    ],
  });
  runner.start();
  return runner;
}
