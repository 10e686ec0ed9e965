/**
 * `opendcu master traffic [--days N] [--months N]`: traffic with the master station as the DCU counts it —
 * today and this month (AFN0C F10), and optionally the last N days (AFN0D F53, N ≤ 62) and months (AFN0D
 * F54, N ≤ 12). The dates are the terminal's own (its clock is read in the same AFN0C request), so history
 * lines up with the DCU's calendar even when the host's clock differs. Human output or `--json`.
 */
import type { Command } from "commander";
import { z } from "zod";
import type { RequestItem } from "../../sim/master/master-station.ts";
import { parseOptions } from "../options.ts";
import { printResult, withMaster } from "./master-session.ts";
import { daysBefore, monthsBefore, terminalDay } from "./terminal-day.ts";

const OPTIONS = z.object({
  days: z.coerce.number().int().min(0, "must be 0..62").max(62, "must be 0..62").default(0),
  months: z.coerce.number().int().min(0, "must be 0..12").max(12, "must be 0..12").default(0),
});

const grouped = (n: number) => n.toLocaleString("en-US");

export function registerTraffic(master: Command): void {
  master
    .command("traffic")
    .description("traffic with the master station: today and this month (AFN0C F10), history (AFN0D F53/F54)")
    .option("--days <n>", "also the last N days, today included (AFN0D F53, up to 62)", "0")
    .option("--months <n>", "also the last N months, this one included (AFN0D F54, up to 12)", "0")
    .action(async (opts: Record<string, unknown>, command: Command) => {
      const o = parseOptions(OPTIONS, opts);
      await withMaster(command, async (station, g) => {
        const now = await station.request(0x0c, [
          { pn: 0, fn: 2 },
          { pn: 0, fn: 10 },
        ]);
        const byFn = new Map(now.items.map((i) => [i.fn, i.data]));
        const f10 = byFn.get(10) as { todayBytes?: number; monthBytes?: number } | undefined;
        if (now.denied || f10 === undefined) {
          printResult(g, { denied: true }, () => "denied: the DCU does not answer AFN0C F10 (traffic)");
          process.exitCode = 1;
          return;
        }
        const day = terminalDay(byFn.get(2)?.clock, g.utcOffset);

        const history: RequestItem[] = [
          ...Array.from({ length: o.days }, (_, i) => ({
            pn: 0,
            fn: 53,
            data: { Td_d: daysBefore(day, i) },
          })),
          ...Array.from({ length: o.months }, (_, i) => ({
            pn: 0,
            fn: 54,
            data: { Td_m: monthsBefore(day, i) },
          })),
        ];
        const days: { day: string; bytes: number }[] = [];
        const months: { month: string; bytes: number }[] = [];
        // One unit per request keeps each answer small and lets a day the DCU has no record of be skipped.
        for (const item of history) {
          const reply = await station.request(0x0d, [item]);
          const data = reply.items[0]?.data as
            | { Td_d?: string; Td_m?: string; trafficBytes?: number }
            | undefined;
          if (reply.denied || data?.trafficBytes === undefined) continue;
          if (data.Td_d !== undefined) days.push({ day: data.Td_d, bytes: data.trafficBytes });
          if (data.Td_m !== undefined) months.push({ month: data.Td_m, bytes: data.trafficBytes });
        }
        const result = { todayBytes: f10.todayBytes ?? 0, monthBytes: f10.monthBytes ?? 0, days, months };
        printResult(g, result, () =>
          [
            `traffic with the master: today ${grouped(result.todayBytes)} bytes, this month ${grouped(result.monthBytes)} bytes`,
            ...days.map((d) => `  ${d.day}  ${grouped(d.bytes)}`),
            ...months.map((m) => `  ${m.month}     ${grouped(m.bytes)}`),
          ].join("\n"),
        );
      });
    });
}
