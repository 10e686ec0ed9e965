/**
 * `opendcu master --connect HOST:PORT [--area CODE] [--address N] [--msa N] [--timeout MS] [--json] <verb>`:
 * a master station talking Q/GDW 1376.1 to a DCU in server mode. Verbs: `clock` (AFN0C F2), `set-clock
 * [YYYY-MM-DD hh:mm:ss]` (AFN05 F31, PW zeros; default: now), `version` (AFN09 F1), `params get --fn N
 * [--pn N]` (AFN0A); in their own files: `params set`, `meters add|list`, `read`, `forward`, `init`, `traffic`
 * (master-*.ts, sharing master-session.ts). Exit 1 on a deny, a timeout or a connection failure.
 */
import type { Command } from "commander";
import { z } from "zod";
import { OpenDcuError } from "../../common/errors.ts";
import type { Record_ } from "../../protocol/gw1376-1/layout.ts";
import type { MasterReply, RequestItem } from "../../sim/master/master-station.ts";
import { localParts } from "../../store/calendar.ts";
import { parseOptions } from "../options.ts";
import { registerMasterEvents } from "./master-events.ts";
import { registerForward } from "./master-forward.ts";
import { registerInit } from "./master-init.ts";
import { registerMeters } from "./master-meters.ts";
import { registerParamsSet } from "./master-params-set.ts";
import { registerRead } from "./master-read.ts";
import { withMaster } from "./master-session.ts";
import { registerTraffic } from "./master-traffic.ts";
import { registerMasterUpgrade } from "./master-upgrade.ts";

// The global options and the dial live in master-session.ts; re-exported for the verbs that import them here.
export { connectFromOptions, MASTER_GLOBAL_SCHEMA as masterGlobalSchema } from "./master-session.ts";

function nowA1Text(utcOffset: number): { time: string; weekday: number } {
  const p = localParts(Date.now(), utcOffset);
  const two = (n: number) => String(n).padStart(2, "0");
  return {
    time: `${p.year}-${two(p.month)}-${two(p.day)} ${two(p.hour)}:${two(p.minute)}:${two(p.second)}`,
    weekday: p.weekday,
  };
}

function weekdayOf(time: string): number {
  const d = new Date(`${time.replace(" ", "T")}Z`);
  const wd = d.getUTCDay();
  return wd === 0 ? 7 : wd;
}

async function exchange(
  command: Command,
  afn: number,
  items: RequestItem[],
  show: (reply: MasterReply) => string,
): Promise<void> {
  await withMaster(command, async (master, o) => {
    const reply = await master.request(afn, items);
    if (o.json) {
      process.stdout.write(
        `${JSON.stringify({ afn: reply.message.afn, denied: reply.denied, items: reply.items })}\n`,
      );
    } else {
      process.stdout.write(`${reply.denied ? "denied (AFN00 F2)" : show(reply)}\n`);
    }
    if (reply.denied) process.exitCode = 1;
  });
}

const fields = (data: Record_): string =>
  Object.entries(data)
    .map(([k, v]) => `  ${k}: ${typeof v === "object" ? JSON.stringify(v) : String(v)}`)
    .join("\n");

export function registerMaster(program: Command): void {
  const master = program
    .command("master")
    .description("Act as a Q/GDW 1376.1 master station towards a DCU in server mode")
    .option("--connect <host:port>", "the DCU's uplink address")
    .option("--area <code>", "terminal area code A1", "4403")
    .option("--address <n>", "terminal address A2", "1")
    .option("--msa <n>", "master station address (MSA)", "1")
    .option("--timeout <ms>", "answer timeout", "5000")
    .option("--utc-offset <minutes>", "local time offset used for Tp and set-clock", "480")
    .option("--json", "print the decoded answer as JSON", false);
  registerMasterUpgrade(master);
  registerMasterEvents(master);

  master
    .command("clock")
    .description("read the terminal clock (AFN0C F2)")
    .action(async (_opts: unknown, command: Command) => {
      await exchange(command, 0x0c, [{ pn: 0, fn: 2 }], (r) => {
        const clock = (r.items[0]?.data as { clock?: { time?: string } } | undefined)?.clock;
        return `terminal clock: ${clock?.time ?? "unknown"}`;
      });
    });

  master
    .command("set-clock [time]")
    .description('set the terminal clock (AFN05 F31), "YYYY-MM-DD hh:mm:ss" local time; default now')
    .action(async (time: string | undefined, _opts: unknown, command: Command) => {
      const utcOffset = Number(command.optsWithGlobals().utcOffset ?? 480);
      let clock: { time: string; weekday: number };
      if (time === undefined) clock = nowA1Text(utcOffset);
      else if (/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(time)) clock = { time, weekday: weekdayOf(time) };
      else
        throw new OpenDcuError("cli.invalid-argument", `time: expected "YYYY-MM-DD hh:mm:ss", got "${time}"`);
      await exchange(command, 0x05, [{ pn: 0, fn: 31, data: { clock } }], (r) =>
        r.message.afn === 0 && r.items[0]?.fn === 1 ? `clock set to ${clock.time}` : JSON.stringify(r.items),
      );
    });

  master
    .command("version")
    .description("read the terminal version (AFN09 F1)")
    .action(async (_opts: unknown, command: Command) => {
      await exchange(command, 0x09, [{ pn: 0, fn: 1 }], (r) => fields(r.items[0]?.data ?? {}));
    });

  const params = master.command("params").description("terminal parameters");
  params
    .command("get")
    .description("query a parameter (AFN0A)")
    .requiredOption("--fn <n>", "parameter Fn")
    .option("--pn <n>", "point number", "0")
    .action(async (opts: { fn: string; pn: string }, command: Command) => {
      const schema = z.object({
        fn: z.coerce.number().int().min(1, "must be 1..248").max(248, "must be 1..248"),
        pn: z.coerce.number().int().min(0, "must be 0..2040").max(2040, "must be 0..2040"),
      });
      const selector = parseOptions(schema, opts);
      await exchange(command, 0x0a, [{ pn: selector.pn, fn: selector.fn }], (r) =>
        r.items.map((i) => `p${i.pn} F${i.fn}\n${fields(i.data)}`).join("\n"),
      );
    });
  registerParamsSet(params);
  registerMeters(master);
  registerRead(master);
  registerForward(master);
  registerInit(master);
  registerTraffic(master);
}
