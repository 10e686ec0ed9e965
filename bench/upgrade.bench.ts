/**
 * Upgrade transfer benchmark: a 2 MB signed package sent with AFN0F F1 (master library `sendFile`) to the
 * real terminal stack (LinkSession → Dispatcher → FileReceiver → SQLite file → UpgradeService, which verifies
 * and installs it) over a link limited to 2,400 bytes/s per direction that loses 1 % of frames, in simulated
 * time (ManualClock + sim/simulated-link.ts), so 15 simulated minutes take seconds.
 *
 * Baseline: the link's minimum, the package's bytes at 2,400 bytes/s. The ratio says what the protocol
 * (frame overhead, one answer per segment, waits for lost frames) costs on top of the line itself.
 * Stop-and-wait: one segment outstanding; a lost segment or answer is sent again after the answer timeout.
 */
import { simulatedUpgrade } from "../test/support/simulated-upgrade.ts";
import { makeKeys, tinyPackage } from "../test/support/upgrade-fixtures.ts";
import type { BenchReport } from "./run.ts";
import { fmt, table } from "./support.ts";

const RATE = 2400;
const LOSS = 0.01;
const TIMEOUT_MS = 1500;
/** Random (incompressible) filler, so the package is about 2 MB. */
const PACKAGE_FILLER = 2 * 1024 * 1024 - 2048;

export default async function upgradeBench(): Promise<BenchReport> {
  const keys = makeKeys();
  const pkg = tinyPackage("2.0.0", keys, { fillerBytes: PACKAGE_FILLER, seed: 2026 });
  const minimum = pkg.length / RATE;
  const rows: string[][] = [];
  for (const segmentSize of [1024, 1900]) {
    const r = await simulatedUpgrade({
      keys,
      pkg,
      segmentSize,
      rate: RATE,
      lossRate: LOSS,
      seed: 0x0f1,
      timeoutMs: TIMEOUT_MS,
    });
    rows.push([
      fmt(segmentSize),
      fmt(r.result.total),
      fmt(r.seconds, 1),
      `${fmt(r.framesLost)} / ${fmt(r.framesSent)}`,
      fmt(r.result.resent),
      fmt(r.masterBytes / pkg.length, 3),
      r.installedVersion === "2.0.0" ? "yes" : "NO",
      `**${fmt(r.seconds / minimum, 2)}**`,
    ]);
  }
  return {
    title: "Remote upgrade over a slow, lossy link",
    lines: [
      `Command: \`npm run bench -- upgrade\`. A ${fmt(pkg.length)}-byte signed package over AFN0F F1, ` +
        `link ${fmt(RATE)} bytes/s per direction, ${LOSS * 100} % of frames lost (seeded), answer timeout ` +
        `${fmt(TIMEOUT_MS)} ms, stop-and-wait; simulated time (ManualClock), real SQLite file, the package ` +
        "verified and installed by the real upgrade service at the end.",
      "",
      `Link minimum (package bytes ÷ ${fmt(RATE)} bytes/s): **${fmt(minimum, 1)} s**.`,
      "",
      ...table(
        [
          "segment bytes",
          "segments",
          "transfer s",
          "frames lost / sent",
          "segments resent",
          "master bytes ÷ package",
          "installed",
          "ratio to minimum",
        ],
        rows,
      ),
      "",
      "The ratio is transfer time ÷ link minimum (1.00 = only the line costs). What remains is the frame",
      "overhead of each segment (header, DA/DT, 16-byte PW, CS), the answer's time on the return line, and an",
      "answer timeout for every lost segment or answer.",
    ],
  };
}
