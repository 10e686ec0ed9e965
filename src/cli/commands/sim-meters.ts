/**
 * `opendcu sim meters --count N [--first-address A] [--serial PATH --baud B | --tcp HOST:PORT]`: serves N
 * virtual DL/T 645 meters (addresses A … A+N−1) on a serial device or a TCP port until SIGINT/SIGTERM.
 *
 *   serial port / TCP connection ──► MeterBus (one per line) ──► the N VirtualMeters (shared state)
 */
import type { Command } from "commander";
import { z } from "zod";
import { SystemClock } from "../../common/clock.ts";
import { OpenDcuError } from "../../common/errors.ts";
import { MeterBus } from "../../sim/meter-bus.ts";
import { VirtualMeter } from "../../sim/virtual-meter.ts";
import { openSerial } from "../../transport/serial.ts";
import { listenTcp } from "../../transport/tcp.ts";
import { parseOptions } from "../options.ts";

const OptionsSchema = z
  .object({
    count: z.coerce.number().int().min(1).max(10_000),
    firstAddress: z.string().regex(/^\d{12}$/, "must be 12 decimal digits"),
    serial: z.string().min(1).optional(),
    baud: z.coerce
      .number()
      .int()
      .refine(
        (b) => [600, 1200, 2400, 4800, 9600, 19200].includes(b),
        "must be 600, 1200, 2400, 4800, 9600 or 19200",
      ),
    tcp: z
      .string()
      .regex(/^[^:\s]+:\d{1,5}$/, "must be HOST:PORT")
      .optional(),
    edition: z.enum(["2007", "1997"]),
    seed: z.coerce.number().int().min(0).optional(),
    utcOffset: z.coerce.number().int().min(-720).max(840),
  })
  .refine((o) => (o.serial === undefined) !== (o.tcp === undefined), {
    message: "give exactly one of --serial PATH or --tcp HOST:PORT",
    path: ["serial"],
  });

export type SimMetersOptions = z.infer<typeof OptionsSchema>;

/** Validates raw commander options; throws `cli.invalid-argument` naming the bad option. */
export function parseSimMetersOptions(raw: Record<string, unknown>): SimMetersOptions {
  const options = parseOptions(OptionsSchema, raw);
  const first = BigInt(options.firstAddress);
  if (first + BigInt(options.count) - 1n > 999_999_999_998n) {
    throw new OpenDcuError("cli.invalid-argument", "--count: addresses would run past 999999999998");
  }
  return options;
}

/** The N consecutive addresses starting at `first`. */
export function meterAddresses(first: string, count: number): string[] {
  const start = BigInt(first);
  return Array.from({ length: count }, (_, i) => (start + BigInt(i)).toString().padStart(12, "0"));
}

export function registerSimMeters(sim: Command): void {
  sim
    .command("meters")
    .description("Serve virtual DL/T 645 meters on a serial device or a TCP port until stopped")
    .requiredOption("--count <n>", "number of meters")
    .option("--first-address <address>", "first meter address (12 digits)", "000000000001")
    .option("--serial <path>", "serial device, e.g. /dev/ttyUSB0 or /dev/serial/by-id/…")
    .option("--baud <rate>", "serial speed (8E1)", "2400")
    .option("--tcp <host:port>", "listen on a TCP port instead of a serial device")
    .option("--edition <edition>", "DL/T 645 edition of the meters: 2007 or 1997", "2007")
    .option("--seed <n>", "seed for the load profiles (default: from each address)")
    .option("--utc-offset <minutes>", "meter wall-clock offset from UTC in minutes", "0")
    .action(async (raw: Record<string, unknown>) => {
      const options = parseSimMetersOptions(raw);
      await runSimMeters(options);
    });
}

async function runSimMeters(options: SimMetersOptions): Promise<void> {
  const clock = new SystemClock();
  const addresses = meterAddresses(options.firstAddress, options.count);
  const meters = addresses.map((address, i) =>
    VirtualMeter.create(address, clock, {
      edition: options.edition,
      utcOffsetMinutes: options.utcOffset,
      ...(options.seed === undefined ? {} : { seed: options.seed + i }),
    }),
  );
  const closers: (() => Promise<void>)[] = [];
  if (options.serial !== undefined) {
    const stream = await openSerial({ path: options.serial, baudRate: options.baud, parity: "even" });
    new MeterBus(meters).attach(stream);
    closers.push(() => stream.close());
    process.stdout.write(
      `serving ${meters.length} DL/T 645-${options.edition} meters on ${stream.label} ${options.baud} 8E1\n`,
    );
  } else if (options.tcp !== undefined) {
    const at = options.tcp.lastIndexOf(":");
    const host = options.tcp.slice(0, at);
    const port = Number(options.tcp.slice(at + 1));
    const listener = await listenTcp(host, port, (stream) => new MeterBus(meters).attach(stream));
    closers.push(() => listener.close());
    process.stdout.write(
      `serving ${meters.length} DL/T 645-${options.edition} meters on tcp:${host}:${listener.port}\n`,
    );
  }
  for (const address of addresses) process.stdout.write(`${address}\n`);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  for (const close of closers) await close();
}
