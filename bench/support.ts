/** Shared helpers for benchmark files: tinybench throughput and small markdown tables. */
import { Bench } from "tinybench";

/** Runs each function for about `timeMs` and returns mean operations per second by name. */
export async function opsPerSecond(
  tasks: Record<string, () => void>,
  timeMs = 1000,
): Promise<Record<string, number>> {
  const bench = new Bench({ time: timeMs, warmupTime: Math.min(300, timeMs / 3) });
  for (const [name, fn] of Object.entries(tasks)) bench.add(name, fn);
  await bench.run();
  const out: Record<string, number> = {};
  for (const task of bench.tasks) {
    const result = task.result;
    if (result.state !== "completed") throw new Error(`benchmark task ${task.name} ended ${result.state}`);
    out[task.name] = result.throughput.mean;
  }
  return out;
}

/** A markdown table from a header row and data rows. */
export function table(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string[] {
  return [
    `| ${header.join(" | ")} |`,
    `|${header.map(() => "---").join("|")}|`,
    ...rows.map((r) => `| ${r.map(String).join(" | ")} |`),
  ];
}

export function fmt(n: number, digits = 0): string {
  return n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
}
