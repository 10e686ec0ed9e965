/**
 * Uplink benchmark against the real daemon (`startDaemon`, as `opendcu run`) in its own process, on loopback
 * TCP, with 2,040 points × 62 days of daily frozen data (AFN0D F1 and F161, 4 tariffs) in its SQLite file:
 *   - AFN0C F2 (terminal clock): request/response rate and latency, one master, then 4 masters at once;
 *   - AFN0D F161 for one day on all 2,040 points (DA FF 00): a multi-frame answer, rate and latency;
 *   - the daemon's memory (RSS, V8 heap after GC) idle and after the load, against the same daemon on an
 *     empty store.
 * Baselines (same run): a raw TCP echo on loopback moving the same request and answer sizes, so the ratio
 * is the cost the daemon adds to the wire; memory against the empty-store daemon.
 */
import { type ChildProcess, fork } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { SystemClock } from "../src/common/clock.ts";
import { ALL_POINTS } from "../src/protocol/gw1376-1/dadt.ts";
import { decodeMessage } from "../src/protocol/gw1376-1/message.ts";
import { encodeMultiFrame } from "../src/protocol/gw1376-1/multi-frame.ts";
import { PROFILE_2013 } from "../src/protocol/gw1376-1/profile.ts";
import { FrameSplitter } from "../src/protocol/gw1376-1/splitter.ts";
import { connectToDcu, type MasterStation } from "../src/sim/master/master-station.ts";
import { addDays, dayKey } from "../src/store/calendar.ts";
import type { FrozenRecord } from "../src/store/frozen-repo.ts";
import { Store } from "../src/store/store.ts";
import { serveFrozenData } from "../src/terminal/data-service/frozen-data.ts";
import { TerminalCore } from "../src/terminal/terminal-core.ts";
import type { BenchReport } from "./run.ts";
import { fmt, table } from "./support.ts";

const METERS = 2040;
const DAYS = 62;
const OFFSET = 480;
const F2_SECONDS = 3;
const F161_REQUESTS = 30;
/** Further F161 answers, with a memory sample after each count (is the growth bounded?). */
const F161_MORE = [300, 1000];
const CHILD = fileURLToPath(new URL("./uplink-daemon-child.ts", import.meta.url));

const block = (base: number) => Array.from({ length: 5 }, (_, i) => ({ value: base + i * 0.25 }));

function dayRecords(period: number, readAt: number): FrozenRecord[] {
  const readTime = "2026-01-01 00:05";
  return Array.from({ length: METERS }, (_, i) => [
    {
      point: i + 1,
      item: "0D:F161",
      period,
      readAt,
      value: { readTime, tariffCount: 4, energy: block(12345.67 + i) },
    },
    {
      point: i + 1,
      item: "0D:F1",
      period,
      readAt,
      value: {
        readTime,
        tariffCount: 4,
        positiveActive: block(12345.67 + i),
        positiveReactive: block(2000 + i),
        quadrant1Reactive: block(1500 + i),
        quadrant4Reactive: block(500 + i),
      },
    },
  ]).flat();
}

/** Fills 62 days (today and the 61 before, terminal-local) and returns yesterday's Td_d. */
function fillStore(path: string): string {
  const clock = new SystemClock();
  const store = new Store({ path, clock, utcOffsetMinutes: OFFSET });
  const today = dayKey(clock.now(), OFFSET);
  for (let d = DAYS - 1; d >= 0; d--) store.daily.putMany(dayRecords(addDays(today, -d), clock.now()));
  store.close();
  const y = addDays(today, -1);
  return `${Math.floor(y / 10_000)}-${String(Math.floor(y / 100) % 100).padStart(2, "0")}-${String(y % 100).padStart(2, "0")}`;
}

interface Daemon {
  readonly child: ChildProcess;
  readonly port: number;
}

function startChild(dbPath: string): Promise<Daemon> {
  const child = fork(CHILD, [dbPath], {
    execArgv: ["--expose-gc"],
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`daemon exited ${code}`)));
    child.once("message", (m) => resolve({ child, port: (m as { port: number }).port }));
  });
}

function memory(daemon: Daemon): Promise<NodeJS.MemoryUsage> {
  return new Promise((resolve) => {
    daemon.child.once("message", (m) => resolve((m as { memory: NodeJS.MemoryUsage }).memory));
    daemon.child.send("memory");
  });
}

function stopChild(daemon: Daemon): Promise<void> {
  return new Promise((resolve) => {
    daemon.child.removeAllListeners("exit");
    daemon.child.once("exit", () => resolve());
    daemon.child.send("stop");
  });
}

interface Latencies {
  readonly count: number;
  readonly seconds: number;
  readonly sorted: number[];
}

const percentile = (l: Latencies, p: number) => l.sorted[Math.max(0, Math.ceil(p * l.count) - 1)] ?? 0;
const rate = (l: Latencies) => l.count / l.seconds;

async function timed(
  run: () => Promise<unknown>,
  until: (count: number, elapsedMs: number) => boolean,
): Promise<Latencies> {
  const samples: number[] = [];
  const start = performance.now();
  while (!until(samples.length, performance.now() - start)) {
    const t = performance.now();
    await run();
    samples.push(performance.now() - t);
  }
  return {
    count: samples.length,
    seconds: (performance.now() - start) / 1000,
    sorted: samples.sort((a, b) => a - b),
  };
}

/** A loopback server that answers every `requestBytes`-byte message with `answerBytes` bytes. */
async function echoServer(requestBytes: number, answerBytes: number): Promise<Server> {
  const answer = new Uint8Array(answerBytes).fill(0x5a);
  const server = createServer((socket: Socket) => {
    let pending = 0;
    socket.on("data", (chunk) => {
      pending += chunk.length;
      while (pending >= requestBytes) {
        pending -= requestBytes;
        socket.write(answer);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}

/** Round trips of `requestBytes` out, `answerBytes` back on a raw loopback socket. */
async function rawRoundTrips(
  requestBytes: number,
  answerBytes: number,
  until: (count: number, elapsedMs: number) => boolean,
): Promise<Latencies> {
  const server = await echoServer(requestBytes, answerBytes);
  const port = (server.address() as { port: number }).port;
  const { connect } = await import("node:net");
  const socket = connect(port, "127.0.0.1");
  await new Promise<void>((resolve) => socket.once("connect", resolve));
  let received = 0;
  let waiting: (() => void) | undefined;
  socket.on("data", (chunk) => {
    received += chunk.length;
    if (received >= answerBytes) {
      received -= answerBytes;
      waiting?.();
    }
  });
  const request = new Uint8Array(requestBytes);
  const result = await timed(
    () =>
      new Promise<void>((resolve) => {
        waiting = resolve;
        socket.write(request);
      }),
    until,
  );
  socket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return result;
}

const mib = (bytes: number) => fmt(bytes / 2 ** 20, 1);

/** Mean ms of `run` over `times` runs (after one warm-up). */
async function meanMs(run: () => unknown, times = 10): Promise<number> {
  await run();
  const start = performance.now();
  for (let i = 0; i < times; i++) await run();
  return (performance.now() - start) / times;
}

/**
 * Where an F161 all-points answer spends its time, step by step in this process over the same file: the
 * store read (SQL + JSON), the data service (that read + checking each item encodes), encoding the
 * multi-frame answer, and the master decoding it.
 */
async function f161Breakdown(dbPath: string, td: string): Promise<(string | number)[][]> {
  const core = new TerminalCore({ dbPath, hostClock: new SystemClock(), utcOffsetMinutes: OFFSET });
  try {
    const day = Number(td.replaceAll("-", ""));
    const request = [{ pn: ALL_POINTS, fn: 161, data: { Td_d: td } }];
    let items = await serveFrozenData({ core }, request);
    const header = {
      control: { dir: 1 as const, prm: 0 as const, fcbAcd: 0 as const, fcv: 0 as const, fc: 8 },
      address: { area: "4403", terminal: 1, master: 1, group: false },
      afn: 0x0d,
      seq: { tpv: false, fir: true, fin: true, con: false, seq: 0 },
    };
    let frames = encodeMultiFrame(header, items, PROFILE_2013);
    const steps: [string, number][] = [
      ["store read (SQL + JSON parse)", await meanMs(() => core.store.daily.forPeriod("0D:F161", day))],
      [
        "data service (read + per-item encode check)",
        await meanMs(async () => {
          items = await serveFrozenData({ core }, request);
        }),
      ],
      [
        "encode the multi-frame answer",
        await meanMs(() => {
          frames = encodeMultiFrame(header, items, PROFILE_2013);
        }),
      ],
      ["master: decode the frames", await meanMs(() => frames.map((f) => decodeMessage(f, PROFILE_2013)))],
    ];
    return steps.map(([step, ms]) => [step, fmt(ms, 1)]);
  } finally {
    core.close();
  }
}

export default async function uplinkBench(): Promise<BenchReport> {
  const dir = mkdtempSync(join(tmpdir(), "opendcu-bench-uplink-"));
  try {
    const fillStart = performance.now();
    const td = fillStore(join(dir, "loaded.sqlite"));
    const fillSeconds = (performance.now() - fillStart) / 1000;

    const empty = await startChild(join(dir, "empty.sqlite"));
    const emptyMemory = await memory(empty);
    await stopChild(empty);

    const daemon = await startChild(join(dir, "loaded.sqlite"));
    const idleMemory = await memory(daemon);
    const connect = () =>
      connectToDcu("127.0.0.1", daemon.port, { area: "4403", terminal: 1, timeoutMs: 60_000 });
    const master = await connect();

    // AFN0C F2, one master, requests back to back.
    const clock = () => master.request(0x0c, [{ pn: 0, fn: 2 }]);
    await timed(clock, (n) => n >= 200);
    const f2 = await timed(clock, (_n, ms) => ms >= F2_SECONDS * 1000);

    // AFN0C F2, 4 masters at once.
    const others: MasterStation[] = await Promise.all([connect(), connect(), connect()]);
    const parallel = await Promise.all(
      [master, ...others].map((m) =>
        timed(
          () => m.request(0x0c, [{ pn: 0, fn: 2 }]),
          (_n, ms) => ms >= F2_SECONDS * 1000,
        ),
      ),
    );
    const parallelRate = parallel.reduce((sum, l) => sum + rate(l), 0);
    const parallelP99 = Math.max(...parallel.map((l) => percentile(l, 0.99)));
    await Promise.all(others.map((m) => m.close()));

    // AFN0D F161, one day, all points; the answer's frames and bytes are counted off the wire.
    const splitter = new FrameSplitter();
    let frames = 0;
    let bytes = 0;
    const stopCounting = master.stream.onData((chunk) => {
      bytes += chunk.length;
      frames += splitter.push(chunk).length;
    });
    const f161Request = async () => {
      const reply = await master.request(0x0d, [{ pn: ALL_POINTS, fn: 161, data: { Td_d: td } }]);
      if (reply.items.length !== METERS) throw new Error(`F161 answered ${reply.items.length} points`);
    };
    await f161Request();
    const framesPerReply = frames;
    const bytesPerReply = bytes;
    stopCounting();
    const f161 = await timed(f161Request, (n) => n >= F161_REQUESTS);
    const loadedMemory = await memory(daemon);
    // Is the growth bounded? Ten times as many answers again: a leak keeps growing, a high-water mark does not.
    const moreMemory: [number, NodeJS.MemoryUsage][] = [];
    for (let answered = 0; answered < Math.max(...F161_MORE); ) {
      await f161Request();
      answered++;
      if (F161_MORE.includes(answered)) moreMemory.push([answered, await memory(daemon)]);
    }
    await master.close();
    await stopChild(daemon);

    const breakdown = await f161Breakdown(join(dir, "loaded.sqlite"), td);

    // Baselines: the same sizes as raw loopback round trips (the F2 request is 20 bytes, its answer 26).
    const rawSmall = await rawRoundTrips(20, 26, (_n, ms) => ms >= F2_SECONDS * 1000);
    const rawLarge = await rawRoundTrips(23, bytesPerReply, (n) => n >= F161_REQUESTS * 4);

    const ms = (v: number) => fmt(v, 2);
    return {
      title: "Uplink: AFN0C F2 and AFN0D F161 (2,040 points) against the daemon on loopback",
      lines: [
        "Command: `npm run bench -- uplink`. The daemon (`startDaemon`, as `opendcu run`) runs in a child process " +
          `on 127.0.0.1 over a SQLite file holding 2,040 points × ${DAYS} days of daily data (AFN0D F1 and F161, ` +
          `4 tariffs: ${fmt(METERS * DAYS * 2)} rows, filled in ${fmt(fillSeconds, 1)} s); the master library ` +
          "sends one request at a time per connection; the daemon's per-connection input limit (`uplink.rateLimit`, " +
          "default 500 requests/s) is raised for the run. Baseline: a raw TCP round trip on loopback moving the " +
          "same request and answer sizes (echo server in the benchmark process).",
        "",
        ...table(
          ["exchange", "requests/s", "p50 ms", "p99 ms", "baseline p50 ms", "p50 ratio to baseline"],
          [
            [
              "AFN0C F2, 1 master",
              fmt(rate(f2)),
              ms(percentile(f2, 0.5)),
              ms(percentile(f2, 0.99)),
              ms(percentile(rawSmall, 0.5)),
              fmt(percentile(f2, 0.5) / percentile(rawSmall, 0.5), 1),
            ],
            ["AFN0C F2, 4 masters at once (total)", fmt(parallelRate), "—", ms(parallelP99), "—", "—"],
            [
              `AFN0D F161 all points, one day (${framesPerReply} frames, ${fmt(bytesPerReply)} bytes)`,
              fmt(rate(f161), 1),
              ms(percentile(f161, 0.5)),
              ms(percentile(f161, 0.99)),
              ms(percentile(rawLarge, 0.5)),
              fmt(percentile(f161, 0.5) / percentile(rawLarge, 0.5), 1),
            ],
          ],
        ),
        "",
        `Samples: F2 ${fmt(f2.count)} requests in ${F2_SECONDS} s (after 200 warm-up), F161 ${f161.count} requests ` +
          "(after 1 warm-up).",
        "",
        "Where one F161 all-points answer spends its time (mean of 10, in the benchmark process, same file):",
        "",
        ...table(["step", "ms"], breakdown),
        "",
        "Daemon memory (`process.memoryUsage()` in the daemon process after a forced GC; heap total = what V8 has committed for its heap):",
        "",
        ...table(
          ["daemon", "RSS MiB", "heap total MiB", "heap used MiB", "RSS ratio to empty store"],
          [
            [
              "empty store (baseline)",
              mib(emptyMemory.rss),
              mib(emptyMemory.heapTotal),
              mib(emptyMemory.heapUsed),
              "1.00",
            ],
            ...[
              [`2,040 points × ${DAYS} days, idle`, idleMemory],
              [`after the runs above (${F161_REQUESTS + 1} F161 answers)`, loadedMemory],
              ...moreMemory.map(([n, m]) => [`after ${fmt(n)} more F161 answers`, m]),
            ].map(([label, m]) => {
              const usage = m as NodeJS.MemoryUsage;
              return [
                label as string,
                mib(usage.rss),
                mib(usage.heapTotal),
                mib(usage.heapUsed),
                fmt(usage.rss / emptyMemory.rss, 2),
              ];
            }),
          ],
        ),
      ],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
