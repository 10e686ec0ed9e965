/**
 * `opendcu master params set --fn N [--pn P] (--json-value JSON | --file FILE)`: AFN04 set of one parameter.
 * The value is the decoded body as `params get --json` prints it (the 1376.1 codec's field names); it is
 * encoded locally first, so a value the codec cannot encode is refused here, naming the field, before
 * anything is sent. Exit 1 when the terminal refuses it.
 */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { z } from "zod";
import { findFnRow } from "../../protocol/gw1376-1/fn-table.ts";
import type { Record_ } from "../../protocol/gw1376-1/layout.ts";
import { encodeBody } from "../../protocol/gw1376-1/layout-codec.ts";
import { parseOptions } from "../options.ts";
import { argumentError, printResult, withMaster } from "./master-session.ts";

const SCHEMA = z.object({
  fn: z.coerce.number().int().min(1, "must be 1..248").max(248, "must be 1..248"),
  pn: z.coerce.number().int().min(0, "must be 0..2040").max(2040, "must be 0..2040").default(0),
  jsonValue: z.string().optional(),
  file: z.string().optional(),
});

/** The parameter value from --json-value or --file, checked against the AFN04 layout of `fn`. */
export function parameterValue(fn: number, jsonValue: string | undefined, file: string | undefined): Record_ {
  if ((jsonValue === undefined) === (file === undefined))
    throw argumentError("--json-value", "give the value either as --json-value JSON or as --file FILE");
  const flag = jsonValue !== undefined ? "--json-value" : "--file";
  let text: string;
  try {
    text = jsonValue ?? readFileSync(file as string, "utf8");
  } catch (error) {
    throw argumentError("--file", `cannot read ${file}: ${(error as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw argumentError(flag, `not JSON: ${(error as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw argumentError(flag, "expected a JSON object with the parameter's fields");
  const down = findFnRow(0x04, fn)?.down;
  if (down === undefined) throw argumentError("--fn", `AFN04 F${fn} is not a parameter this tool knows`);
  try {
    encodeBody(down, value as Record_);
  } catch (error) {
    throw argumentError(flag, `not a valid F${fn} value: ${(error as Error).message}`);
  }
  return value as Record_;
}

export function registerParamsSet(params: Command): void {
  params
    .command("set")
    .description("set a parameter (AFN04); the value as JSON, as `params get --json` prints it")
    .requiredOption("--fn <n>", "parameter Fn")
    .option("--pn <n>", "point number", "0")
    .option("--json-value <json>", "the value as a JSON object")
    .option("--file <path>", "a file holding the JSON value")
    .action(async (raw: unknown, command: Command) => {
      const o = parseOptions(SCHEMA, raw);
      const data = parameterValue(o.fn, o.jsonValue, o.file);
      await withMaster(command, async (master, g) => {
        const reply = await master.request(0x04, [{ pn: o.pn, fn: o.fn, data }]);
        const units = (reply.items.find((i) => i.fn === 3)?.data.units ?? []) as { err?: number }[];
        const accepted = reply.message.afn === 0x00 && reply.items.some((i) => i.fn === 1);
        const reason = accepted
          ? "accepted"
          : units[0]?.err === 2
            ? "refused: meter address duplicated (ERR 2)"
            : reply.denied
              ? "refused (AFN00 F2)"
              : `refused (ERR ${units[0]?.err ?? "?"})`;
        printResult(
          g,
          { fn: o.fn, pn: o.pn, accepted, items: reply.items },
          () => `p${o.pn} F${o.fn} ${reason}`,
        );
        if (!accepted) process.exitCode = 1;
      });
    });
}
