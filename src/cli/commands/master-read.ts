/**
 * `opendcu master read realtime|daily|monthly --pn LIST|all --fn LIST [--date YYYY-MM-DD | --month YYYY-MM]`:
 * AFN0C current data, AFN0D daily (Td_d) or monthly (Td_m) frozen data. `--pn all` asks for all points
 * (DA FF 00) in one request; a list of points is sent 64 points per request, with progress. Points without
 * data are simply absent; exit 1 when nothing at all came back.
 */
import type { Command } from "commander";
import { z } from "zod";
import { ALL_POINTS, MAX_PN } from "../../protocol/gw1376-1/dadt.ts";
import type { DataItem } from "../../protocol/gw1376-1/data-units.ts";
import { findFnRow } from "../../protocol/gw1376-1/fn-table.ts";
import type { Record_ } from "../../protocol/gw1376-1/layout.ts";
import type { RequestItem } from "../../sim/master/master-station.ts";
import { localParts } from "../../store/calendar.ts";
import { parseOptions } from "../options.ts";
import {
  argumentError,
  describeItem,
  parseNumberList,
  printResult,
  progressLine,
  withMaster,
} from "./master-session.ts";
import { askTerminalDay, type Day, daysBefore, monthsBefore } from "./terminal-day.ts";

/** Points per request: 8 DA groups, so a request and its answer stay a few frames. */
export const POINTS_PER_REQUEST = 64;

type Kind = "realtime" | "daily" | "monthly";
const AFN: Readonly<Record<Kind, number>> = { realtime: 0x0c, daily: 0x0d, monthly: 0x0d };
/** The time-label field each kind needs in the AFN0D row's request (§4.7). */
const LABEL: Readonly<Record<Kind, string | undefined>> = {
  realtime: undefined,
  daily: "Td_d",
  monthly: "Td_m",
};

const SCHEMA = z.object({
  pn: z.string({ message: 'is required: a list like "1,3,5-8", "all" or "0"' }),
  fn: z.string({ message: 'is required: a list like "129" or "161,162"' }),
  date: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, "must be YYYY-MM-DD")
    .optional(),
  month: z
    .string()
    .regex(/^\d{4}-\d{2}$/, "must be YYYY-MM")
    .optional(),
});

/**
 * The request body for `kind`: nothing, the day label or the month label (default: the day / month before
 * `today`, the terminal's own date).
 */
export function requestBody(
  kind: Kind,
  date: string | undefined,
  month: string | undefined,
  today: Day,
): Record_ {
  if (kind === "realtime") {
    if (date !== undefined || month !== undefined)
      throw argumentError(
        date !== undefined ? "--date" : "--month",
        "only daily / monthly reads take a date",
      );
    return {};
  }
  if (kind === "daily") {
    if (month !== undefined) throw argumentError("--month", "a daily read takes --date");
    return { Td_d: date ?? daysBefore(today, 1) };
  }
  if (date !== undefined) throw argumentError("--date", "a monthly read takes --month");
  return { Td_m: month ?? monthsBefore(today, 1) };
}

/** Checks every Fn is a data item of this kind (AFN0C, or AFN0D with the right time label). */
function checkFns(kind: Kind, fns: readonly number[]): void {
  for (const fn of fns) {
    const row = findFnRow(AFN[kind], fn);
    const label = LABEL[kind];
    if (row === undefined)
      throw argumentError("--fn", `F${fn} is not an AFN${kind === "realtime" ? "0C" : "0D"} item`);
    if (label !== undefined && !(row.down ?? []).some((f) => f.name === label))
      throw argumentError("--fn", `F${fn} is not a ${kind} item (its request is not a ${label} label)`);
  }
}

export function registerRead(master: Command): void {
  master
    .command("read <kind>")
    .description("read realtime (AFN0C), daily or monthly (AFN0D) data for points")
    .option("--pn <list>", 'points: "1,3,5-8", "all" (every point) or "0" (terminal)')
    .option("--fn <list>", 'data items: "129" or "161,162"')
    .option("--date <YYYY-MM-DD>", "day of a daily read (default: the terminal's yesterday)")
    .option("--month <YYYY-MM>", "month of a monthly read (default: the terminal's last month)")
    .action(async (kindText: string, raw: unknown, command: Command) => {
      if (kindText !== "realtime" && kindText !== "daily" && kindText !== "monthly")
        throw argumentError("read", `expected realtime, daily or monthly, got "${kindText}"`);
      const kind: Kind = kindText;
      const o = parseOptions(SCHEMA, raw);
      const fns = parseNumberList(o.fn, "--fn", 1, 248);
      checkFns(kind, fns);
      const points =
        o.pn.trim().toLowerCase() === "all" ? [ALL_POINTS] : parseNumberList(o.pn, "--pn", 0, MAX_PN);
      await withMaster(command, async (master, g) => {
        // "Yesterday" is the terminal's yesterday: asked only when the default is needed.
        const defaulted = kind !== "realtime" && o.date === undefined && o.month === undefined;
        const today = defaulted
          ? await askTerminalDay(master, g.utcOffset)
          : localParts(Date.now(), g.utcOffset);
        const body = requestBody(kind, o.date, o.month, today);
        const chunks: number[][] = [];
        for (let at = 0; at < points.length; at += POINTS_PER_REQUEST)
          chunks.push(points.slice(at, at + POINTS_PER_REQUEST));
        const progress = chunks.length > 1 ? progressLine("points read") : () => undefined;
        const items: DataItem[] = [];
        let done = 0;
        for (const chunk of chunks) {
          const request: RequestItem[] = chunk.flatMap((pn) => fns.map((fn) => ({ pn, fn, data: body })));
          const reply = await master.request(AFN[kind], request);
          if (reply.message.afn === AFN[kind]) items.push(...reply.items);
          done += chunk.length;
          progress({ done, total: points.length });
        }
        printResult(g, { afn: AFN[kind], items }, () =>
          items.length === 0 ? "no data" : items.map(describeItem).join("\n"),
        );
        if (items.length === 0) process.exitCode = 1;
      });
    });
}
