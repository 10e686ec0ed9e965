/**
 * `opendcu master init --data | --params | --all --yes`: AFN01 initialisation (shared/protocol/gw1376-1.md
 * §3.8): --data = F2 (collected data cleared, parameters kept), --params = F4 (parameters except those for
 * talking to the master, and all data), --all = F3 (everything back to factory defaults). It destroys data,
 * so it refuses to run without --yes.
 */
import type { Command } from "commander";
import { z } from "zod";
import { parseOptions } from "../options.ts";
import { argumentError, printResult, withMaster } from "./master-session.ts";

const WHAT = {
  data: { fn: 2, effect: "clears all collected data and events (parameters kept)" },
  params: {
    fn: 4,
    effect: "resets parameters except master communication, and clears all data",
  },
  all: { fn: 3, effect: "resets ALL parameters (including master communication) and clears all data" },
} as const;

const SCHEMA = z.object({
  data: z.boolean().default(false),
  params: z.boolean().default(false),
  all: z.boolean().default(false),
  yes: z.boolean().default(false),
});

export function registerInit(master: Command): void {
  master
    .command("init")
    .description("initialise the DCU (AFN01 F2 --data, F4 --params, F3 --all); needs --yes")
    .option("--data", WHAT.data.effect)
    .option("--params", WHAT.params.effect)
    .option("--all", WHAT.all.effect)
    .option("--yes", "confirm: this destroys data on the DCU")
    .action(async (raw: unknown, command: Command) => {
      const o = parseOptions(SCHEMA, raw);
      const chosen = (["data", "params", "all"] as const).filter((k) => o[k]);
      if (chosen.length !== 1) throw argumentError("init", "choose exactly one of --data, --params, --all");
      const what = WHAT[chosen[0] as keyof typeof WHAT];
      if (!o.yes) throw argumentError("--yes", `required: init --${chosen[0]} ${what.effect}`);
      await withMaster(command, async (master, g) => {
        const reply = await master.request(0x01, [{ pn: 0, fn: what.fn, data: {} }]);
        const done = reply.message.afn === 0x00 && reply.items.some((i) => i.fn === 1);
        printResult(g, { fn: what.fn, done }, () =>
          done ? `AFN01 F${what.fn} done: ${what.effect}` : `AFN01 F${what.fn} refused`,
        );
        if (!done) process.exitCode = 1;
      });
    });
}
