/**
 * `opendcu master meters add --csv FILE` and `meters list [--serials LIST]`: the meter archive (AFN04 F10 /
 * AFN0A F10). The CSV is validated as the terminal would (sim/master/meter-archive.ts) before anything is
 * sent, then sent in several frames with progress; `list` reads serials range by range. Exit 1 when any
 * frame was refused.
 */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { z } from "zod";
import {
  MAX_METERS,
  type MeterConfig,
  parseMeterCsv,
  readMeterArchive,
  setMeterArchive,
} from "../../sim/master/meter-archive.ts";
import { parseOptions } from "../options.ts";
import { argumentError, parseNumberList, printResult, progressLine, withMaster } from "./master-session.ts";

const PROTOCOL_NAMES: Readonly<Record<number, string>> = {
  0: "none",
  1: "645-1997",
  2: "ac",
  30: "645-2007",
  31: "plc",
};

function meterLine(m: MeterConfig): string {
  const cells = [
    String(m.serial).padStart(4),
    `p${m.pn}`.padEnd(5),
    `port ${m.port}`.padEnd(7),
    (PROTOCOL_NAMES[m.protocol] ?? String(m.protocol)).padEnd(8),
    m.address,
    m.baud === 0 ? "default" : `${m.baud} Bd`,
    `M=${m.tariffs}`,
  ];
  if (m.collector !== "000000000000") cells.push(`collector ${m.collector}`);
  return cells.join("  ");
}

export function registerMeters(master: Command): void {
  const meters = master.command("meters").description("the meter archive (AFN04 F10 / AFN0A F10)");

  meters
    .command("add")
    .description("add or replace meters from a CSV file (header: serial,pn,port,protocol,address[,…])")
    .requiredOption("--csv <file>", "CSV file, one meter per row")
    .action(async (raw: unknown, command: Command) => {
      const { csv } = parseOptions(z.object({ csv: z.string() }), raw);
      let text: string;
      try {
        text = readFileSync(csv, "utf8");
      } catch (error) {
        throw argumentError("--csv", `cannot read ${csv}: ${(error as Error).message}`);
      }
      const archive = parseMeterCsv(text);
      await withMaster(command, async (station, g) => {
        const result = await setMeterArchive(station, archive, progressLine("meters sent"), g.timeout);
        printResult(g, result, () =>
          [
            `${result.accepted} of ${archive.length} meters accepted`,
            ...result.refused.map(
              (r) => `refused: serials ${r.serials[0]}–${r.serials[r.serials.length - 1]}: ${r.reason}`,
            ),
          ].join("\n"),
        );
        if (result.refused.length > 0) process.exitCode = 1;
      });
    });

  meters
    .command("list")
    .description("list the meter archive (all serials, or --serials LIST)")
    .option("--serials <list>", `serials like "1-100,205" (default 1-${MAX_METERS})`)
    .action(async (raw: unknown, command: Command) => {
      const { serials } = parseOptions(z.object({ serials: z.string().optional() }), raw);
      const wanted = serials === undefined ? undefined : parseNumberList(serials, "--serials", 1, MAX_METERS);
      await withMaster(command, async (station, g) => {
        const list = await readMeterArchive(station, wanted, progressLine("serials queried"), g.timeout);
        printResult(g, list, () =>
          list.length === 0 ? "no meters" : [...list.map(meterLine), `${list.length} meters`].join("\n"),
        );
      });
    });
}
