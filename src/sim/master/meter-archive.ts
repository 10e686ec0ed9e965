/**
 * The meter archive as a master station handles it (AFN04 F10 set, AFN0A F10 query; shared/protocol/
 * gw1376-1.md §4.3.1 [H]): a readable `MeterConfig` per meter, its 27-byte F10 entry record, a CSV reader
 * that refuses what the terminal would refuse (so a bad file fails before anything is sent), and the two
 * long jobs — set an archive in as many frames as it needs, read it back serial range by serial range.
 */
import { z } from "zod";
import { OpenDcuError } from "../../common/errors.ts";
import type { Record_ } from "../../protocol/gw1376-1/layout.ts";
import type { MasterStation } from "./master-station.ts";

/** Capacity of a terminal's archive (serials and points 1..2040). */
export const MAX_METERS = 2040;
/** Entries per AFN04 F10 frame: 2 + 60 × 27 = 1,622 bytes, well inside a 2,048-byte frame with PW and Tp. */
export const ENTRIES_PER_SET_FRAME = 60;
/** Serials per AFN0A F10 query: a 2 + 2n-byte request, answered in a few frames. */
export const SERIALS_PER_QUERY = 255;

/** Baud codes of the F10 rate/port byte (D7..D5); 0 = the port's default. */
const BAUDS = [0, 600, 1200, 2400, 4800, 7200, 9600, 19200] as const;
/** Protocol numbers on the wire: 0 do not read, 1 DL/T 645-1997, 2 AC sampling, 30 DL/T 645-2007, 31 PLC. */
const PROTOCOLS = [0, 1, 2, 30, 31] as const;
const PROTOCOL_NAMES: Readonly<Record<string, number>> = {
  none: 0,
  "645-1997": 1,
  "dlt645-1997": 1,
  ac: 2,
  "645-2007": 30,
  "dlt645-2007": 30,
  plc: 31,
};

export interface MeterConfig {
  readonly serial: number;
  /** Measurement point 1..2040 (0 deletes the serial's configuration). */
  readonly pn: number;
  /** Terminal port 1..31 (2 = first RS-485, 31 = carrier). */
  readonly port: number;
  /** Baud rate, 0 = port default. */
  readonly baud: number;
  readonly protocol: number;
  /** 12 decimal digits. */
  readonly address: string;
  /** 6 bytes as 12 hex digits. */
  readonly password: string;
  readonly tariffs: number;
  /** Integer digits 4..7 and decimal digits 1..4 of the meter's energy display. */
  readonly integerDigits: number;
  readonly decimalDigits: number;
  /** 12 digits; all zero = not behind a collector. */
  readonly collector: string;
  readonly bigClass: number;
  readonly smallClass: number;
}

/** What an F10 entry holds when a CSV row (or a caller) leaves the optional fields out. */
export const METER_DEFAULTS = {
  baud: 0,
  password: "000000000000",
  tariffs: 4,
  integerDigits: 6,
  decimalDigits: 2,
  collector: "000000000000",
  bigClass: 0,
  smallClass: 0,
} as const satisfies Partial<MeterConfig>;

/** A meter's configuration from its identity, the rest at the defaults. */
export function meterConfig(
  identity: Pick<MeterConfig, "serial" | "pn" | "port" | "protocol" | "address"> & Partial<MeterConfig>,
): MeterConfig {
  return { ...METER_DEFAULTS, ...identity };
}

const int = (what: string, min: number, max: number) =>
  z.coerce
    .number({ message: `${what} must be a number` })
    .int(`${what} must be a whole number`)
    .min(min, `${what} must be ${min}..${max}`)
    .max(max, `${what} must be ${min}..${max}`);

const digits12 = (what: string) => z.string().regex(/^\d{12}$/, `${what} must be 12 decimal digits`);

/** One CSV row (text cells) → MeterConfig; every rule the terminal applies to one F10 entry. */
const ROW_SCHEMA = z.object({
  serial: int("serial", 1, MAX_METERS),
  pn: int("pn", 0, MAX_METERS),
  port: int("port", 1, 31),
  baud: z.coerce
    .number({ message: "baud must be a number" })
    .refine((b) => (BAUDS as readonly number[]).includes(b), `baud must be one of ${BAUDS.join(", ")}`)
    .default(METER_DEFAULTS.baud),
  protocol: z
    .string()
    .transform((text) => PROTOCOL_NAMES[text.toLowerCase()] ?? Number(text))
    .refine(
      (p) => (PROTOCOLS as readonly number[]).includes(p),
      `protocol must be one of ${PROTOCOLS.join(", ")} or ${Object.keys(PROTOCOL_NAMES).join(", ")}`,
    ),
  address: digits12("address"),
  password: z
    .string()
    .regex(/^[0-9a-fA-F]{12}$/, "password must be 12 hex digits")
    .transform((p) => p.toLowerCase())
    .default(METER_DEFAULTS.password),
  tariffs: int("tariffs", 0, 48).default(METER_DEFAULTS.tariffs),
  integerDigits: int("integer_digits", 4, 7).default(METER_DEFAULTS.integerDigits),
  decimalDigits: int("decimal_digits", 1, 4).default(METER_DEFAULTS.decimalDigits),
  collector: digits12("collector").default(METER_DEFAULTS.collector),
  bigClass: int("big_class", 0, 15).default(METER_DEFAULTS.bigClass),
  smallClass: int("small_class", 0, 15).default(METER_DEFAULTS.smallClass),
});

/** CSV column names (header row) → MeterConfig keys. */
const COLUMNS: Readonly<Record<string, keyof MeterConfig>> = {
  serial: "serial",
  pn: "pn",
  port: "port",
  baud: "baud",
  protocol: "protocol",
  address: "address",
  password: "password",
  tariffs: "tariffs",
  integer_digits: "integerDigits",
  decimal_digits: "decimalDigits",
  collector: "collector",
  big_class: "bigClass",
  small_class: "smallClass",
};
const REQUIRED_COLUMNS = ["serial", "pn", "port", "protocol", "address"];
const MAX_CSV_BYTES = 1_000_000;

/**
 * Parses a meter CSV: a header row naming the columns (serial, pn, port, protocol, address required; baud,
 * password, tariffs, integer_digits, decimal_digits, collector, big_class, small_class optional), then one
 * meter per row; blank lines and lines starting with # are skipped. Refuses, naming the line: a bad cell,
 * a serial or pn used twice, the same address twice on one port (unique serials 1..2040 also bound the
 * count to what a terminal holds).
 */
export function parseMeterCsv(text: string): MeterConfig[] {
  if (text.length > MAX_CSV_BYTES) throw csvError(0, `file larger than ${MAX_CSV_BYTES} bytes`);
  const lines = text.split(/\r?\n/);
  let header: (keyof MeterConfig | undefined)[] | undefined;
  let headerLine = 0;
  const meters: MeterConfig[] = [];
  /** "serial 5", "pn 5", "address 2/000000000005" → the line that used it first. */
  const seen = new Map<string, number>();
  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const cells = line.split(",").map((c) => c.trim());
    if (header === undefined) {
      header = cells.map((c) => COLUMNS[c.toLowerCase()]);
      headerLine = lineNo;
      const unknown = cells.filter((c) => COLUMNS[c.toLowerCase()] === undefined);
      if (unknown.length > 0)
        throw csvError(lineNo, `unknown column ${unknown.map((u) => `"${u}"`).join(", ")}`);
      const missing = REQUIRED_COLUMNS.filter((c) => !cells.map((x) => x.toLowerCase()).includes(c));
      if (missing.length > 0) throw csvError(lineNo, `missing column ${missing.join(", ")}`);
      return;
    }
    if (cells.length !== header.length)
      throw csvError(lineNo, `${cells.length} cells, the header (line ${headerLine}) has ${header.length}`);
    const record: Record<string, string> = {};
    header.forEach((key, i) => {
      const cell = cells[i] as string;
      if (key !== undefined && cell !== "") record[key] = cell;
    });
    const parsed = ROW_SCHEMA.safeParse(record);
    if (!parsed.success) throw csvError(lineNo, parsed.error.issues[0]?.message ?? "invalid row");
    const meter: MeterConfig = parsed.data;
    const claim = (key: string, what: string) => {
      const first = seen.get(key);
      if (first !== undefined) throw csvError(lineNo, `${what} already on line ${first}`);
      seen.set(key, lineNo);
    };
    claim(`serial ${meter.serial}`, `serial ${meter.serial}`);
    if (meter.pn !== 0) {
      claim(`pn ${meter.pn}`, `pn ${meter.pn}`);
      claim(`address ${meter.port}/${meter.address}`, `address ${meter.address} on port ${meter.port}`);
    }
    meters.push(meter);
  });
  if (header === undefined) throw csvError(0, "no header row");
  if (meters.length > MAX_METERS)
    throw csvError(0, `${meters.length} meters, a terminal holds ${MAX_METERS}`);
  return meters;
}

function csvError(line: number, message: string): OpenDcuError {
  return new OpenDcuError(
    "cli.invalid-argument",
    line === 0 ? `CSV: ${message}` : `CSV line ${line}: ${message}`,
  );
}

/** MeterConfig → the AFN04 F10 entry record of the codec. */
export function toF10Entry(m: MeterConfig): Record_ {
  return {
    serial: m.serial,
    pn: m.pn,
    ratePort: { port: m.port, baudCode: Math.max(0, (BAUDS as readonly number[]).indexOf(m.baud)) },
    protocol: m.protocol,
    address: m.address,
    password: (m.password.match(/../g) ?? []).join(" "),
    tariffs: { count: m.tariffs, reserved: 0 },
    digits: { decimalCode: m.decimalDigits - 1, integerCode: m.integerDigits - 4, reserved: 0 },
    collector: m.collector,
    userClass: { small: m.smallClass, big: m.bigClass },
  };
}

/** An F10 entry record from the codec (AFN0A F10 answer) → MeterConfig. */
export function fromF10Entry(entry: Record_): MeterConfig {
  const part = (field: string, name: string): number =>
    Number((entry[field] as Record<string, unknown> | undefined)?.[name] ?? 0);
  return {
    serial: Number(entry.serial),
    pn: Number(entry.pn),
    port: part("ratePort", "port"),
    baud: BAUDS[part("ratePort", "baudCode")] ?? 0,
    protocol: Number(entry.protocol),
    address: String(entry.address),
    password: String(entry.password).replaceAll(" ", "").toLowerCase(),
    tariffs: part("tariffs", "count"),
    integerDigits: part("digits", "integerCode") + 4,
    decimalDigits: part("digits", "decimalCode") + 1,
    collector: String(entry.collector),
    bigClass: part("userClass", "big"),
    smallClass: part("userClass", "small"),
  };
}

export interface Progress {
  readonly done: number;
  readonly total: number;
}

export interface SetArchiveResult {
  /** Meters the terminal accepted. */
  readonly accepted: number;
  /** Frames the terminal refused (AFN00 F2, or F3 with an error), with the serials they carried. */
  readonly refused: readonly { readonly serials: readonly number[]; readonly reason: string }[];
}

/**
 * Sends `meters` as AFN04 F10 in frames of `ENTRIES_PER_SET_FRAME` entries, one after another, reporting
 * progress after each frame. A refused frame is recorded and the job goes on with the next one.
 */
export async function setMeterArchive(
  master: MasterStation,
  meters: readonly MeterConfig[],
  onProgress: (progress: Progress) => void = () => undefined,
  timeoutMs?: number,
): Promise<SetArchiveResult> {
  let accepted = 0;
  const refused: { serials: number[]; reason: string }[] = [];
  for (let at = 0; at < meters.length; at += ENTRIES_PER_SET_FRAME) {
    const chunk = meters.slice(at, at + ENTRIES_PER_SET_FRAME);
    const reply = await master.request(
      0x04,
      [{ pn: 0, fn: 10, data: { meters: chunk.map(toF10Entry) } }],
      timeoutMs === undefined ? {} : { timeoutMs },
    );
    const confirmed = reply.message.afn === 0x00 && reply.items.some((i) => i.fn === 1);
    if (confirmed) accepted += chunk.length;
    else {
      const f3 = reply.items.find((i) => i.fn === 3)?.data as { units?: { err?: number }[] } | undefined;
      const err = f3?.units?.[0]?.err;
      const reason = reply.denied
        ? "denied (AFN00 F2)"
        : err === 2
          ? "meter address duplicated in the terminal's archive (ERR 2)"
          : `refused (ERR ${err ?? "?"})`;
      refused.push({ serials: chunk.map((m) => m.serial), reason });
    }
    onProgress({ done: Math.min(at + chunk.length, meters.length), total: meters.length });
  }
  return { accepted, refused };
}

/**
 * Reads the archive entries of `serials` (default every serial 1..2040) with AFN0A F10, `SERIALS_PER_QUERY`
 * at a time; a query none of whose serials exist is denied by the terminal and simply yields nothing.
 */
export async function readMeterArchive(
  master: MasterStation,
  serials: readonly number[] = Array.from({ length: MAX_METERS }, (_, i) => i + 1),
  onProgress: (progress: Progress) => void = () => undefined,
  timeoutMs?: number,
): Promise<MeterConfig[]> {
  const meters: MeterConfig[] = [];
  for (let at = 0; at < serials.length; at += SERIALS_PER_QUERY) {
    const chunk = serials.slice(at, at + SERIALS_PER_QUERY);
    const reply = await master.request(
      0x0a,
      [{ pn: 0, fn: 10, data: { serials: chunk.map((serial) => ({ serial })) } }],
      timeoutMs === undefined ? {} : { timeoutMs },
    );
    if (reply.message.afn === 0x0a) {
      for (const item of reply.items) {
        if (item.fn !== 10 || !Array.isArray(item.data.meters)) continue;
        for (const entry of item.data.meters as Record_[]) meters.push(fromF10Entry(entry));
      }
    }
    onProgress({ done: Math.min(at + chunk.length, serials.length), total: serials.length });
  }
  return meters;
}
