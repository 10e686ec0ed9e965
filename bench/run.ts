/**
 * `npm run bench [-- NAME...]`: runs every `bench/*.bench.ts` (or those whose file name contains one of the
 * NAMEs), prints each report, and rewrites `docs/benchmarks.md` with all of them, so the kept figures always
 * come with the command and the machine that produced them.
 *
 * A bench file default-exports `async () => BenchReport`. Reports print ratios against a baseline measured
 * in the same run (never absolute targets alone), because the CI machine's speed varies.
 */
import { readdir, writeFile } from "node:fs/promises";
import { cpus, totalmem } from "node:os";
import { fileURLToPath } from "node:url";

export interface BenchReport {
  /** Section heading. */
  title: string;
  /** Markdown lines: a short description, a table of figures, the verdict against the target. */
  lines: string[];
}

const benchDir = fileURLToPath(new URL(".", import.meta.url));
const filters = process.argv.slice(2);
const files = (await readdir(benchDir))
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => filters.length === 0 || filters.some((name) => f.includes(name)))
  .sort();

const sections: string[] = [];
for (const file of files) {
  const started = performance.now();
  const module = (await import(new URL(file, import.meta.url).href)) as {
    default: () => Promise<BenchReport>;
  };
  const report = await module.default();
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const text = [
    `## ${report.title}`,
    "",
    `Source: \`bench/${file}\` (ran ${seconds} s)`,
    "",
    ...report.lines,
    "",
  ].join("\n");
  process.stdout.write(`${text}\n`);
  sections.push(text);
}

if (filters.length === 0) {
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  const header = [
    "# Benchmarks",
    "",
    "Produced by `npm run bench` (all benchmarks; `npm run bench -- NAME` runs one without rewriting this file).",
    "",
    `Last run: ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus().length} × ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB.`,
    "Each figure is compared with a baseline measured in the same run, so ratios hold across machines.",
    "",
  ];
  await writeFile(
    new URL("../docs/benchmarks.md", import.meta.url),
    `${[...header, ...sections].join("\n")}\n`,
  );
  process.stdout.write("docs/benchmarks.md updated\n");
}
