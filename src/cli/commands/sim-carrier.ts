/**
 * `opendcu sim carrier --nodes N [--serial PATH | --tcp HOST:PORT] [--loss P]`: runs a virtual Q/GDW 1376.2
 * carrier module (CCO) with a simulated PLC network of N virtual DL/T 645 meters until SIGINT/SIGTERM. With
 * `--archive FILE` the module keeps its node archive across restarts, like a real module's flash.
 *
 *   serial port / TCP connection ──► CarrierModuleDriver ──► CarrierModule ──► PlcNetwork ──► VirtualMeters
 */
import type { Command } from "commander";
import { z } from "zod";
import { SystemClock } from "../../common/clock.ts";
import { OpenDcuError } from "../../common/errors.ts";
import { loadArchive, saveArchive } from "../../sim/carrier-archive-store.ts";
import { CarrierModule } from "../../sim/carrier-module.ts";
import { CarrierModuleDriver } from "../../sim/carrier-module-driver.ts";
import { PlcNetwork, seededRandom } from "../../sim/carrier-network.ts";
import { VirtualMeter } from "../../sim/virtual-meter.ts";
import type { ByteStream } from "../../transport/byte-stream.ts";
import { openSerial } from "../../transport/serial.ts";
import { listenTcp } from "../../transport/tcp.ts";
import { parseOptions } from "../options.ts";

const OptionsSchema = z
  .object({
    nodes: z.coerce.number().int().min(1).max(10_000),
    unregistered: z.coerce.number().int().min(0).max(10_000),
    firstAddress: z.string().regex(/^\d{12}$/, "must be 12 decimal digits"),
    serial: z.string().min(1).optional(),
    baud: z.coerce
      .number()
      .int()
      .refine(
        (b) => [2400, 4800, 9600, 19200, 38400, 57600, 115200].includes(b),
        "must be a standard rate 2400..115200",
      ),
    tcp: z
      .string()
      .regex(/^[^:\s]+:\d{1,5}$/, "must be HOST:PORT")
      .optional(),
    loss: z.coerce.number().min(0).max(1, "is a probability 0..1 (e.g. 0.02 for 2 %)"),
    maxDepth: z.coerce.number().int().min(0).max(15),
    seed: z.coerce.number().int().min(0),
    archive: z.string().min(1).optional(),
    timeScale: z.coerce.number().positive().max(100),
  })
  .refine((o) => (o.serial === undefined) !== (o.tcp === undefined), {
    message: "give exactly one of --serial PATH or --tcp HOST:PORT",
    path: ["serial"],
  });

export type SimCarrierOptions = z.infer<typeof OptionsSchema>;

/** Validates raw commander options; throws `cli.invalid-argument` naming the bad option. */
export function parseSimCarrierOptions(raw: Record<string, unknown>): SimCarrierOptions {
  const options = parseOptions(OptionsSchema, raw);
  const first = BigInt(options.firstAddress);
  if (first + BigInt(options.nodes + options.unregistered) - 1n > 999_999_999_998n) {
    throw new OpenDcuError("cli.invalid-argument", "--nodes: addresses would run past 999999999998");
  }
  return options;
}

/** Builds the PLC network: the first `nodes` addresses are meant for the archive, the rest are unregistered. */
export function buildCarrierNetwork(
  options: SimCarrierOptions,
  clock: SystemClock,
): { network: PlcNetwork; archived: string[] } {
  const network = new PlcNetwork(seededRandom(options.seed));
  const start = BigInt(options.firstAddress);
  const archived: string[] = [];
  for (let i = 0; i < options.nodes + options.unregistered; i++) {
    const address = (start + BigInt(i)).toString().padStart(12, "0");
    const depth = i % (options.maxDepth + 1);
    network.add({
      address,
      depth,
      phase: (i % 3) + 1,
      successProbability: 1 - options.loss,
      meter: VirtualMeter.create(address, clock, { seed: options.seed + i + 1 }),
    });
    if (i < options.nodes) archived.push(address);
  }
  return { network, archived };
}

export function registerSimCarrier(sim: Command): void {
  sim
    .command("carrier")
    .description("Run a virtual Q/GDW 1376.2 carrier module with a simulated PLC network until stopped")
    .requiredOption("--nodes <n>", "number of PLC nodes (virtual meters) on the network")
    .option("--unregistered <n>", "extra nodes on the network that a registration run will find", "0")
    .option("--first-address <address>", "first node address (12 digits)", "000000000001")
    .option("--serial <path>", "serial device towards the DCU, e.g. a socat pty")
    .option("--baud <rate>", "serial speed (8E1)", "9600")
    .option("--tcp <host:port>", "listen on a TCP port instead of a serial device")
    .option("--loss <p>", "failure probability of one PLC attempt, 0..1", "0")
    .option("--max-depth <n>", "relay depths cycle 0..n over the nodes", "3")
    .option("--seed <n>", "seed for losses and load profiles", "1")
    .option("--archive <file>", "keep the module's node archive in this JSON file across restarts")
    .option("--time-scale <k>", "multiply modelled PLC delays by k (1 = realistic)", "1")
    .action(async (raw: Record<string, unknown>) => {
      await runSimCarrier(parseSimCarrierOptions(raw));
    });
}

async function runSimCarrier(options: SimCarrierOptions): Promise<void> {
  const clock = new SystemClock();
  const { network } = buildCarrierNetwork(options, clock);
  let archive: ReturnType<typeof loadArchive>["archive"];
  if (options.archive !== undefined) {
    const loaded = loadArchive(options.archive);
    for (const problem of loaded.problems) process.stderr.write(`archive: ${problem}\n`);
    archive = loaded.archive;
  }
  const module = new CarrierModule(network, { timeScale: options.timeScale }, archive);
  const file = options.archive;
  const persist =
    file === undefined ? undefined : (a: Parameters<typeof saveArchive>[1]) => saveArchive(file, a);
  const drivers = new Set<CarrierModuleDriver>();
  const attach = (stream: ByteStream): void => {
    const driver = new CarrierModuleDriver(module, stream, clock, persist ? { persist } : {});
    driver.start();
    drivers.add(driver);
    void stream.closed.then(() => {
      driver.stop();
      drivers.delete(driver);
    });
  };
  const closers: (() => Promise<void>)[] = [];
  let where = "";
  if (options.serial !== undefined) {
    const stream = await openSerial({ path: options.serial, baudRate: options.baud, parity: "even" });
    attach(stream);
    closers.push(() => stream.close());
    where = `${stream.label} ${options.baud} 8E1`;
  } else if (options.tcp !== undefined) {
    const at = options.tcp.lastIndexOf(":");
    const host = options.tcp.slice(0, at);
    const listener = await listenTcp(host, Number(options.tcp.slice(at + 1)), attach);
    closers.push(() => listener.close());
    where = `tcp:${host}:${listener.port}`;
  }
  process.stdout.write(
    `virtual carrier module on ${where}: ${options.nodes} nodes (+${options.unregistered} unregistered), ` +
      `loss ${options.loss}, archive ${module.archive.size} node(s)\n`,
  );
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  for (const d of drivers) d.stop();
  for (const close of closers) await close();
}
