/**
 * `opendcu run [--db PATH] [--uplink-listen HOST:PORT] [--uplink-connect HOST:PORT] [--area CODE]
 * [--address N] [--utc-offset MIN] [--log-level LEVEL] [--web HOST:PORT | --no-web]`: runs the concentrator
 * daemon, logging JSON lines (pino) to stdout. Without uplink flags it listens on 127.0.0.1:4059; the web
 * interface listens on 127.0.0.1:8059 unless moved or turned off. SIGINT/SIGTERM log out (client mode),
 * close sockets and the database, then exit 0. Upgrade flags (docs/upgrade.md): `--install-root DIR
 * --public-key FILE [--upgrade-target NAME] [--health-check auto|master|self-check] [--health-timeout MS]
 * [--max-package-bytes N]`; after an install or a rollback the daemon exits with EXIT_RESTART (75) for its
 * launcher to start the version `current` points at. `--maintenance PATH[:BAUD[:PARITY]]` serves 1376.1 on a
 * local serial maintenance port (default 9600 8N1).
 */
import type { Command } from "commander";
import { z } from "zod";
import { SystemClock } from "../../common/clock.ts";
import { OpenDcuError } from "../../common/errors.ts";
import { createLogger } from "../../common/logger.ts";
import { type DaemonConfigInput, parseEndpoint } from "../../daemon/config.ts";
import { mergeConfig, readConfigFile } from "../../daemon/config-file.ts";
import { startDaemon } from "../../daemon/daemon.ts";
import { fieldFromFlags } from "../../daemon/field-flags.ts";
import { DEMO_CONFIG } from "../../daemon/first-run.ts";
import { EXIT_RESTART } from "../../upgrade/launcher.ts";
import { parseMaintenanceSpec } from "../../uplink/maintenance-port.ts";
import { watchFirstCollection } from "../collection-progress.ts";
import { parseOptions } from "../options.ts";
import { runBanner } from "../run-banner.ts";

/** Where `opendcu run` serves the web interface unless told otherwise. */
export const DEFAULT_WEB = "127.0.0.1:8059";

const optionsSchema = z.object({
  config: z.string().min(1).optional(),
  db: z.string().min(1).default("./data/opendcu.sqlite"),
  uplinkListen: z.string().optional(),
  uplinkConnect: z.string().optional(),
  area: z
    .string()
    .regex(/^\d{4}$/, "must be 4 decimal digits, e.g. 4403")
    .default("4403"),
  address: z.coerce
    .number()
    .int("must be an integer")
    .min(1, "must be 1..65535")
    .max(65535, "must be 1..65535")
    .default(1),
  utcOffset: z.coerce
    .number()
    .int()
    .min(-720, "must be -720..840 minutes")
    .max(840, "must be -720..840 minutes")
    .default(480),
  logLevel: z.enum(["debug", "info", "warn", "error"]).default("info"),
  web: z.union([z.string(), z.literal(false)]).default(DEFAULT_WEB),
  modem: z.string().min(1).optional(),
  maintenance: z.string().min(1).optional(),
  installRoot: z.string().min(1).optional(),
  publicKey: z.string().min(1).optional(),
  upgradeTarget: z.string().optional(),
  healthCheck: z.enum(["auto", "master", "self-check"]).optional(),
  healthTimeout: z.coerce.number().int().min(1000, "must be at least 1000 ms").optional(),
  maxPackageBytes: z.coerce.number().int().min(1024, "must be at least 1024").optional(),
  demo: z.boolean().default(false),
  simulateMeters: z.coerce.number().int().min(0, "must be 0..2040").max(2040, "must be 0..2040").optional(),
  simulateCarrier: z.coerce.number().int().min(0, "must be 0..2040").max(2040, "must be 0..2040").optional(),
  simulateBaud: z.coerce
    .number()
    .int()
    .min(300, "must be 300..115200")
    .max(115_200, "must be 300..115200")
    .optional(),
  serial: z.array(z.string()).optional(),
  carrier: z.string().optional(),
});

function maintenanceOption(spec: string): NonNullable<ReturnType<typeof parseMaintenanceSpec>> {
  const parsed = parseMaintenanceSpec(spec);
  if (parsed === undefined) {
    throw new OpenDcuError(
      "cli.invalid-argument",
      `--maintenance: expected PATH[:BAUD[:PARITY]], got "${spec}"`,
    );
  }
  return parsed;
}

export function registerRun(program: Command): void {
  program
    .command("run")
    .description("Run the concentrator daemon (uplink Q/GDW 1376.1 over TCP, SQLite store)")
    .option("--config <file>", "start-up file (JSON, the daemon configuration); flags given override it")
    .option("--db <path>", "SQLite database file", "./data/opendcu.sqlite")
    .option("--uplink-listen <host:port>", "server mode: listen for master stations (default 127.0.0.1:4059)")
    .option("--uplink-connect <host:port>", "client mode: dial the master station, log in, send heartbeats")
    .option("--area <code>", "administrative area code A1 (4 digits)", "4403")
    .option("--address <n>", "terminal address A2 (1..65535)", "1")
    .option("--utc-offset <minutes>", "terminal local time offset from UTC", "480")
    .option("--log-level <level>", "debug | info | warn | error", "info")
    .option("--web <host:port>", "web interface and JSON API (localhost only by default)", DEFAULT_WEB)
    .option("--no-web", "do not start the web interface")
    .option(
      "--modem <path|sim>",
      "cellular module: its AT port (serial device), 'modemmanager' (read through mmcli), or 'sim' (simulated)",
    )
    .option(
      "--maintenance <path[:baud[:parity]]>",
      "local serial maintenance port (1376.1), e.g. /dev/ttyS1:9600:none",
    )
    .option("--install-root <dir>", "A/B install root for upgrades (releases/, current, good)")
    .option("--public-key <file>", "Ed25519 public key (PEM) upgrade packages must be signed with")
    .option("--upgrade-target <name>", "device family accepted in packages (default opendcu)")
    .option("--health-check <mode>", "what proves a new version healthy: auto | master | self-check")
    .option("--health-timeout <ms>", "time a new version has to prove healthy (default 300000)")
    .option("--max-package-bytes <n>", "largest upgrade package / AFN0F file accepted")
    .option(
      "--demo",
      "demo: 16 simulated RS-485 meters, 16 simulated carrier nodes and a simulated modem, entered in the archive on first run",
    )
    .option("--simulate-meters <n>", "N virtual DL/T 645-2007 meters on port 2 (000000000001…), 2400 8E1")
    .option("--simulate-carrier <n>", "a virtual carrier module on port 31 with N nodes (100000000001…)")
    .option(
      "--simulate-baud <b>",
      "line speed of the simulated RS-485 bus (default 2400; 115200 fills a large simulated field fast)",
    )
    .option(
      "--serial <port=path[:baud[:parity]]>",
      "an RS-485 line for a 1376.1 port, e.g. 2=/dev/ttyUSB0:2400:even (repeatable)",
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option("--carrier <path[:baud]>", "the carrier module's serial line (port 31), e.g. /dev/ttyS3:9600")
    .action(async (raw: Record<string, unknown>, command: Command) => {
      const o = parseOptions(optionsSchema, raw);
      const logger = createLogger({ level: o.logLevel });
      // Only flags typed on the command line override the start-up file; their defaults do not.
      const given = (key: string): boolean => command.getOptionValueSource(key) === "cli";
      const flags: Record<string, unknown> = {
        ...(given("db") ? { dbPath: o.db } : {}),
        ...(given("area") ? { area: o.area } : {}),
        ...(given("address") ? { address: o.address } : {}),
        ...(given("utcOffset") ? { utcOffsetMinutes: o.utcOffset } : {}),
        uplink: {
          ...(o.uplinkListen === undefined
            ? {}
            : { listen: parseEndpoint(o.uplinkListen, "--uplink-listen") }),
          ...(o.uplinkConnect === undefined
            ? {}
            : { connect: parseEndpoint(o.uplinkConnect, "--uplink-connect") }),
        },
        ...(o.web !== false && given("web") ? { web: { listen: parseEndpoint(o.web, "--web") } } : {}),
        ...(o.modem === undefined
          ? {}
          : {
              modem:
                o.modem === "sim"
                  ? { simulate: true }
                  : o.modem === "modemmanager"
                    ? { modemManager: {} }
                    : { port: o.modem },
            }),
        field: fieldFromFlags(o),
        ...(o.maintenance === undefined ? {} : { maintenance: maintenanceOption(o.maintenance) }),
        upgrade: {
          ...(o.installRoot === undefined ? {} : { installRoot: o.installRoot }),
          ...(o.publicKey === undefined ? {} : { publicKeyFile: o.publicKey }),
          ...(o.upgradeTarget === undefined ? {} : { target: o.upgradeTarget }),
          ...(o.healthCheck === undefined ? {} : { healthCheck: o.healthCheck }),
          ...(o.healthTimeout === undefined ? {} : { healthTimeoutMs: o.healthTimeout }),
          ...(o.maxPackageBytes === undefined ? {} : { maxPackageBytes: o.maxPackageBytes }),
        },
      };
      const file: DaemonConfigInput = o.config === undefined ? {} : readConfigFile(o.config);
      const input: DaemonConfigInput = mergeConfig(o.demo ? mergeConfig(file, DEMO_CONFIG) : file, flags);
      if (o.web === false) delete input.web;
      else input.web ??= { listen: parseEndpoint(DEFAULT_WEB, "--web") };
      // A stop signal during start-up is honoured once the daemon is up; without a listener, the default
      // action would kill the process half-started.
      let early: string | undefined;
      let onSignal = (signal: string): void => {
        early ??= signal;
      };
      process.once("SIGINT", () => onSignal("SIGINT"));
      process.once("SIGTERM", () => onSignal("SIGTERM"));
      const daemon = await startDaemon(input, { logger });
      process.stderr.write(runBanner(daemon));
      const stopProgress =
        daemon.collection === undefined
          ? () => {}
          : watchFirstCollection({
              reading: () => daemon.webProviders.reading,
              clock: new SystemClock(),
              write: (text) => process.stderr.write(text),
              tty: process.stderr.isTTY === true,
            });
      // Conventions §22: bad input must never get here; if something does, log it and exit non-zero.
      process.on("uncaughtException", (error) => {
        logger.error({ error: String(error), stack: error.stack }, "uncaught exception");
        process.exit(70);
      });
      process.on("unhandledRejection", (reason) => {
        logger.error({ error: String(reason) }, "unhandled rejection");
        process.exit(70);
      });
      await new Promise<void>((resolve) => {
        const stop = (signal: string): void => {
          stopProgress();
          logger.info({ signal }, "stopping");
          daemon.close().then(resolve, (error: unknown) => {
            logger.error({ error: String(error) }, "close failed");
            process.exitCode = 1;
            resolve();
          });
        };
        onSignal = stop;
        if (early !== undefined) stop(early);
        void daemon.restartRequested.then((reason) => {
          process.exitCode = EXIT_RESTART;
          stop(`restart: ${reason}`);
        });
      });
    });
}
