/**
 * Start-up configuration (conventions §24): validated with zod; an invalid value stops the start with a
 * message naming the field. Embedded defaults: SQLite under ./data, uplink server on 127.0.0.1:4059,
 * terminal 4403 / 1, China local time (UTC+8).
 */
import { z } from "zod";
import { OpenDcuError } from "../common/errors.ts";
import { UPGRADE_CONFIG_SCHEMA } from "../upgrade/upgrade-config.ts";
import { MAINTENANCE_PORT_SCHEMA } from "../uplink/maintenance-port.ts";
import { PW_POLICY_SCHEMA } from "../uplink/pw-check.ts";
import { DEFAULT_RATE_LIMIT, RATE_LIMIT_SCHEMA } from "../uplink/rate-limit.ts";
import { COLLECT_CONFIG_SCHEMA, COLLECT_DEFAULTS } from "./collect-config.ts";
import { FIELD_CONFIG_SCHEMA } from "./field-config.ts";
import { REPORTING_CONFIG_SCHEMA, REPORTING_DEFAULTS } from "./reporting-config.ts";

const endpoint = z.object({
  host: z.string().min(1),
  port: z.number().int().min(0).max(65535),
});

export type Endpoint = z.infer<typeof endpoint>;

export const DAEMON_CONFIG_SCHEMA = z.object({
  dbPath: z.string().min(1).default("./data/opendcu.sqlite"),
  /** A1 as 4 BCD digits, most significant first. */
  area: z
    .string()
    .regex(/^\d{4}$/, "area must be 4 decimal digits (A1 is BCD)")
    .default("4403"),
  /** A2, 1..65535 (0 is invalid, §1.4). */
  address: z.number().int().min(1).max(65535).default(1),
  utcOffsetMinutes: z.number().int().min(-720).max(840).default(480),
  uplink: z
    .object({
      /** Server mode: listen for masters. Default when neither is given: 127.0.0.1:4059. */
      listen: endpoint.optional(),
      /** Client mode: dial this master. */
      connect: endpoint.optional(),
      maxConnections: z.number().int().min(1).max(10_000).default(64),
      partialFrameTimeoutMs: z.number().int().min(100).max(600_000).default(5000),
      reconnect: z
        .object({
          initialMs: z.number().int().min(10).default(1000),
          maxMs: z.number().int().min(10).default(300_000),
        })
        .default({ initialMs: 1000, maxMs: 300_000 }),
      /**
       * Server mode: close a connection on which no valid frame arrived for this long. Default: the AFN04 F1
       * heartbeat period + 60 s (NUC behaviour [M]).
       */
      idleTimeoutMs: z.number().int().min(100).max(86_400_000).optional(),
      /** Per-connection input limits (uplink/rate-limit.ts). */
      rateLimit: RATE_LIMIT_SCHEMA.default(DEFAULT_RATE_LIMIT),
      /** Longest time traffic counts stay in memory before they are added to the store. */
      trafficFlushMs: z.number().int().min(100).max(3_600_000).default(60_000),
      /** How PW is checked for AFN04 F5 schemes that cannot be verified as specified (uplink/pw-check.ts). */
      auth: PW_POLICY_SCHEMA.default({ hardware: "deny", software: "parameter" }),
    })
    .default({
      maxConnections: 64,
      partialFrameTimeoutMs: 5000,
      reconnect: { initialMs: 1000, maxMs: 300_000 },
      trafficFlushMs: 60_000,
      rateLimit: DEFAULT_RATE_LIMIT,
      auth: { hardware: "deny", software: "parameter" },
    }),
  /**
   * AFN0C live reads (terminal/data-service): a stored reading older than `freshnessMs` is read again from
   * the meter while the master waits, at most `maxReadsPerRequest` per request, within `timeoutMs`.
   */
  dataService: z
    .object({
      freshnessMs: z.number().int().min(0).max(86_400_000).default(900_000),
      timeoutMs: z.number().int().min(100).max(600_000).default(15_000),
      maxReadsPerRequest: z.number().int().min(0).max(2040).default(16),
    })
    .default({ freshnessMs: 900_000, timeoutMs: 15_000, maxReadsPerRequest: 16 }),
  /** Active reporting: AFN05 F29/F37 default, outbox cap, retry pause (daemon/reporting-config.ts). */
  reporting: REPORTING_CONFIG_SCHEMA.default(REPORTING_DEFAULTS),
  /**
   * Local web interface and JSON API (src/web). Off unless given; `opendcu run` turns it on at
   * 127.0.0.1:8059 (localhost only unless configured otherwise).
   */
  web: z
    .object({
      listen: endpoint,
      /** A session ends after this long without a request. */
      sessionIdleMinutes: z.number().int().min(1).max(1440).default(15),
      /** Largest upgrade package the maintenance page accepts. */
      uploadMaxBytes: z
        .number()
        .int()
        .min(1024)
        .max(256 * 1024 * 1024)
        .default(16 * 1024 * 1024),
    })
    .optional(),
  /** Remote and local software upgrade (docs/upgrade.md). Without installRoot nothing can be installed. */
  upgrade: UPGRADE_CONFIG_SCHEMA,
  /**
   * The cellular module's AT port (terminal/modem): identity and signal are read at start and every
   * `refreshSeconds`, stored, shown on the web interface and served as AFN09 F9. `simulate` runs a simulated
   * modem instead of a serial port (demos, tests). `modemManager` reads the same through the host's
   * ModemManager (`mmcli`) where it owns the modem's ports.
   */
  modem: z
    .object({
      port: z.string().min(1).optional(),
      baud: z.number().int().min(300).max(921_600).default(115_200),
      simulate: z.boolean().default(false),
      modemManager: z
        .object({
          /** The mmcli command (a path when it is not on PATH). */
          mmcli: z.string().min(1).default("mmcli"),
          /** Which modem: "any" (the first) or ModemManager's index. */
          modem: z
            .string()
            .regex(/^(any|\d{1,4})$/, "any or an index")
            .default("any"),
        })
        .optional(),
      refreshSeconds: z.number().int().min(10).max(86_400).default(300),
    })
    .refine(
      (m) => [m.port !== undefined, m.simulate, m.modemManager !== undefined].filter(Boolean).length === 1,
      {
        message: "give exactly one of modem.port, modem.simulate and modem.modemManager",
      },
    )
    .optional(),
  /** Periodic self-check (terminal/self-check.ts): ERC21 and the alarm indicator when a limit is crossed. */
  selfCheck: z
    .object({
      intervalSeconds: z.number().int().min(5).max(86_400).default(60),
      minFreeDiskMiB: z.number().int().min(0).max(1_000_000).default(64),
      minFreeMemoryMiB: z.number().int().min(0).max(1_000_000).default(32),
    })
    .default({ intervalSeconds: 60, minFreeDiskMiB: 64, minFreeMemoryMiB: 32 }),
  /** Serial ports and simulated meters / carrier module (src/daemon/field-config.ts). */
  field: FIELD_CONFIG_SCHEMA,
  /** The reading engine (src/daemon/collect-config.ts); it runs whenever channels exist. */
  collect: COLLECT_CONFIG_SCHEMA.default(COLLECT_DEFAULTS),
  /**
   * The local serial maintenance port (RS-232 / infrared): the same 1376.1 service as the uplink, for
   * handheld units. Off unless given (uplink/maintenance-port.ts).
   */
  maintenance: MAINTENANCE_PORT_SCHEMA.optional(),
  /** First run of a demo: enter the simulated field in the empty meter archive (daemon/first-run.ts). */
  firstRun: z
    .object({ enterSimulatedField: z.boolean().default(false) })
    .default({ enterSimulatedField: false }),
  /** Test hooks instead of patching internals (conventions §24). */
  testing: z
    .object({
      /** Overrides the AFN04 F1 heartbeat period. */
      heartbeatMs: z.number().int().min(10).optional(),
      /** Overrides the AFN04 F1 confirm timeout. */
      confirmTimeoutMs: z.number().int().min(10).optional(),
    })
    .default({}),
});

export type DaemonConfig = z.infer<typeof DAEMON_CONFIG_SCHEMA>;
export type DaemonConfigInput = z.input<typeof DAEMON_CONFIG_SCHEMA>;

/** Validates `input`; throws `config.invalid` naming every bad field path. */
export function parseDaemonConfig(input: unknown): DaemonConfig {
  const result = DAEMON_CONFIG_SCHEMA.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
  throw new OpenDcuError("config.invalid", `invalid configuration: ${problems.join("; ")}`, { problems });
}

/** "HOST:PORT" → endpoint; `what` names the option in the error. */
export function parseEndpoint(text: string, what: string): Endpoint {
  const m = /^(.+):(\d{1,5})$/.exec(text.trim());
  const port = m === null ? Number.NaN : Number(m[2]);
  if (m === null || port > 65535) {
    throw new OpenDcuError("cli.invalid-argument", `${what}: expected HOST:PORT, got "${text}"`);
  }
  return { host: (m[1] as string).replace(/^\[(.*)\]$/, "$1"), port };
}
