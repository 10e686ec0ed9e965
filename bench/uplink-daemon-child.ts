/**
 * The daemon under benchmark, in its own process so its memory is its own: `startDaemon` (the same code
 * `opendcu run` runs) on a loopback port over the given SQLite file. Talks to the parent over IPC:
 * sends `{ ready, port }` once listening, answers `"memory"` with `process.memoryUsage()` (after a GC when
 * run with --expose-gc), and closes on `"stop"`.
 */
import { startDaemon } from "../src/daemon/daemon.ts";

const dbPath = process.argv[2];
if (dbPath === undefined || process.send === undefined)
  throw new Error("usage: fork(uplink-daemon-child.ts, [db])");
const send = (message: unknown) => process.send?.(message);

// The per-connection input limits (uplink.rateLimit, default 500 requests/s) are a policy, not a capacity:
// raised here so the benchmark measures what the daemon can serve.
const unlimited = {
  requestsPerSecond: 1_000_000,
  burstRequests: 1_000_000,
  bytesPerSecond: 1 << 30,
  burstBytes: 1 << 30,
};
const daemon = await startDaemon({
  dbPath,
  uplink: { listen: { host: "127.0.0.1", port: 0 }, rateLimit: unlimited },
});
send({ ready: true, port: daemon.listening?.port });

process.on("message", (message) => {
  if (message === "memory") {
    (globalThis as { gc?: () => void }).gc?.();
    send({ memory: process.memoryUsage() });
  } else if (message === "stop") {
    void daemon.close().then(() => process.exit(0));
  }
});
