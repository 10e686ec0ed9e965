/**
 * A real `opendcu` child process for the tests that kill, restart or upgrade it: its JSON log lines are
 * collected (bounded) so a test can wait for one ("uplink listening" gives the port), and its exit is a
 * promise. Nothing here judges time: waits end on the awaited line or on a generous limit.
 */
import { type ChildProcess, spawn } from "node:child_process";

export const NODE = process.execPath;
export const MAIN = new URL("../../src/cli/main.ts", import.meta.url).pathname;

export interface DaemonProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  /**
   * Resolves with the first log line (parsed) after line number `after` (default: from the start) that
   * matches; rejects after `limitMs`.
   */
  waitFor(
    match: (line: Record<string, unknown>) => boolean,
    options?: { after?: number; limitMs?: number },
  ): Promise<Record<string, unknown>>;
  /** Lines seen so far (a mark for `waitFor({ after })`). */
  lineCount(): number;
  /** The last lines of output, for failure messages. */
  tail(): string;
}

export function startProcess(args: readonly string[], entry = MAIN): DaemonProcess {
  const child = spawn(NODE, [entry, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  let partial = "";
  const take = (chunk: Buffer) => {
    partial += chunk.toString();
    const parts = partial.split("\n");
    partial = parts.pop() ?? "";
    lines.push(...parts);
    for (const w of waiters) w();
  };
  child.stdout?.on("data", take);
  child.stderr?.on("data", take);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const parse = (line: string): Record<string, unknown> | undefined => {
    try {
      return JSON.parse(line) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  };
  return {
    child,
    exited,
    tail: () => lines.slice(-30).join("\n"),
    lineCount: () => lines.length,
    waitFor(match, { after = 0, limitMs = 60_000 } = {}) {
      return new Promise((resolve, reject) => {
        let seen = after;
        const check = () => {
          for (; seen < lines.length; seen++) {
            const parsed = parse(lines[seen] as string);
            if (parsed !== undefined && match(parsed)) {
              done();
              resolve(parsed);
              return;
            }
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(
            new Error(
              `no matching log line within ${limitMs} ms; last output:\n${lines.slice(-30).join("\n")}`,
            ),
          );
        }, limitMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
  };
}
