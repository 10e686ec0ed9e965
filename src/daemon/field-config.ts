/**
 * The `field` section of the start-up file: which serial device serves which 1376.1 port, and the
 * simulated field for demos and tests (`opendcu run --simulate-meters N --simulate-carrier N`).
 *
 *   field:
 *     serial:  [{ port: 2, path: /dev/serial/by-id/…, baud: 2400, parity: even, timing: { gapAfterAnswerMs: 0 } }]
 *     carrier: { path: /dev/ttyS3, baud: 9600, parity: even }      # the PLC module, port 31
 *     simulateMeters: 0      # N virtual DL/T 645-2007 meters on port 2 (000000000001…), 8E1
 *     simulateBaud: 2400     # the simulated bus's speed
 *     simulateCarrier: 0     # a virtual module on port 31 with N nodes (100000000001…)
 *
 * The meter archive is never part of it: that is what the master (or the local interface) sets.
 */
import { z } from "zod";

const parity = z.enum(["none", "even", "odd"]);

export const SERIAL_PORT_SCHEMA = z.object({
  /** 1376.1 port number of this RS-485 line (2 = the first, as AFN04 F10 numbers it). */
  port: z.number().int().min(1).max(30),
  /** Device path; prefer /dev/serial/by-id/… (stable across re-plugging). */
  path: z.string().min(1),
  baud: z.number().int().min(300).max(115_200).default(2400),
  parity: parity.default("even"),
  dataBits: z.union([z.literal(7), z.literal(8)]).default(8),
  stopBits: z.union([z.literal(1), z.literal(2)]).default(1),
  /**
   * Line timing for odd converters and meters (src/channels/rs485/rs485-timing.ts): silence after a complete
   * answer before the next request (default 0 — the FE preamble is the guard), resends, wake-up bytes, and the
   * fixed part of the response time-out.
   */
  timing: z
    .object({
      gapAfterAnswerMs: z.number().int().min(0).max(1000).optional(),
      retries: z.number().int().min(0).max(5).optional(),
      preambleBytes: z.number().int().min(0).max(4).optional(),
      responseBaseMs: z.number().int().min(50).max(10_000).optional(),
    })
    .strict()
    .default({}),
});

export const FIELD_CONFIG_SCHEMA = z
  .object({
    serial: z
      .array(SERIAL_PORT_SCHEMA)
      .default([])
      .refine((ports) => new Set(ports.map((p) => p.port)).size === ports.length, "each port number once"),
    carrier: z
      .object({
        path: z.string().min(1),
        baud: z.number().int().min(300).max(115_200).default(9600),
        parity: parity.default("even"),
        /** Master node address for the module (AFN05 F1); default from the terminal address [L]. */
        masterAddress: z
          .string()
          .regex(/^\d{12}$/, "12 decimal digits")
          .optional(),
      })
      .optional(),
    /** Virtual meters on port 2 (replaces any serial entry for port 2). */
    simulateMeters: z.number().int().min(0).max(2040).default(0),
    /**
     * Line speed of the simulated RS-485 bus (8E1). 2400 is what meters use; a head-end test with a
     * thousand simulated meters wants 115200 so that a day's collection takes minutes, not an hour.
     */
    simulateBaud: z.number().int().min(300).max(115_200).default(2400),
    /** Virtual carrier module with this many nodes on port 31 (replaces `carrier`). */
    simulateCarrier: z.number().int().min(0).max(2040).default(0),
    /** Archive watching of the carrier channel (defaults: poll 20 s, sync 30 s after a change). */
    carrierArchive: z
      .object({
        pollMs: z.number().int().min(50).max(600_000).optional(),
        syncDelayMs: z.number().int().min(0).max(60_000).optional(),
      })
      .default({}),
    /** How often AFN04 F34 (port parameters) is re-read and applied, ms. */
    parameterPollMs: z.number().int().min(100).max(600_000).default(15_000),
  })
  .default({
    serial: [],
    simulateMeters: 0,
    simulateCarrier: 0,
    simulateBaud: 2400,
    carrierArchive: {},
    parameterPollMs: 15_000,
  });

export type FieldConfig = z.infer<typeof FIELD_CONFIG_SCHEMA>;
