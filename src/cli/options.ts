/**
 * Validation of command-line options with zod, shared by every subcommand: the first problem is reported as
 * an operational error naming the flag as the user typed it (`firstAddress` → `--first-address`).
 */
import type { z } from "zod";
import { OpenDcuError } from "../common/errors.ts";

/** The command-line spelling of a camelCase option key. */
export function flagName(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** Parses raw commander options; throws `cli.invalid-argument` naming the first bad flag. */
export function parseOptions<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const key = issue?.path[0];
  const where = key === undefined ? "options" : flagName(String(key));
  throw new OpenDcuError("cli.invalid-argument", `${where}: ${issue?.message ?? "invalid"}`);
}
