/**
 * A pseudo-terminal pair made by socat: two linked device paths that behave like the two ends of a serial
 * cable through the kernel's tty layer. Used by the tests that must go through a real serial line.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface PtyPair {
  /** Device paths of the two ends. */
  readonly a: string;
  readonly b: string;
  close(): void;
}

/** Starts socat and waits for both links; fails with an install hint when socat is missing. */
export async function openPtyPair(names: [string, string] = ["a", "b"], timeoutMs = 5000): Promise<PtyPair> {
  if (spawnSync("socat", ["-V"], { stdio: "ignore" }).error !== undefined) {
    throw new Error(
      "these tests need socat for pseudo-terminal serial pairs: apt-get install socat (.ci/run does it)",
    );
  }
  const dir = mkdtempSync(join(tmpdir(), "opendcu-pty-"));
  const a = join(dir, names[0]);
  const b = join(dir, names[1]);
  const socat: ChildProcess = spawn(
    "socat",
    ["-d", "-d", `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`],
    {
      stdio: "ignore",
    },
  );
  const close = () => {
    socat.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + timeoutMs;
  while (!(existsSync(a) && existsSync(b))) {
    if (Date.now() > deadline || socat.exitCode !== null) {
      close();
      throw new Error(`socat did not create the pty links within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { a, b, close };
}
