/**
 * Must-show (issue 7): the concentrator process is SIGKILLed at random moments of a day's collection — more
 * than twenty times, most of them around midnight and the daily round, some around the cut-off — and started
 * again each time a little later (simulated downtime). At the end of the day the data is complete and no
 * reading alarm was raised twice. The child (fixtures/collect-crash-child.ts) is a real process on a real
 * SQLite file; the field and the clock are simulated, so the outcome does not depend on machine speed.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { it } from "node:test";
import { fileURLToPath } from "node:url";
import { ManualClock } from "../src/common/clock.ts";
import { decodeErcRecord } from "../src/protocol/gw1376-1/erc.ts";
import { Store } from "../src/store/store.ts";
import { addressOf, installedMeter, local, OFFSET } from "./support/collect-fixture.ts";
import { RESTART_DEAD, RESTART_FIELD } from "./support/restart-field.ts";

const CHILD = fileURLToPath(new URL("./fixtures/collect-crash-child.ts", import.meta.url));
const START = local(2026, 11, 29, 23, 40);
const END = local(2026, 11, 30, 23, 0);
const MINUTE = 60_000;

const KILLS = 21;

/**
 * The next simulated kill time after `at`, for kill number `n`: the first fourteen a few minutes apart (the busy
 * hour around midnight and the daily round), then four hours apart at random, the last three right at the
 * cut-off (22:00), where the alarms are raised.
 */
function nextKill(n: number, at: number): number {
  const random = (from: number, to: number) => from + Math.floor(Math.random() * (to - from));
  if (n < 14) return at + random(MINUTE, 4 * MINUTE);
  const cutoff = local(2026, 11, 30, 22, 0);
  if (n < 18) return Math.min(at + random(30 * MINUTE, 4 * 60 * MINUTE), cutoff - 5 * MINUTE);
  return Math.max(at + MINUTE, random(cutoff - MINUTE, cutoff + 2 * MINUTE));
}

interface Run {
  /** Last simulated time the child reported. */
  readonly reached: number;
  readonly killed: boolean;
}

/** Runs the child from `start`; SIGKILLs it once it reports a time ≥ `killAt` (never when undefined). */
function runChild(dbPath: string, start: number, killAt: number | undefined): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, [CHILD, dbPath, String(start), String(END)], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let reached = start;
    let buffered = "";
    let stderr = "";
    let killed = false;
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdout?.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) {
        const m = /^t (\d+)$/.exec(line);
        if (m === null) continue;
        reached = Math.max(reached, Number(m[1]));
        if (!killed && killAt !== undefined && reached >= killAt) {
          killed = true;
          child.kill("SIGKILL");
        }
      }
    });
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      if (killed && signal === "SIGKILL") resolve({ reached, killed });
      else if (!killed && code === 0) resolve({ reached, killed });
      else reject(new Error(`child ended with code ${code} signal ${signal}: ${stderr}`));
    });
  });
}

it(`ends the day with complete data and no repeated alarm after ${KILLS} SIGKILLs`, {
  timeout: 600_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "opendcu-collect-restart-"));
  try {
    const dbPath = join(dir, "dcu.sqlite");
    let at = START;
    let kills = 0;
    while (kills < KILLS) {
      const run = await runChild(dbPath, at, nextKill(kills, at));
      assert.ok(run.killed, "the child finished before its kill time");
      kills++;
      // Down for 0–3 simulated minutes; the clock never goes back.
      at = run.reached + Math.floor(Math.random() * 3 * MINUTE);
    }
    assert.ok(kills >= 20, `only ${kills} kills`);
    const last = await runChild(dbPath, at, undefined);
    assert.ok(!last.killed && last.reached >= END - MINUTE);

    const clock = new ManualClock(END);
    const store = new Store({ path: dbPath, clock, utcOffsetMinutes: OFFSET });
    try {
      assert.deepEqual(store.integrityCheck(), ["ok"]);
      // Complete: every living meter has the day, and the two before it, as its own records say.
      for (const spec of RESTART_FIELD) {
        for (let i = 0; i < spec.meters; i++) {
          const point = spec.firstPoint + i;
          if (RESTART_DEAD.includes(point)) continue;
          const model = installedMeter(addressOf(spec.firstAddress + i), clock).model;
          [20261129, 20261128, 20261127].forEach((day, k) => {
            const stored = store.daily.get(point, "0D:F161", day)?.value as { energy: { value: number }[] };
            assert.ok(stored, `p${point}: no daily frozen data for ${day} after ${kills} kills`);
            const expected = model.daily[k]?.energies.positiveActive ?? [];
            // Meters rebuilt at each start integrate in different steps: a last-digit rounding may differ.
            for (const [t, e] of stored.energy.entries()) {
              const want = expected[t] ?? Number.NaN;
              assert.ok(
                Math.abs(e.value - want) < 0.011,
                `p${point} ${day} tariff ${t}: ${e.value} vs ${want}`,
              );
            }
          });
          assert.ok(store.monthly.get(point, "0D:F177", 202610), `p${point}: no monthly frozen data`);
        }
      }
      // Alarms: exactly one ERC39 (for the 29th) and one ERC31 per dead meter, none for anyone else.
      const alarms: string[] = [];
      for (const ring of ["important", "general"] as const) {
        for (const event of store.events.latest(ring)) {
          if (event.erc !== 31 && event.erc !== 39) continue;
          const decoded = decodeErcRecord(event.record);
          assert.ok(decoded.ok);
          const data = decoded.value.data as { point: { pn: number; occurred: number } };
          alarms.push(`ERC${event.erc} p${data.point.pn} ${data.point.occurred}`);
        }
      }
      assert.deepEqual(
        alarms.sort(),
        RESTART_DEAD.flatMap((p) => [`ERC31 p${p} 1`, `ERC39 p${p} 1`]).sort(),
        `alarms after ${kills} kills`,
      );
    } finally {
      store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
