/**
 * `opendcu sim …`: simulators. Each simulator is a subcommand in its own file, registered here with one line.
 */
import type { Command } from "commander";
import { registerSimCarrier } from "./sim-carrier.ts";
import { registerSimMeters } from "./sim-meters.ts";

export function registerSim(program: Command): void {
  const sim = program
    .command("sim")
    .description("Run simulators (virtual meters, carrier module, master station)");
  registerSimMeters(sim);
  registerSimCarrier(sim);
}
