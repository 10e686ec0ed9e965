/**
 * `opendcu master forward --port N --hex FRAME [--wait S] [--baud B] [--parity even|odd|none] [--data-bits N]
 * [--stop-bits N]`: AFN10 F1 transparent forwarding — the DCU sends FRAME on its port N and returns what the
 * meter answered. Defaults are a DL/T 645 line: 2400 baud, 8 data bits, even parity, 1 stop bit, 10 s.
 * Exit 1 when nothing came back or the DCU refused.
 */
import type { Command } from "commander";
import { z } from "zod";
import { fromHex } from "../../protocol/common/hex.ts";
import { decodeFrame } from "../../protocol/dlt645/frame.ts";
import { parseOptions } from "../options.ts";
import { argumentError, printResult, withMaster } from "./master-session.ts";

const BAUDS = [300, 600, 1200, 2400, 4800, 7200, 9600, 19200];

const SCHEMA = z.object({
  port: z.coerce.number().int().min(1, "must be 1..31").max(31, "must be 1..31"),
  hex: z.string({ message: "is required: the frame to send, in hex" }),
  wait: z.coerce
    .number()
    .int()
    .min(1, "must be 1..127 seconds")
    .max(127, "must be 1..127 seconds")
    .default(10),
  baud: z.coerce
    .number()
    .refine((b) => BAUDS.includes(b), `must be one of ${BAUDS.join(", ")}`)
    .default(2400),
  parity: z.enum(["even", "odd", "none"], { message: "must be even, odd or none" }).default("even"),
  dataBits: z.coerce.number().int().min(5, "must be 5..8").max(8, "must be 5..8").default(8),
  stopBits: z.coerce.number().int().min(1, "must be 1 or 2").max(2, "must be 1 or 2").default(1),
});

export function registerForward(master: Command): void {
  master
    .command("forward")
    .description("send a frame to a meter through the DCU (AFN10 F1) and print the answer")
    .option("--port <n>", "DCU port (2 = first RS-485, 31 = carrier)")
    .option("--hex <frame>", "the frame to send, hex (spaces allowed)")
    .option("--wait <seconds>", "how long the DCU waits for the answer", "10")
    .option("--baud <n>", "line speed", "2400")
    .option("--parity <p>", "even, odd or none", "even")
    .option("--data-bits <n>", "5..8", "8")
    .option("--stop-bits <n>", "1 or 2", "1")
    .action(async (raw: unknown, command: Command) => {
      const o = parseOptions(SCHEMA, raw);
      const frame = fromHex(o.hex);
      if (frame === undefined || frame.length === 0 || frame.length > 1024)
        throw argumentError("--hex", "expected 1..1024 bytes of hex");
      await withMaster(command, async (master, g) => {
        const reply = await master.request(
          0x10,
          [
            {
              pn: 0,
              fn: 1,
              data: {
                port: o.port,
                control: {
                  dataBitsCode: o.dataBits - 5,
                  oddParity: o.parity === "odd" ? 1 : 0,
                  parityEnabled: o.parity === "none" ? 0 : 1,
                  twoStopBits: o.stopBits === 2 ? 1 : 0,
                  baudCode: BAUDS.indexOf(o.baud),
                },
                frameTimeout: { value: o.wait, seconds: 1 },
                byteTimeout10ms: 10,
                frame: o.hex,
              },
            },
          ],
          // The DCU may wait the whole --wait before answering.
          { timeoutMs: Math.max(g.timeout, o.wait * 1000 + 5000) },
        );
        const answer = reply.message.afn === 0x10 ? String(reply.items[0]?.data.frame ?? "") : undefined;
        const meter = answer === undefined ? undefined : decodeFrame(fromHex(answer) ?? new Uint8Array(0));
        printResult(g, { denied: reply.denied, port: o.port, frame: answer ?? null }, () => {
          if (answer === undefined) return "denied (AFN00 F2): no forwarding on this DCU";
          if (answer === "") return "no answer from the meter";
          return meter?.ok
            ? `${answer}\nDL/T 645 answer from ${meter.value.address}, control ${meter.value.control.toString(16).toUpperCase().padStart(2, "0")}`
            : answer;
        });
        if (answer === undefined || answer === "") process.exitCode = 1;
      });
    });
}
