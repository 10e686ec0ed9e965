#!/usr/bin/env node
/**
 * The `opendcu` command. Each subcommand lives in `./commands/<name>.ts` and exports a `register` function;
 * this file only assembles them, so adding a subcommand is adding one import and one line below.
 */
import { Command } from "commander";
import { registerDecode } from "./commands/decode.ts";
import { registerLaunch } from "./commands/launch.ts";
import { registerMaster } from "./commands/master.ts";
import { registerPackage } from "./commands/package.ts";
import { registerRun } from "./commands/run.ts";
import { registerSim } from "./commands/sim.ts";
import { registerUpgrade } from "./commands/upgrade.ts";
import { registerWeb } from "./commands/web.ts";
// (subcommand imports)

export function buildProgram(): Command {
  const program = new Command()
    .name("opendcu")
    .description("Open-source data concentrator unit for smart electricity meters")
    .showHelpAfterError()
    .exitOverride();
  registerDecode(program);
  registerSim(program);
  registerRun(program);
  registerMaster(program);
  registerWeb(program);
  registerPackage(program);
  registerUpgrade(program);
  registerLaunch(program);
  // (subcommand registrations)
  return program;
}

async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    // commander throws CommanderError on --help/--version (exitCode 0) and on usage errors (already printed).
    const exitCode = (error as { exitCode?: unknown }).exitCode;
    if (typeof exitCode === "number") {
      process.exitCode = exitCode;
      return;
    }
    process.stderr.write(`opendcu: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}

if (import.meta.main) {
  await main(process.argv);
}
