/**
 * Crash safety of the store (architecture: "a power cut at any instant loses nothing that was
 * acknowledged"). A child process commits records in a loop and acknowledges each commit on stdout; this
 * test SIGKILLs it at random moments 50 times, restarting it each time, and after every kill checks that
 * every acknowledged record is present and that `PRAGMA integrity_check` is ok.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { it } from "node:test";
import { fileURLToPath } from "node:url";

const CHILD = fileURLToPath(new URL("./fixtures/store-crash-child.ts", import.meta.url));
const KILLS = 50;

interface RunResult {
  acked: number;
}

/** Starts the child, waits until it has acknowledged at least one record, kills it after a random delay. */
function runOnce(dbPath: string, delayMs: number): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, [CHILD, dbPath], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let buffered = "";
    let acked = 0;
    let killScheduled = false;
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdout?.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) {
        const m = /^ack (\d+)$/.exec(line);
        if (m !== null) acked = Math.max(acked, Number(m[1]));
      }
      if (acked > 0 && !killScheduled) {
        killScheduled = true;
        setTimeout(() => child.kill("SIGKILL"), delayMs);
      }
    });
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      if (signal !== "SIGKILL") {
        reject(new Error(`child exited on its own (code ${code}): ${stderr}`));
        return;
      }
      resolve({ acked });
    });
  });
}

function verify(dbPath: string, acked: number): void {
  const db = new DatabaseSync(dbPath);
  try {
    const integrity = db.prepare("PRAGMA integrity_check").all() as { integrity_check: string }[];
    assert.deepEqual(
      integrity.map((r) => r.integrity_check),
      ["ok"],
    );
    const committed = JSON.parse(
      (db.prepare("SELECT value FROM kv WHERE key = 'crash.seq'").get() as { value: string }).value,
    ) as number;
    assert.ok(committed >= acked, `committed ${committed} < acknowledged ${acked}`);
    const readings = db.prepare("SELECT item, point, value FROM readings").all() as {
      item: string;
      point: number;
      value: string;
    }[];
    const frozen = db.prepare("SELECT item, point, value FROM frozen_daily").all() as {
      item: string;
      point: number;
      value: string;
    }[];
    const readingSeqs = new Set(readings.map((r) => (JSON.parse(r.value) as { seq: number }).seq));
    const frozenSeqs = new Set(frozen.map((r) => Number(r.value)));
    for (let s = 1; s <= acked; s++) {
      assert.ok(readingSeqs.has(s), `reading ${s} was acknowledged but is missing`);
      assert.ok(frozenSeqs.has(s), `frozen record ${s} was acknowledged but is missing`);
    }
    const events = db.prepare("SELECT slot, content FROM event_log WHERE ring = 1").all() as {
      slot: number;
      content: Uint8Array;
    }[];
    const bySlot = new Map(
      events.map((e) => [e.slot, new DataView(e.content.buffer, e.content.byteOffset).getUint32(2, true)]),
    );
    for (let s = Math.max(1, committed - 255); s <= acked; s++) {
      assert.equal(bySlot.get((s - 1) % 256), s, `event ${s} was acknowledged but is missing`);
    }
    const ec2 = (db.prepare("SELECT next FROM event_counters WHERE ring = 1").get() as { next: number }).next;
    assert.equal(ec2, committed % 256, "EC2 matches the number of committed events");
  } finally {
    db.close();
  }
}

it(`loses no acknowledged record across ${KILLS} SIGKILLs`, { timeout: 240_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "opendcu-crash-"));
  try {
    const dbPath = join(dir, "dcu.db");
    let acked = 0;
    for (let i = 0; i < KILLS; i++) {
      const result = await runOnce(dbPath, Math.floor(Math.random() * 30));
      acked = Math.max(acked, result.acked);
      verify(dbPath, acked);
    }
    assert.ok(acked >= KILLS, `the child acknowledged ${acked} records over ${KILLS} runs`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
