/**
 * Reading engine: wall time, CPU time and memory for a full simulated day of 2,040 meters on simulated time
 * (the engine, the store on a real SQLite file, and 2,040 virtual meters behind in-memory channels that
 * charge each exchange its simulated duration). The baseline is the same number of meter exchanges made
 * directly (frame encode → virtual meter → frame decode), so the ratio is what the engine and the store add
 * on top of the simulated field itself.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ManualClock } from "../src/common/clock.ts";
import {
  addressOf,
  dataClassBody,
  installedMeter,
  local,
  type PortSpec,
  startCollectFixture,
} from "../test/support/collect-fixture.ts";
import { exchangeWithMeter } from "../test/support/memory-channel.ts";
import { runUntil } from "../test/support/sim-time.ts";
import type { BenchReport } from "./run.ts";
import { fmt, table } from "./support.ts";

/** 4 RS-485 buses of 60 meters (2400 Bd-like exchanges) and 1,800 carrier nodes with 5 % loss. */
const FIELD: readonly PortSpec[] = [
  ...[2, 3, 4, 5].map((port, i) => ({
    port,
    meters: 60,
    firstAddress: 900_001 + 100 * i,
    firstPoint: 1 + 60 * i,
    exchangeMs: 300,
    timeoutMs: 1000,
  })),
  {
    port: 31,
    kind: "carrier" as const,
    meters: 1800,
    firstAddress: 910_001,
    firstPoint: 241,
    exchangeMs: 2000,
    timeoutMs: 8000,
    loss: 0.05,
  },
];
const METERS = FIELD.reduce((n, s) => n + s.meters, 0);

function exchanges(channels: Iterable<{ stats(): { requests: number } }>): number {
  let n = 0;
  for (const c of channels) n += c.stats().requests;
  return n;
}

interface DayFigures {
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly exchanges: number;
}

interface RunFigures {
  readonly buildMs: number;
  readonly firstDay: DayFigures;
  readonly day: DayFigures;
  readonly builtHeap: number;
  readonly peakRss: number;
  readonly peakHeap: number;
  readonly coverage: number;
  readonly stored: number;
}

/** Builds the field and runs the first day and a steady day with the store at `dbPath`. */
async function runField(dbPath: string): Promise<RunFigures> {
  let peakRss = 0;
  let peakHeap = 0;
  let steps = 0;
  const sample = (): void => {
    if (++steps % 500 !== 0) return;
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  };
  const buildStarted = performance.now();
  const fx = startCollectFixture({
    start: local(2026, 11, 27, 23, 55),
    specs: FIELD,
    dbPath,
    // Billing items: daily F161, monthly F177; hourly F129 on RS-485 (the default class 1).
    parameters: [{ fn: 39, body: dataClassBody([161, 177]) }],
  });
  const buildMs = performance.now() - buildStarted;
  const builtHeap = process.memoryUsage().heapUsed;
  const measure = async (until: number): Promise<DayFigures> => {
    const before = exchanges(fx.channels.values());
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    await runUntil(fx.clock, until, sample);
    const cpu = process.cpuUsage(cpu0);
    return {
      wallMs: performance.now() - t0,
      cpuMs: (cpu.user + cpu.system) / 1000,
      exchanges: exchanges(fx.channels.values()) - before,
    };
  };
  try {
    // Day 1: the first day of a new concentrator, which also fetches the three days before and last month.
    const firstDay = await measure(local(2026, 11, 28, 23, 55));
    // Day 2: a steady day, the figure asked for.
    const day = await measure(local(2026, 11, 29, 23, 55));
    const memory = process.memoryUsage();
    return {
      buildMs,
      firstDay,
      day,
      builtHeap,
      peakRss: Math.max(peakRss, memory.rss),
      peakHeap: Math.max(peakHeap, memory.heapUsed),
      coverage: fx.engine.coverage("daily", 20261128),
      stored: fx.core.store.daily.count(),
    };
  } finally {
    fx.close();
  }
}

export default async function collectBench(): Promise<BenchReport> {
  const dir = mkdtempSync(join(tmpdir(), "opendcu-bench-collect-"));
  try {
    const file = await runField(join(dir, "dcu.sqlite"));
    const memory = await runField(":memory:");

    // Baseline: the same number of exchanges straight against virtual meters, no engine, no store.
    const clock = new ManualClock(local(2026, 11, 29, 12, 0));
    const sampleMeters = Array.from({ length: 50 }, (_, i) => installedMeter(addressOf(910_001 + i), clock));
    const t0 = performance.now();
    for (let i = 0; i < file.day.exchanges; i++) {
      const meter = sampleMeters[i % sampleMeters.length];
      if (meter !== undefined) exchangeWithMeter(meter, "2007", meter.address, 0x0001ff00);
    }
    const baselineMs = performance.now() - t0;

    const s = (ms: number): string => fmt(ms / 1000, 1);
    const row = (label: string, d: DayFigures): (string | number)[] => [
      label,
      s(d.wallMs),
      s(d.cpuMs),
      fmt(d.exchanges),
      fmt(d.wallMs / d.exchanges, 2),
    ];
    const mib = (b: number): string => fmt(b / 2 ** 20, 0);
    return {
      title: "Reading engine: a simulated day of 2,040 meters",
      lines: [
        `Command: \`npm run bench -- collect\`. ${METERS} virtual meters (4 RS-485 buses × 60, 1,800 carrier nodes with 5 % loss per attempt), daily F161 + monthly F177 for every meter, hourly F129 on RS-485; simulated time, in-memory channels (each exchange costs its simulated duration on the clock, not wall time). Building the meters and the archive took ${s(file.buildMs)} s.`,
        "",
        ...table(
          ["simulated day", "wall s", "CPU s", "exchanges", "wall ms per exchange"],
          [
            row("first day (with 3 days + last month of history), SQLite file", file.firstDay),
            row("steady day, SQLite file (WAL, synchronous=FULL)", file.day),
            row("steady day, SQLite in memory", memory.day),
            [
              "baseline: the steady day's exchanges alone (no engine, no store)",
              s(baselineMs),
              "",
              fmt(file.day.exchanges),
              fmt(baselineMs / file.day.exchanges, 3),
            ],
          ],
        ),
        "",
        `Memory: heap ${mib(file.builtHeap)} MiB once the 2,040 virtual meters and the archive are built (the simulated field itself); peak heap ${mib(file.peakHeap)} MiB and peak RSS ${mib(file.peakRss)} MiB over the two days (heap samples include garbage not yet collected). Coverage of the closed day after the steady day: ${fmt(file.coverage * 100, 2)} %; ${fmt(file.stored)} daily frozen records stored.`,
        "",
        `Ratio steady day / baseline: **${fmt(file.day.wallMs / baselineMs, 0)}** on a file, **${fmt(memory.day.wallMs / baselineMs, 0)}** in memory: a simulated day of 2,040 meters takes ${s(file.day.wallMs)} s of wall time, so the engine is never the bottleneck of a real day (86,400 s).`,
      ],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
