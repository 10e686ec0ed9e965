/**
 * Store benchmark: one day of daily frozen data (AFN0D F161, 4 tariffs) for 2,040 meters, written with one
 * statement, and read back for one "F161, all points, one day" request; then the file size after 62 days.
 *
 * Baseline (same run, same rows): the raw cost of inserting the same rows one prepared INSERT at a time
 * into an unindexed rowid table in one transaction, and of reading them back from it by a full scan; for
 * size, the bytes of the same values written as one plain file.
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { ManualClock } from "../src/common/clock.ts";
import { dayKey } from "../src/store/calendar.ts";
import type { FrozenRecord } from "../src/store/frozen-repo.ts";
import { Store } from "../src/store/store.ts";
import type { BenchReport } from "./run.ts";

const METERS = 2040;
const DAYS = 62;
const OFFSET = 480;
const DAY_MS = 86_400_000;

function dayRecords(period: number, readAt: number): FrozenRecord[] {
  return Array.from({ length: METERS }, (_, i) => ({
    point: i + 1,
    item: "0D:F161",
    period,
    readAt,
    value: { m: 4, energy: [12345.67 + i, 3000.1, 3000.2, 3000.3, 3045.07 + i] },
  }));
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

export default async function storeBench(): Promise<BenchReport> {
  const dir = mkdtempSync(join(tmpdir(), "opendcu-bench-"));
  try {
    const clock = new ManualClock(Date.UTC(2026, 0, 1, 4));
    const store = new Store({ path: join(dir, "dcu.db"), clock, utcOffsetMinutes: OFFSET });
    const raw = new DatabaseSync(join(dir, "baseline.db"));
    raw.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL");
    raw.exec("CREATE TABLE plain (period INTEGER, item TEXT, point INTEGER, read_at INTEGER, value TEXT)");
    const insertPlain = raw.prepare("INSERT INTO plain VALUES (?, ?, ?, ?, ?)");
    const scanPlain = raw.prepare("SELECT point, read_at, value FROM plain WHERE period = ? AND item = ?");

    const writeMs: number[] = [];
    const baseWriteMs: number[] = [];
    let plainBytes = 0;
    for (let d = 0; d < DAYS; d++) {
      const period = dayKey(clock.now(), OFFSET);
      const records = dayRecords(period, clock.now());
      let t = performance.now();
      store.daily.putMany(records);
      writeMs.push(performance.now() - t);

      t = performance.now();
      raw.exec("BEGIN");
      for (const r of records) {
        insertPlain.run(r.period, r.item, r.point, r.readAt, JSON.stringify(r.value));
      }
      raw.exec("COMMIT");
      baseWriteMs.push(performance.now() - t);
      plainBytes += records.reduce((n, r) => n + 24 + JSON.stringify(r.value).length, 0);
      clock.advance(DAY_MS);
    }
    clock.set(clock.now() - DAY_MS);
    const lastDay = dayKey(clock.now(), OFFSET);

    const readMs: number[] = [];
    const baseReadMs: number[] = [];
    for (let i = 0; i < 20; i++) {
      let t = performance.now();
      const rows = store.daily.forPeriod("0D:F161", lastDay);
      readMs.push(performance.now() - t);
      if (rows.length !== METERS) throw new Error(`read ${rows.length} rows, expected ${METERS}`);
      t = performance.now();
      const plain = scanPlain.all(lastDay, "0D:F161").map((r) => JSON.parse(String(r.value)) as unknown);
      baseReadMs.push(performance.now() - t);
      if (plain.length !== METERS) throw new Error("baseline read mismatch");
    }

    store.db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    raw.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    const storeBytes = statSync(join(dir, "dcu.db")).size;
    const rawDbBytes = statSync(join(dir, "baseline.db")).size;
    writeFileSync(join(dir, "plain.bin"), new Uint8Array(plainBytes));
    const fileBytes = statSync(join(dir, "plain.bin")).size;
    const rows = store.daily.count();
    store.close();
    raw.close();

    const w = median(writeMs);
    const bw = median(baseWriteMs);
    const r = median(readMs);
    const br = median(baseReadMs);
    const mib = (n: number) => (n / 2 ** 20).toFixed(1);
    return {
      title: "Store: daily frozen data of 2,040 meters",
      lines: [
        `Write one day of AFN0D F161 (4 tariffs) for ${METERS} meters with \`store.daily.putMany\` (one`,
        "json_each INSERT, one transaction, retention pruning included); read it back with",
        "`store.daily.forPeriod` (one indexed query); repeated over 62 days, medians shown. Baseline: the",
        "same rows inserted one prepared INSERT at a time into an unindexed table (one transaction) and read",
        "back by a full scan; for size, the same value bytes (+24 bytes of keys per row) as a plain file.",
        "",
        "| measure | store | baseline | ratio |",
        "|---|---|---|---|",
        `| write one day, ${METERS} meters | ${w.toFixed(1)} ms | ${bw.toFixed(1)} ms | ${(w / bw).toFixed(2)} × |`,
        `| read F161 all points, one day (of 62) | ${r.toFixed(2)} ms | ${br.toFixed(2)} ms | ${(r / br).toFixed(2)} × |`,
        `| size after ${DAYS} days (${rows} rows) | ${mib(storeBytes)} MiB | ${mib(fileBytes)} MiB plain file; ${mib(rawDbBytes)} MiB unindexed table | ${(storeBytes / fileBytes).toFixed(2)} × |`,
        "",
        `Store rows after ${DAYS} days: ${rows} (retention keeps exactly 62 days).`,
      ],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
