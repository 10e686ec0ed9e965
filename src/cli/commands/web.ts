/**
 * `opendcu web set-password [--db PATH]`: sets the web interface's password in the database (scrypt hash).
 * The password is read from standard input — typed twice without echo on a terminal, or the first line of
 * a pipe (`echo "$PW" | opendcu web set-password`), so it never appears in the process list or shell history.
 */
import type { Command } from "commander";
import { z } from "zod";
import { SystemClock } from "../../common/clock.ts";
import { OpenDcuError } from "../../common/errors.ts";
import { Store } from "../../store/store.ts";
import { PasswordStore, passwordProblem } from "../../web/auth/password.ts";
import { parseOptions } from "../options.ts";

const optionsSchema = z.object({ db: z.string().min(1).default("./data/opendcu.sqlite") });

/** One line typed on a terminal without echo. */
function readHidden(prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(prompt);
    stdin.setRawMode(true);
    stdin.resume();
    let text = "";
    const onData = (chunk: Buffer): void => {
      for (const ch of chunk.toString("utf8")) {
        if (ch === "\r" || ch === "\n") {
          finish();
          resolve(text);
          return;
        }
        if (ch === "\u0003") {
          finish();
          reject(new OpenDcuError("cli.invalid-argument", "cancelled"));
          return;
        }
        if (ch === "\u007f" || ch === "\b") text = text.slice(0, -1);
        else text += ch;
      }
    };
    const finish = (): void => {
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write("\n");
    };
    stdin.on("data", onData);
  });
}

/** The first line of a piped standard input. */
async function readFirstLine(): Promise<string> {
  let text = "";
  for await (const chunk of process.stdin) {
    text += String(chunk);
    if (text.includes("\n") || text.length > 4096) break;
  }
  return (text.split(/\r?\n/)[0] ?? "").slice(0, 4096);
}

async function readPassword(): Promise<string> {
  if (!process.stdin.isTTY) return readFirstLine();
  const first = await readHidden("new web password: ");
  const second = await readHidden("again: ");
  if (first !== second) throw new OpenDcuError("cli.invalid-argument", "the two passwords differ");
  return first;
}

export function registerWeb(program: Command): void {
  const web = program.command("web").description("Web interface administration");
  web
    .command("set-password")
    .description("Set the web interface password (read from standard input; stored as an scrypt hash)")
    .option("--db <path>", "SQLite database file of the daemon", "./data/opendcu.sqlite")
    .action(async (raw: Record<string, unknown>) => {
      const o = parseOptions(optionsSchema, raw);
      const password = await readPassword();
      const problem = passwordProblem(password);
      if (problem !== undefined) throw new OpenDcuError("cli.invalid-argument", `password ${problem}`);
      const store = new Store({ path: o.db, clock: new SystemClock() });
      try {
        await new PasswordStore(store.kv).set(password);
      } finally {
        store.close();
      }
      process.stderr.write(`web password set in ${o.db}; every open web session ends\n`);
    });
}
