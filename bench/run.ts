/**
 * `npm run bench [-- NAME...]`: runs every `bench/*.bench.ts` (or those whose file name contains one of the
 * NAMEs), prints each report, and rewrites those benches' sections of `docs/benchmarks.md`. Sections of
 * benches that did not run stay as they were, and every section's hand-written notes (between
 * `<!-- notes -->` and `<!-- /notes -->`) survive the rewrite (`report-file.ts`). Each section names the
 * command, date, Node version, machine and load average that produced its figures.
 *
 * A bench file default-exports `async () => BenchReport`. Reports print ratios against a baseline measured
 * in the same run (never absolute targets alone), because the CI machine's speed varies.
 */
import { readdir, readFile, writeFile } from "node:fs/promises";
import { cpus, loadavg, totalmem } from "node:os";
import { fileURLToPath } from "node:url";
import { benchName, mergeReport, REPORT_HEADER } from "./report-file.ts";

export interface BenchReport {
  /** Section heading. */
  title: string;
  /** Markdown lines: a short description, a table of figures, the verdict against the target. */
  lines: string[];
}

const benchDir = fileURLToPath(new URL(".", import.meta.url));
const docFile = new URL("../docs/benchmarks.md", import.meta.url);
const filters = process.argv.slice(2);
const allFiles = (await readdir(benchDir)).filter((f) => f.endsWith(".bench.ts")).sort();
const files = allFiles.filter((f) => filters.length === 0 || filters.some((name) => f.includes(name)));
if (files.length === 0) {
  process.stderr.write(`no bench file matches ${filters.join(", ")} (have: ${allFiles.join(", ")})\n`);
  process.exit(1);
}

const machine = `Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? "unknown CPU"}, ${Math.round(totalmem() / 2 ** 30)} GiB`;
const fresh = new Map<string, string>();
for (const file of files) {
  const loadBefore = loadavg()[0] ?? 0;
  const started = performance.now();
  const module = (await import(new URL(file, import.meta.url).href)) as {
    default: () => Promise<BenchReport>;
  };
  const report = await module.default();
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const loadAfter = loadavg()[0] ?? 0;
  const date = new Date().toISOString().slice(0, 10);
  const text = [
    `## ${report.title}`,
    "",
    `Source: \`bench/${file}\`, \`npm run bench -- ${benchName(file)}\` (ran ${seconds} s on ${date}, ${machine}, load average ${loadBefore.toFixed(1)} → ${loadAfter.toFixed(1)})`,
    "",
    ...report.lines,
  ].join("\n");
  process.stdout.write(`${text}\n\n`);
  fresh.set(benchName(file), text);
}

const existing = await readFile(docFile, "utf8").catch((error: NodeJS.ErrnoException) => {
  if (error.code === "ENOENT") return undefined;
  throw error;
});
const merged = mergeReport(existing, REPORT_HEADER, allFiles.map(benchName), fresh);
for (const section of merged.dropped)
  process.stderr.write(
    `docs/benchmarks.md: dropped the section of "${section.name}" (no bench/${section.name}.bench.ts)${section.notes === "" ? "" : `; its notes were:\n${section.notes}\n`}\n`,
  );
await writeFile(docFile, merged.text);
process.stdout.write(`docs/benchmarks.md: rewrote ${[...fresh.keys()].join(", ")}\n`);
