/**
 * The periodic self-check on a ManualClock: each probe's fault raises ERC21 once with its code, the fault
 * stays active (alarm) while present, clears when resolved, and is recorded anew when it recurs; a probe
 * that throws is itself a finding; a plain `selfCheck()` keeps the probes' findings.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ManualClock } from "../common/clock.ts";
import { CapturingLogger } from "../common/logger.ts";
import { TERMINAL_FAULT } from "./erc-records.ts";
import {
  availableMemoryBytes,
  type CarrierHealth,
  carrierProbe,
  diskProbe,
  memoryProbe,
  SelfCheckRunner,
  serialPortsProbe,
} from "./self-check.ts";
import { TerminalCore } from "./terminal-core.ts";

const MiB = 1024 * 1024;

function setup() {
  const clock = new ManualClock(Date.UTC(2026, 10, 26, 2));
  const logger = new CapturingLogger();
  const core = new TerminalCore({ dbPath: ":memory:", hostClock: clock, utcOffsetMinutes: 480, logger });
  core.start();
  const erc21Codes = () =>
    core.store.events
      .latest("important")
      .filter((e) => e.erc === 21)
      .map((e) => e.record[7]);
  return { clock, logger, core, erc21Codes };
}

describe("self-check", () => {
  it("low disk and low memory raise ERC21 code 1 once, stay active, clear when resolved, recur anew", async () => {
    const { clock, logger, core, erc21Codes } = setup();
    let disk = 10 * MiB;
    let memory = 512 * MiB;
    const runner = new SelfCheckRunner({
      core,
      clock,
      logger,
      intervalMs: 60_000,
      probes: [diskProbe("/data", 64 * MiB, async () => disk), memoryProbe(32 * MiB, () => memory)],
    });
    const first = await runner.runOnce();
    assert.deepEqual(first.faults, [TERMINAL_FAULT.mainMemory]);
    assert.match(first.findings[0]?.reason ?? "", /free disk 10 MiB under \/data is below 64 MiB/);
    assert.deepEqual(erc21Codes(), [1]);
    memory = 8 * MiB; // a second problem with the same code adds no second record
    await runner.runOnce();
    assert.deepEqual(erc21Codes(), [1]);
    assert.equal(core.faultFindings().length, 2);
    assert.deepEqual(core.activeFaults(), [1]);

    disk = 1000 * MiB;
    memory = 1000 * MiB;
    assert.deepEqual((await runner.runOnce()).faults, []);
    assert.deepEqual(core.activeFaults(), []);
    assert.ok(logger.entries.some((e) => e.message === "self-check fault cleared" && e.fields.fault === 1));

    disk = 1 * MiB;
    await runner.runOnce();
    assert.deepEqual(erc21Codes(), [1, 1], "a recurrence is a new record");
    await runner.stop();
    core.close();
  });

  it("serial ports: a missing or non-device path is code 4; a character device is fine", async () => {
    const { clock, logger, core, erc21Codes } = setup();
    const dir = mkdtempSync(join(tmpdir(), "opendcu-selfcheck-"));
    const file = join(dir, "not-a-tty");
    writeFileSync(file, "");
    const paths = ["/dev/null", join(dir, "ttyUSB9"), file];
    const probe = serialPortsProbe(() => paths);
    const findings = await probe.run();
    assert.deepEqual(
      findings.map((f) => f.reason),
      [`serial port ${join(dir, "ttyUSB9")} is missing`, `serial port ${file} is not a character device`],
    );
    const runner = new SelfCheckRunner({ core, clock, logger, probes: [probe] });
    assert.deepEqual((await runner.runOnce()).faults, [TERMINAL_FAULT.rs485Reading]);
    assert.deepEqual(erc21Codes(), [4]);
    paths.splice(1);
    assert.deepEqual((await runner.runOnce()).faults, []);
    rmSync(dir, { recursive: true, force: true });
    core.close();
  });

  it("carrier module and a throwing probe; a plain selfCheck keeps the probes' findings", async () => {
    const { clock, logger, core, erc21Codes } = setup();
    let carrier: CarrierHealth | undefined = { ok: false, reason: "no answer to AFN03 F10" };
    const runner = new SelfCheckRunner({
      core,
      clock,
      logger,
      probes: [
        carrierProbe(() => carrier),
        {
          name: "broken",
          fault: TERMINAL_FAULT.mainBoardComm,
          run: async () => {
            throw new Error("EIO");
          },
        },
      ],
    });
    const r = await runner.runOnce();
    assert.deepEqual(r.faults, [TERMINAL_FAULT.plcChannel, TERMINAL_FAULT.mainBoardComm]);
    assert.match(r.findings[1]?.reason ?? "", /broken check failed: Error: EIO/);
    assert.deepEqual(erc21Codes(), [6, 3]);
    // someone else (the upgrade health check) calls the core's own check: the probe faults stay
    assert.deepEqual(core.selfCheck().faults, [6, 3]);
    assert.deepEqual(erc21Codes(), [6, 3]);
    carrier = undefined;
    assert.deepEqual((await runner.runOnce()).faults, [3]);
    core.close();
  });

  it("runs at start and then every interval on the injected clock", async () => {
    const { clock, logger, core } = setup();
    let runs = 0;
    const runner = new SelfCheckRunner({
      core,
      clock,
      logger,
      intervalMs: 60_000,
      probes: [
        {
          name: "count",
          fault: 1,
          run: async () => {
            runs++;
            return [];
          },
        },
      ],
    });
    runner.start();
    clock.advance(0);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(runs, 1);
    clock.advance(59_000);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(runs, 1);
    clock.advance(1000);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(runs, 2);
    await runner.stop();
    clock.advance(120_000);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(runs, 2, "stopped");
    core.close();
  });

  it("reads available memory from the host", () => {
    assert.ok(availableMemoryBytes() > 0);
  });
});
