/**
 * The whole AFN0F path over a slow line that loses frames, in simulated time: every lost segment or answer is
 * sent again, the DCU stores each segment once, and the package arrives intact (it verifies and installs).
 */
import assert from "node:assert/strict";
import { it } from "node:test";
import { simulatedUpgrade } from "./support/simulated-upgrade.ts";
import { makeKeys, tinyPackage } from "./support/upgrade-fixtures.ts";

it("completes a transfer over a 2,400 bytes/s line losing 5 % of frames and installs the package", {
  timeout: 60_000,
}, async () => {
  const keys = makeKeys();
  const pkg = tinyPackage("2.0.0", keys, { fillerBytes: 60_000, seed: 11 });
  const run = await simulatedUpgrade({
    keys,
    pkg,
    segmentSize: 1024,
    rate: 2400,
    lossRate: 0.05,
    seed: 5,
    timeoutMs: 1500,
  });
  assert.ok(run.framesLost > 0, "the line lost frames");
  assert.ok(run.result.resent >= 1, "lost ones were sent again");
  assert.equal(run.result.acknowledged, run.result.total);
  assert.equal(run.installedVersion, "2.0.0");
  // never faster than the line itself
  assert.ok(run.seconds >= pkg.length / 2400, `${run.seconds} s for ${pkg.length} bytes`);
});
