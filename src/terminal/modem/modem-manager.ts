/**
 * The cellular module's info from the host's ModemManager, for gateways where ModemManager owns the modem
 * (it holds the AT ports, so opening one ourselves would fight it). `mmcli` is asked for JSON:
 *
 *   mmcli -m any -J      modem.generic: manufacturer, model, revision (firmware), equipment-identifier (IMEI),
 *                        signal-quality.value (0..100 %), sim (the SIM's D-Bus path, "--" without a SIM)
 *   mmcli -i SIM -J      sim.properties.iccid
 *
 * Key names follow mmcli's JSON output [M: from mmcli's documented output and public scripts that read it;
 * older ModemManager releases may differ — a missing key leaves the field out, it does not fail the read].
 * Everything mmcli prints is outside input: parsed defensively, strings cleaned and bounded, output capped.
 */
import { execFile } from "node:child_process";
import { clean, type ModemInfo, modemInfo } from "./modem-info.ts";

/** Runs mmcli with arguments and resolves with its standard output (rejects naming what went wrong). */
export type MmcliRunner = (args: readonly string[]) => Promise<string>;

/** mmcli's JSON for a modem is a few KiB; anything past this is not mmcli talking. */
const MAX_OUTPUT_BYTES = 256 * 1024;

export function mmcliRunner(command = "mmcli", timeoutMs = 10_000): MmcliRunner {
  return (args) =>
    new Promise((resolve, reject) => {
      execFile(
        command,
        [...args],
        { timeout: timeoutMs, maxBuffer: MAX_OUTPUT_BYTES, encoding: "utf8" },
        (error, stdout, stderr) => {
          if (error !== null) {
            const detail = clean(String(stderr || error.message), 200);
            reject(new Error(`${command} ${args.join(" ")} failed: ${detail}`));
            return;
          }
          resolve(stdout);
        },
      );
    });
}

function parseJson(text: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`${what}: not JSON`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw new Error(`${what}: not an object`);
  return value as Record<string, unknown>;
}

/** The value at a path of object keys, or undefined when any step is missing or not an object. */
function at(root: unknown, ...path: string[]): unknown {
  let node = root;
  for (const key of path) {
    if (node === null || typeof node !== "object" || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** mmcli prints "--" for an unknown value. */
function text(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const t = clean(value);
  return t === "" || t === "--" ? undefined : t;
}

/** Reads the modem once through mmcli; fields ModemManager does not give are left out. */
export async function readModemManagerInfo(
  run: MmcliRunner,
  now: () => number,
  modem = "any",
): Promise<ModemInfo> {
  const root = parseJson(await run(["-m", modem, "-J"]), "mmcli -m");
  const generic = at(root, "modem", "generic");
  if (generic === null || typeof generic !== "object" || Array.isArray(generic))
    throw new Error("mmcli -m: no modem.generic in the answer (no modem?)");
  const manufacturer = text(at(generic, "manufacturer"));
  const model = text(at(generic, "model"));
  const firmware = text(at(generic, "revision"));
  // CDMA modems put an ESN/MEID in equipment-identifier; the 3GPP section has the IMEI proper.
  const imei = [at(generic, "equipment-identifier"), at(root, "modem", "3gpp", "imei")]
    .map((v) => text(v))
    .find((v) => v !== undefined && /^\d{14,17}$/.test(v));
  const percentText = text(at(generic, "signal-quality", "value"));
  const percent = percentText === undefined ? Number.NaN : Number(percentText);
  const signalPercent = Number.isInteger(percent) && percent >= 0 && percent <= 100 ? percent : undefined;

  let iccid: string | undefined;
  const sim = text(at(generic, "sim"));
  // A D-Bus object path only: it becomes an argument of the next command.
  if (sim !== undefined && /^\/[A-Za-z0-9_/]+$/.test(sim)) {
    const simRoot = parseJson(await run(["-i", sim, "-J"]), "mmcli -i");
    const raw = text(at(simRoot, "sim", "properties", "iccid"));
    iccid = raw === undefined ? undefined : /^(\d{18,20})F?$/i.exec(raw)?.[1];
  }
  return modemInfo({ manufacturer, model, firmware, imei, iccid, signalPercent }, now());
}
