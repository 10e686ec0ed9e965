/**
 * A meter archive entry as the web interface shows and edits it, and its conversion to the AFN04 F10 entry
 * bytes. The bytes are produced by the shared 1376.1 layout table (protocol/gw1376-1/afn04.ts), and every
 * change is then stored through the parameter service, so the web and the master go through exactly the
 * same F10 validation (duplicates, capacity, BCD addresses).
 */
import { z } from "zod";
import { toHex } from "../../protocol/common/hex.ts";
import { findFnRow } from "../../protocol/gw1376-1/fn-table.ts";
import type { Record_ } from "../../protocol/gw1376-1/layout.ts";
import { encodeBody } from "../../protocol/gw1376-1/layout-codec.ts";
import type { MeterEntry } from "../../store/meters-repo.ts";

/** Baud rates by F10 baud code (D7..D5 of the rate/port byte); code 0 = the port's default. */
export const BAUD_BY_CODE: readonly number[] = [0, 600, 1200, 2400, 4800, 7200, 9600, 19200];

/** Protocol numbers of F10 with names for people (other values are reserved but accepted). */
export const PROTOCOL_NAMES: Readonly<Record<number, string>> = {
  0: "do not read",
  1: "DL/T 645-1997",
  2: "AC sampling",
  30: "DL/T 645-2007",
  31: "PLC module",
};

const digits12 = (what: string) => z.string().regex(/^\d{12}$/, `${what} must be 12 decimal digits`);
const int = (min: number, max: number) =>
  z
    .number()
    .int("must be a whole number")
    .min(min, `must be ${min}..${max}`)
    .max(max, `must be ${min}..${max}`);

export const METER_SCHEMA = z.object({
  serial: int(1, 2040),
  point: int(1, 2040).describe("measurement point pn"),
  port: int(1, 31),
  baud: z
    .number()
    .refine((b) => BAUD_BY_CODE.includes(b), `must be one of ${BAUD_BY_CODE.join(", ")} (0 = port default)`)
    .default(0),
  protocol: int(0, 255),
  address: digits12("the meter address"),
  /** 6 bytes as 12 hex digits. */
  password: z
    .string()
    .regex(/^[0-9a-fA-F]{12}$/, "must be 12 hex digits (6 bytes)")
    .default("000000000000"),
  tariffs: int(0, 48).default(4),
  integerDigits: int(4, 7).default(6),
  decimalDigits: int(1, 4).default(2),
  collector: digits12("the collector address").default("000000000000"),
  bigClass: int(0, 15).default(0),
  smallClass: int(0, 15).default(0),
});

export type MeterForm = z.output<typeof METER_SCHEMA>;

/** The archive entry as the web shows it. */
export function meterToForm(entry: MeterEntry): MeterForm {
  return {
    serial: entry.serial,
    point: entry.point,
    port: entry.port,
    baud: BAUD_BY_CODE[entry.baudCode] ?? 0,
    protocol: entry.protocol,
    address: entry.address,
    password: toHex(entry.password).replace(/\s+/g, ""),
    tariffs: entry.tariffCount,
    integerDigits: ((entry.digits >> 2) & 3) + 4,
    decimalDigits: (entry.digits & 3) + 1,
    collector: entry.collector,
    bigClass: entry.userClass >> 4,
    smallClass: entry.userClass & 0x0f,
  };
}

/** The F10 layout record of one entry; `point` 0 deletes the serial's configuration. */
function layoutEntry(form: MeterForm, point = form.point): Record_ {
  return {
    serial: form.serial,
    pn: point,
    ratePort: { port: form.port, baudCode: BAUD_BY_CODE.indexOf(form.baud) },
    protocol: form.protocol,
    address: form.address,
    password: (form.password.match(/../g) ?? []).join(" ").toUpperCase(),
    tariffs: { count: form.tariffs, reserved: 0 },
    digits: { decimalCode: form.decimalDigits - 1, integerCode: form.integerDigits - 4, reserved: 0 },
    collector: form.collector,
    userClass: { small: form.smallClass, big: form.bigClass },
  };
}

const F10_FIELDS = (() => {
  const fields = findFnRow(0x04, 10)?.down;
  if (fields === undefined) throw new Error("AFN04 F10 is missing from the 1376.1 table");
  return fields;
})();

/** One AFN04 F10 body configuring `forms` (and deleting `deletions`: entries whose point becomes 0). */
export function f10Body(forms: readonly MeterForm[], deletions: readonly MeterForm[] = []): Uint8Array {
  return encodeBody(F10_FIELDS, {
    meters: [...forms.map((f) => layoutEntry(f)), ...deletions.map((f) => layoutEntry(f, 0))],
  });
}
