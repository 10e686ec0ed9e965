/**
 * docs/benchmarks.md rewriting (bench/report-file.ts): a rerun replaces generated figures, keeps hand notes,
 * and leaves the sections of benches that did not run alone.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { benchName, mergeReport, parseReport, REPORT_HEADER } from "../bench/report-file.ts";

const BENCHES = ["alpha", "beta", "gamma"];

/** A file as the bench runner writes it, with notes in beta. */
function sample(): string {
  return mergeReport(
    undefined,
    "# Benchmarks\n\nintro",
    BENCHES,
    new Map([
      ["alpha", "## Alpha\n\nfigure 1"],
      ["beta", "## Beta\n\nfigure 2"],
      ["gamma", "## Gamma\n\nfigure 3"],
    ]),
  ).text.replace(
    "<!-- bench: beta -->\n## Beta\n\nfigure 2\n\n<!-- notes -->\n<!-- /notes -->",
    "<!-- bench: beta -->\n## Beta\n\nfigure 2\n\n<!-- notes -->\nFive runs: 1 / 2 / 3.\n\n| a | b |\n<!-- /notes -->",
  );
}

test("a rerun of one bench replaces its figures, keeps its notes and leaves the other sections as they were", () => {
  const before = sample();
  assert.match(before, /Five runs/, "the sample has notes to keep");
  const { text, dropped } = mergeReport(
    before,
    "# Benchmarks\n\nintro",
    BENCHES,
    new Map([["beta", "## Beta\n\nfigure 20"]]),
  );
  assert.deepEqual(dropped, []);
  const sections = parseReport(text).sections;
  assert.deepEqual(
    sections.map((s) => s.name),
    BENCHES,
  );
  assert.equal(sections[1]?.generated, "## Beta\n\nfigure 20");
  assert.equal(sections[1]?.notes, "Five runs: 1 / 2 / 3.\n\n| a | b |");
  assert.doesNotMatch(text, /figure 2\n/);
  // alpha and gamma: byte for byte what they were.
  const old = parseReport(before).sections;
  assert.deepEqual(sections[0], old[0]);
  assert.deepEqual(sections[2], old[2]);
});

test("a full rerun replaces every section and still keeps every section's notes", () => {
  const { text } = mergeReport(
    sample(),
    "# Benchmarks",
    BENCHES,
    new Map(BENCHES.map((name) => [name, `## ${name}\n\nnew`])),
  );
  const sections = parseReport(text).sections;
  assert.deepEqual(
    sections.map((s) => s.generated),
    BENCHES.map((name) => `## ${name}\n\nnew`),
  );
  assert.equal(sections[1]?.notes, "Five runs: 1 / 2 / 3.\n\n| a | b |");
  assert.equal(parseReport(text).header, "# Benchmarks");
});

test("rewriting without new figures is the identity (the format is stable)", () => {
  const once = mergeReport(sample(), "# Benchmarks\n\nintro", BENCHES, new Map()).text;
  assert.equal(once, sample());
  assert.equal(mergeReport(once, "# Benchmarks\n\nintro", BENCHES, new Map()).text, once);
});

test("text written after a closed notes region is kept with the notes, not lost", () => {
  const edited = sample().replace("<!-- /notes -->\n", "<!-- /notes -->\nafterthought\n");
  const { text } = mergeReport(edited, "h", BENCHES, new Map([["alpha", "## Alpha\n\nnew"]]));
  assert.equal(parseReport(text).sections[0]?.notes, "afterthought");
  assert.match(text, /new\n\n<!-- notes -->\nafterthought\n<!-- \/notes -->/);
});

test("a new bench gets an empty notes region; a removed bench's section is dropped and returned", () => {
  const { text, dropped } = mergeReport(
    sample(),
    "h",
    ["beta", "delta"],
    new Map([["delta", "## Delta\n\nx"]]),
  );
  assert.deepEqual(
    parseReport(text).sections.map((s) => s.name),
    ["beta", "delta"],
  );
  assert.match(text, /<!-- bench: delta -->\n## Delta\n\nx\n\n<!-- notes -->\n<!-- \/notes -->\n$/);
  assert.deepEqual(
    dropped.map((s) => s.name),
    ["alpha", "gamma"],
  );
});

test("a file that a rewrite would damage is refused with the reason", () => {
  const base = sample();
  assert.throws(
    () => parseReport(base.replace("| a | b |\n<!-- /notes -->", "| a | b |")),
    /section "beta": <!-- notes --> not closed/,
  );
  assert.throws(
    () => parseReport(base.replace("figure 3", "figure 3\n<!-- /notes -->")),
    /line \d+: <!-- \/notes --> without <!-- notes -->/,
  );
  assert.throws(
    () => parseReport(base.replace("<!-- bench: gamma -->", "<!-- bench: beta -->")),
    /section "beta" appears twice/,
  );
  assert.throws(
    () => parseReport(base.replace("figure 1", "figure 1\n<!-- notes -->\na\n<!-- /notes -->")),
    /section "alpha" has a second <!-- notes -->/,
  );
  assert.throws(
    () => mergeReport("# Benchmarks\n\n## Old layout\n\nfigures\n", "h", BENCHES, new Map()),
    /"## Old layout" comes before the first <!-- bench: NAME --> marker/,
  );
  assert.throws(
    () => mergeReport(base, "h", BENCHES, new Map([["omega", "x"]])),
    /bench "omega" ran but is not in the list/,
  );
});

test("docs/benchmarks.md is in this format, with one section per bench file, and survives a rewrite unchanged", () => {
  const doc = readFileSync(new URL("../docs/benchmarks.md", import.meta.url), "utf8");
  const benches = readdirSync(new URL("../bench/", import.meta.url))
    .filter((f) => f.endsWith(".bench.ts"))
    .sort()
    .map(benchName);
  const { text, dropped } = mergeReport(doc, REPORT_HEADER, benches, new Map());
  assert.deepEqual(dropped, []);
  assert.equal(text, doc);
});
