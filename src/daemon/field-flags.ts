/**
 * `opendcu run` flags for the field: `--serial PORT=PATH[:BAUD[:PARITY]]` (repeatable), `--carrier
 * PATH[:BAUD]`, `--simulate-meters N`, `--simulate-carrier N`. Turned into the start-up file's `field`
 * section; errors name the flag.
 */
import type { z } from "zod";
import { OpenDcuError } from "../common/errors.ts";
import type { FIELD_CONFIG_SCHEMA, SERIAL_PORT_SCHEMA } from "./field-config.ts";

export type FieldConfigInput = z.input<typeof FIELD_CONFIG_SCHEMA>;
export type SerialPortInput = z.input<typeof SERIAL_PORT_SCHEMA>;

export interface FieldFlags {
  readonly serial?: readonly string[] | undefined;
  readonly carrier?: string | undefined;
  readonly simulateMeters?: number | undefined;
  readonly simulateCarrier?: number | undefined;
  readonly simulateBaud?: number | undefined;
}

const PARITIES = ["none", "even", "odd"] as const;

function bad(flag: string, text: string, expected: string): OpenDcuError {
  return new OpenDcuError("cli.invalid-argument", `${flag}: expected ${expected}, got "${text}"`);
}

function baudOf(flag: string, text: string, raw: string | undefined): number | undefined {
  if (raw === undefined || raw === "") return undefined;
  const baud = Number(raw);
  if (!Number.isInteger(baud) || baud < 300 || baud > 115_200)
    throw bad(flag, text, "a baud rate 300..115200");
  return baud;
}

/** "2=/dev/ttyUSB0:2400:even" → a serial port entry. */
export function parseSerialFlag(text: string): SerialPortInput {
  const m = /^(\d{1,2})=([^:]+)(?::(\d*))?(?::([a-z]+))?$/.exec(text.trim());
  if (m === null) throw bad("--serial", text, "PORT=PATH[:BAUD[:PARITY]], e.g. 2=/dev/ttyUSB0:2400:even");
  const port = Number(m[1]);
  if (port < 1 || port > 30) throw bad("--serial", text, "a port number 1..30");
  const parity = m[4];
  if (parity !== undefined && !(PARITIES as readonly string[]).includes(parity))
    throw bad("--serial", text, "parity none, even or odd");
  const baud = baudOf("--serial", text, m[3]);
  return {
    port,
    path: m[2] as string,
    ...(baud === undefined ? {} : { baud }),
    ...(parity === undefined ? {} : { parity: parity as (typeof PARITIES)[number] }),
  };
}

/** The `field` keys the flags set (only those given, so the start-up file keeps the rest). */
export function fieldFromFlags(flags: FieldFlags): FieldConfigInput {
  let carrier: { path: string; baud?: number } | undefined;
  if (flags.carrier !== undefined) {
    const m = /^([^:]+)(?::(\d+))?$/.exec(flags.carrier.trim());
    if (m === null) throw bad("--carrier", flags.carrier, "PATH[:BAUD]");
    const baud = baudOf("--carrier", flags.carrier, m[2]);
    carrier = { path: m[1] as string, ...(baud === undefined ? {} : { baud }) };
  }
  return {
    ...(flags.serial === undefined || flags.serial.length === 0
      ? {}
      : { serial: flags.serial.map(parseSerialFlag) }),
    ...(carrier === undefined ? {} : { carrier }),
    ...(flags.simulateMeters === undefined ? {} : { simulateMeters: flags.simulateMeters }),
    ...(flags.simulateCarrier === undefined ? {} : { simulateCarrier: flags.simulateCarrier }),
    ...(flags.simulateBaud === undefined ? {} : { simulateBaud: flags.simulateBaud }),
  };
}
