/**
 * `opendcu decode [--json] [--profile NAME] [HEX...]`: decodes frames of any supported protocol from hex given
 * as arguments or on standard input (spaces optional; one or several frames per line). Prints a field tree,
 * or one JSON object per frame with `--json`. Exits 1 when any frame fails to decode.
 */
import type { Command } from "commander";
import { z } from "zod";
import { type DecodeError, decodeError } from "../../protocol/common/decode-error.ts";
import { fromHex, toHex } from "../../protocol/common/hex.ts";
import type { Detector, FrameDescription } from "../../protocol/detect.ts";
import { ALL_DETECTORS } from "../../protocol/detectors.ts";
import { describeGw13761 } from "../../protocol/gw1376-1/describe.ts";
import { PROFILES } from "../../protocol/gw1376-1/profile.ts";
import { parseOptions } from "../options.ts";

const optionsSchema = z.object({
  json: z.boolean().default(false),
  profile: z.enum(Object.keys(PROFILES) as [string, ...string[]]).default("tolerant"),
});

export interface DecodedEntry {
  readonly protocol: string | null;
  readonly hex: string;
  readonly description?: FrameDescription;
  readonly error?: DecodeError;
}

/** Decodes every frame found in `bytes`, walking frames back to back. */
export function decodeAll(bytes: Uint8Array, detectors: readonly Detector[]): DecodedEntry[] {
  const out: DecodedEntry[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    const rest = bytes.subarray(pos);
    const candidates = detectors.filter((d) => d.matches(rest));
    if (candidates.length === 0) {
      out.push({
        protocol: null,
        hex: toHex(rest),
        error: decodeError({
          code: "bad-start",
          field: "frame",
          offset: pos,
          expected: "a known frame header",
          actual: toHex(rest.subarray(0, 8)),
        }),
      });
      break;
    }
    let firstError: { protocol: string; length: number; error: DecodeError } | undefined;
    let done = false;
    for (const detector of candidates) {
      const length = Math.min(detector.frameLength?.(rest) ?? rest.length, rest.length);
      const frame = rest.subarray(0, length);
      const result = detector.describe(frame);
      if (result.ok) {
        const failed = result.value.json.error as DecodeError | undefined;
        out.push({
          protocol: detector.protocol,
          hex: toHex(frame),
          description: result.value,
          ...(failed ? { error: failed } : {}),
        });
        pos += length;
        done = true;
        break;
      }
      firstError ??= { protocol: detector.protocol, length, error: result.error };
    }
    if (!done && firstError !== undefined) {
      out.push({
        protocol: firstError.protocol,
        hex: toHex(rest.subarray(0, firstError.length)),
        error: firstError.error,
      });
      pos += Math.max(1, firstError.length);
    }
  }
  return out;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export function registerDecode(program: Command): void {
  program
    .command("decode")
    .description("decode Q/GDW 1376.1 (and other supported) frames from hex arguments or standard input")
    .argument("[hex...]", "frame bytes in hex; spaces optional; several frames may follow each other")
    .option("--json", "print one JSON object per frame")
    .option("--profile <name>", `1376.1 decoding profile: ${Object.keys(PROFILES).join(", ")}`)
    .action(async (hexArgs: string[], rawOptions: unknown) => {
      const options = parseOptions(optionsSchema, rawOptions);
      const profile = PROFILES[options.profile];
      const detectors = ALL_DETECTORS.map((d) =>
        d.protocol === "gw1376.1" && profile !== undefined
          ? { ...d, describe: (b: Uint8Array) => describeGw13761(b, profile) }
          : d,
      );
      const text = hexArgs.length > 0 ? hexArgs.join(" ") : await readStdin();
      const lines = hexArgs.length > 0 ? [text] : text.split(/\r?\n/);
      let failed = false;
      let lineNo = 0;
      for (const line of lines) {
        lineNo++;
        if (line.trim() === "" || line.trim().startsWith("#")) continue;
        const bytes = fromHex(line);
        if (bytes === undefined) {
          failed = true;
          const message = `line ${lineNo}: not hex (odd digit count or a non-hex character)`;
          if (options.json)
            process.stdout.write(
              `${JSON.stringify({ protocol: null, error: { code: "bad-value", field: "input", message } })}\n`,
            );
          else process.stderr.write(`opendcu decode: ${message}\n`);
          continue;
        }
        for (const entry of decodeAll(bytes, detectors)) {
          if (entry.error !== undefined) failed = true;
          if (options.json) {
            const json = entry.description?.json ?? { protocol: entry.protocol };
            process.stdout.write(
              `${JSON.stringify({ ...json, hex: entry.hex, ...(entry.error ? { error: entry.error } : {}) })}\n`,
            );
          } else {
            process.stdout.write(`${entry.hex}\n`);
            for (const l of entry.description?.tree ?? []) process.stdout.write(`  ${l}\n`);
            if (entry.error !== undefined && entry.description === undefined)
              process.stdout.write(`  error: ${entry.error.message}\n`);
            process.stdout.write("\n");
          }
        }
      }
      if (failed) process.exitCode = 1;
    });
}
