/**
 * What every `opendcu master` verb shares: the global options (`--connect`, `--area`, `--address`, `--msa`,
 * `--timeout`, `--utc-offset`, `--json`), opening the link to the DCU, printing an answer for people or as
 * JSON, and progress lines for long jobs (on stderr, so `--json` output stays clean).
 */
import type { Command } from "commander";
import { z } from "zod";
import { OpenDcuError } from "../../common/errors.ts";
import { parseEndpoint } from "../../daemon/config.ts";
import type { DataItem } from "../../protocol/gw1376-1/data-units.ts";
import type { Record_ } from "../../protocol/gw1376-1/layout.ts";
import { connectToDcu, type MasterStation } from "../../sim/master/master-station.ts";
import { parseOptions } from "../options.ts";

export const MASTER_GLOBAL_SCHEMA = z.object({
  connect: z.string({ message: "--connect HOST:PORT is required" }),
  area: z
    .string()
    .regex(/^\d{4}$/, "must be 4 decimal digits")
    .default("4403"),
  address: z.coerce.number().int().min(1, "must be 1..65535").max(65535, "must be 1..65535").default(1),
  msa: z.coerce.number().int().min(0, "must be 0..127").max(127, "must be 0..127").default(1),
  timeout: z.coerce.number().int().min(1, "must be positive milliseconds").default(5000),
  utcOffset: z.coerce.number().int().min(-720).max(840).default(480),
  json: z.boolean().default(false),
});

export type MasterGlobalOptions = z.output<typeof MASTER_GLOBAL_SCHEMA>;

/** Dials the DCU named by the global `master` options. */
export function connectFromOptions(o: MasterGlobalOptions): Promise<MasterStation> {
  const at = parseEndpoint(o.connect, "--connect");
  return connectToDcu(at.host, at.port, {
    area: o.area,
    terminal: o.address,
    msa: o.msa,
    timeoutMs: o.timeout,
    utcOffsetMinutes: o.utcOffset,
  });
}

/** Parses the global options of `command`, connects, runs `body`, always closes the link. */
export async function withMaster<T>(
  command: Command,
  body: (master: MasterStation, options: MasterGlobalOptions) => Promise<T>,
): Promise<T> {
  const options = parseOptions(MASTER_GLOBAL_SCHEMA, command.optsWithGlobals());
  const master = await connectFromOptions(options);
  try {
    return await body(master, options);
  } finally {
    await master.close();
  }
}

/** Prints `json` (with --json) or the human text, one trailing newline. */
export function printResult(options: MasterGlobalOptions, json: unknown, human: () => string): void {
  process.stdout.write(`${options.json ? JSON.stringify(json) : human()}\n`);
}

/** One data item as indented `name: value` lines under a `pN FN` heading. */
export function describeItem(item: DataItem): string {
  return `p${item.pn} F${item.fn}\n${describeFields(item.data)}`;
}

export function describeFields(data: Record_): string {
  return Object.entries(data)
    .map(([k, v]) => `  ${k}: ${typeof v === "object" && v !== null ? JSON.stringify(v) : String(v)}`)
    .join("\n");
}

/**
 * A progress callback for a long job: on a terminal one line rewritten in place, otherwise a line at every
 * tenth of the way, so logs stay short. Always on stderr.
 */
export function progressLine(label: string): (progress: { done: number; total: number }) => void {
  const tty = process.stderr.isTTY === true;
  let lastTenth = -1;
  return ({ done, total }) => {
    const text = `${label}: ${done}/${total}`;
    if (tty) {
      process.stderr.write(`\r${text}${done >= total ? "\n" : ""}`);
      return;
    }
    const tenth = total === 0 ? 10 : Math.floor((done * 10) / total);
    if (tenth !== lastTenth) {
      lastTenth = tenth;
      process.stderr.write(`${text}\n`);
    }
  };
}

/** "1,3,5-8" → [1, 3, 5, 6, 7, 8] within min..max; throws naming `flag` on anything else. */
export function parseNumberList(text: string, flag: string, min: number, max: number): number[] {
  const out = new Set<number>();
  for (const part of text.split(",")) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    const from = m === null ? Number.NaN : Number(m[1]);
    const to = m?.[2] === undefined ? from : Number(m[2]);
    if (!Number.isInteger(from) || !Number.isInteger(to) || from < min || to > max || from > to)
      throw argumentError(flag, `expected numbers ${min}..${max} like "1,3,5-8", got "${text}"`);
    for (let n = from; n <= to; n++) out.add(n);
  }
  return [...out].sort((a, b) => a - b);
}

/** A bad command-line value, named by its flag. */
export function argumentError(flag: string, message: string): OpenDcuError {
  return new OpenDcuError("cli.invalid-argument", `${flag}: ${message}`);
}
