/**
 * `opendcu master --connect HOST:PORT upgrade FILE [--segment-size N] [--reconnects N] [--wait MS]`: sends an
 * upgrade package to a DCU with AFN0F F1, printing progress; after a broken link it reconnects and resumes
 * from what the DCU still misses (AFN0C F14); then it waits for the DCU to come back with the new version
 * (AFN09 F1) and reports the result. Exit 0 when the DCU runs the package's version, 1 otherwise.
 */
import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { z } from "zod";
import { OpenDcuError } from "../../common/errors.ts";
import {
  LinkBrokenError,
  SegmentRefusedError,
  type SendProgress,
  sendFile,
} from "../../sim/master/file-sender.ts";
import type { MasterStation } from "../../sim/master/master-station.ts";
import { softwareVersionCode } from "../../terminal/version-info.ts";
import { splitPackage } from "../../upgrade/package-format.ts";
import { parseOptions } from "../options.ts";
import { connectFromOptions, masterGlobalSchema } from "./master.ts";

const upgradeSchema = z.object({
  segmentSize: z.coerce
    .number()
    .int()
    .min(16, "must be 16..1900 bytes")
    .max(1900, "must be 16..1900 bytes (a frame is at most 2048 bytes)")
    .default(1024),
  reconnects: z.coerce.number().int().min(0).default(20),
  wait: z.coerce.number().int().min(0).default(180_000),
  retryDelay: z.coerce.number().int().min(0).default(2000),
});

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The package's version from its manifest (not verified here: the DCU does that). */
function packageVersion(bytes: Uint8Array): string | undefined {
  const split = splitPackage(bytes);
  if (!split.ok) return undefined;
  try {
    const v = (JSON.parse(Buffer.from(split.parts.manifestBytes).toString("utf8")) as { version?: unknown })
      .version;
    return typeof v === "string" ? v : undefined;
  } catch {
    return undefined;
  }
}

async function runningVersionCode(master: MasterStation): Promise<string | undefined> {
  const reply = await master.request(0x09, [{ pn: 0, fn: 1 }]);
  const v = reply.items[0]?.data.softwareVersion;
  return typeof v === "string" ? v.trim() : undefined;
}

export function registerMasterUpgrade(master: Command): void {
  master
    .command("upgrade <file>")
    .description("send an upgrade package (AFN0F F1) with progress and resume, then confirm the new version")
    .option("--segment-size <n>", "bytes per AFN0F segment", "1024")
    .option("--reconnects <n>", "reconnections allowed after a broken link", "20")
    .option("--wait <ms>", "how long to wait for the DCU to come back with the new version", "180000")
    .option("--retry-delay <ms>", "pause before reconnecting", "2000")
    .action(async (file: string, raw: Record<string, unknown>, command: Command) => {
      const global = parseOptions(masterGlobalSchema, command.optsWithGlobals());
      const o = parseOptions(upgradeSchema, raw);
      let bytes: Uint8Array;
      try {
        bytes = await readFile(file);
      } catch (cause) {
        throw new OpenDcuError("cli.invalid-argument", `cannot read ${file}`, {}, { cause });
      }
      const version = packageVersion(bytes);
      const expected = version === undefined ? undefined : softwareVersionCode(version);
      const say = (line: string) => process.stderr.write(`${line}\n`);
      const segments = Math.ceil(bytes.length / o.segmentSize);
      say(`package ${file}: version ${version ?? "unknown"}, ${bytes.length} bytes, ${segments} segments`);

      let lastShown = -1;
      const onProgress = (p: SendProgress) => {
        const percent = Math.floor((100 * p.acknowledged) / p.total);
        if (percent === lastShown) return;
        lastShown = percent;
        say(`  ${percent}%  ${p.acknowledged}/${p.total} segments acknowledged (${p.resent} resent)`);
      };

      let before: string | undefined;
      let outcome: "sent" | "refused" | "failed" = "failed";
      let message = "";
      for (let attempt = 0; attempt <= o.reconnects; attempt++) {
        let station: MasterStation | undefined;
        try {
          station = await connectFromOptions(global);
          before ??= await runningVersionCode(station);
          if (attempt > 0) say(`reconnected (attempt ${attempt}); asking the DCU what it still misses`);
          const result = await sendFile(station, bytes, { segmentSize: o.segmentSize, onProgress });
          if (result.alreadyHeld > 0) say(`  resumed: the DCU already held ${result.alreadyHeld} segments`);
          outcome = "sent";
          break;
        } catch (error) {
          if (error instanceof SegmentRefusedError) {
            outcome = "refused";
            message = error.message;
            break;
          }
          const broken =
            error instanceof LinkBrokenError ||
            (error instanceof OpenDcuError && error.code === "timeout") ||
            (error as { code?: unknown }).code === "ECONNREFUSED" ||
            (error as { code?: unknown }).code === "ECONNRESET";
          message = (error as Error).message;
          if (!broken) throw error;
          say(`link broken: ${message}`);
          await sleep(o.retryDelay);
        } finally {
          await station?.close().catch(() => undefined);
        }
      }
      if (outcome !== "sent") {
        say(
          outcome === "refused"
            ? `refused: ${message}`
            : `gave up after ${o.reconnects} reconnections: ${message}`,
        );
        process.exitCode = 1;
        return;
      }

      say(
        `transfer complete; waiting up to ${o.wait} ms for the DCU to restart with version ${expected ?? "?"}`,
      );
      const deadline = Date.now() + o.wait;
      let after: string | undefined;
      while (Date.now() < deadline) {
        await sleep(o.retryDelay);
        let station: MasterStation | undefined;
        try {
          station = await connectFromOptions(global);
          after = await runningVersionCode(station);
          if (after !== undefined && after === expected) break;
        } catch {
          // The DCU is restarting: try again.
        } finally {
          await station?.close().catch(() => undefined);
        }
      }
      if (after !== undefined && after === expected) {
        process.stdout.write(`upgraded: ${before ?? "?"} → ${after}\n`);
      } else {
        process.stdout.write(
          `not confirmed: the DCU reports ${after ?? "nothing"} (expected ${expected ?? "?"}); ` +
            "it may have refused or rolled back the package — read its events (ERC1)\n",
        );
        process.exitCode = 1;
      }
    });
}
