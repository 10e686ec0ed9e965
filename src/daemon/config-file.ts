/**
 * The start-up file (architecture: "a small start-up file"): the daemon configuration as JSON, the same
 * shape as `DAEMON_CONFIG_SCHEMA` (db path, identity, uplink, web, modem, self-check, upgrade …). It is
 * validated when read, and every problem names the file and the field path. Command-line flags given
 * explicitly override what the file says (`mergeConfig`).
 */
import { readFileSync } from "node:fs";
import { OpenDcuError } from "../common/errors.ts";
import { DAEMON_CONFIG_SCHEMA, type DaemonConfigInput } from "./config.ts";

/** Larger than any sensible start-up file; a wrong path to a big file fails fast instead of filling memory. */
const MAX_FILE_BYTES = 256 * 1024;

export function readConfigFile(path: string): DaemonConfigInput {
  let text: string;
  try {
    const bytes = readFileSync(path);
    if (bytes.length > MAX_FILE_BYTES) throw new Error(`larger than ${MAX_FILE_BYTES} bytes`);
    text = bytes.toString("utf8");
  } catch (error) {
    throw new OpenDcuError("config.invalid", `${path}: cannot read: ${String((error as Error).message)}`, {
      path,
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new OpenDcuError("config.invalid", `${path}: not valid JSON: ${String((error as Error).message)}`, {
      path,
    });
  }
  const result = DAEMON_CONFIG_SCHEMA.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new OpenDcuError("config.invalid", `${path}: ${problems.join("; ")}`, { path, problems });
  }
  return value as DaemonConfigInput;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** `override` on top of `base`, object by object (arrays and values replace). */
export function mergeConfig<T extends Record<string, unknown>>(
  base: T,
  override: Record<string, unknown>,
): T {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    if (value === undefined) continue;
    out[key] =
      isPlainObject(value) && isPlainObject(out[key])
        ? mergeConfig(out[key] as Record<string, unknown>, value)
        : value;
  }
  return out as T;
}
