/**
 * `opendcu sim carrier` as users run it: option validation, then the real process on a TCP port driven by
 * the DCU-side client, stopped and restarted to show the node archive survives like a real module's flash.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { CarrierClient } from "../src/channels/carrier/carrier-client.ts";
import { parseSimCarrierOptions } from "../src/cli/commands/sim-carrier.ts";
import { SystemClock } from "../src/common/clock.ts";
import { OpenDcuError } from "../src/common/errors.ts";
import { connectTcp } from "../src/transport/tcp.ts";
import { dailyFrozenRequest, dailyFrozenTotal } from "./carrier-fixture.ts";

const DEFAULTS = {
  unregistered: "0",
  firstAddress: "000000000001",
  baud: "9600",
  loss: "0",
  maxDepth: "3",
  seed: "1",
  timeScale: "1",
};

test("sim carrier options: validated, errors name the option", () => {
  const ok = parseSimCarrierOptions({ ...DEFAULTS, nodes: "50", tcp: "127.0.0.1:0", loss: "0.02" });
  assert.equal(ok.nodes, 50);
  assert.equal(ok.loss, 0.02);
  for (const [raw, name] of [
    [{ ...DEFAULTS, nodes: "0", tcp: "127.0.0.1:1" }, "--nodes"],
    [{ ...DEFAULTS, nodes: "5", tcp: "127.0.0.1:1", loss: "2" }, "--loss"],
    [{ ...DEFAULTS, nodes: "5" }, "--serial"],
    [{ ...DEFAULTS, nodes: "5", tcp: "nohostport" }, "--tcp"],
  ] as const) {
    assert.throws(
      () => parseSimCarrierOptions(raw),
      (e: unknown) =>
        e instanceof OpenDcuError && e.code === "cli.invalid-argument" && e.message.startsWith(name),
    );
  }
});

async function startModule(archive: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(
    process.execPath,
    [
      "src/cli/main.ts",
      "sim",
      "carrier",
      "--nodes",
      "6",
      "--tcp",
      "127.0.0.1:0",
      "--archive",
      archive,
      "--time-scale",
      "0.02",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    // Start-up on a loaded 2-core machine can take seconds; on a real hang the child is killed, not leaked.
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`no banner: ${out}`));
    }, 60_000);
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const m = /tcp:127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once("exit", (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
  return { child, port };
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}

test("sim carrier process: serves a DCU over TCP and keeps its archive across a restart", async () => {
  const dir = mkdtempSync(join(tmpdir(), "opendcu-sim-carrier-"));
  const clock = new SystemClock();
  try {
    const archive = join(dir, "module-archive.json");
    const first = await startModule(archive);
    try {
      const stream = await connectTcp("127.0.0.1", first.port);
      const client = new CarrierClient(stream, clock, { timeoutMs: 2000 });
      const info = await client.readModuleInfo();
      assert.equal(info.vendor, "OD");
      const nodes = ["000000000001", "000000000002", "000000000003"].map((address) => ({
        address,
        protocol: 2,
      }));
      assert.deepEqual(await client.syncArchive(nodes), { added: 3, deleted: 0, verified: true });
      const r = await client.readMonitored("000000000002", dailyFrozenRequest("000000000002"));
      assert.ok(r.ok && (dailyFrozenTotal(r.frame) ?? 0) > 0);
      client.close();
      await stream.close();
    } finally {
      await stop(first.child);
    }
    const second = await startModule(archive);
    try {
      const stream = await connectTcp("127.0.0.1", second.port);
      const client = new CarrierClient(stream, clock, { timeoutMs: 2000 });
      const after = await client.readArchive();
      assert.deepEqual(
        after.map((n) => n.address),
        ["000000000001", "000000000002", "000000000003"],
      );
      client.close();
      await stream.close();
    } finally {
      await stop(second.child);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
