/**
 * DL/T 645 function codes (control bits D4..D0) and their data-field layouts, one row per function and
 * edition. Both the message decoder and encoder are derived from these rows.
 *
 * Sources: DL/T 645-2007 §7 (control codes and data fields) [H, confirmed by the AFN10 F1 captures in
 * shared/protocol/gw1376-1.md S6/S7 and the remote-trip capture]; DL/T 645-1997 §7 [M].
 */
export type Dlt645Edition = "2007" | "1997";

/** One piece of a data field. */
export type BodyField =
  /** Data identifier: 4 bytes (2007) or 2 bytes (1997), DI0 first. */
  | { readonly name: string; readonly type: "di" }
  /** Password: level PA then P0 P1 P2 (4 bytes). */
  | { readonly name: string; readonly type: "password" }
  /** Operator code C0..C3 (4 bytes), shown as 8 hex digits C3 first. */
  | { readonly name: string; readonly type: "operator" }
  /** A 6-byte meter address (new address for "write address", the answer to "read address"). */
  | { readonly name: string; readonly type: "address" }
  /** A BCD calendar value with the given number of bytes (6 = YYMMDDhhmmss, 4 = MMDDhhmm freeze time). */
  | { readonly name: string; readonly type: "time"; readonly bytes: 4 | 6 }
  /** One byte. */
  | { readonly name: string; readonly type: "u8" }
  /** Everything left except what later fixed fields need, raw (identifier data, parameters). */
  | { readonly name: string; readonly type: "rest" };

export interface FunctionRow {
  readonly edition: Dlt645Edition;
  readonly fn: number;
  /** Stable name used in messages, logs and JSON. */
  readonly name: string;
  readonly title: string;
  /** Data field of the request (from the master). */
  readonly request: readonly BodyField[];
  /** Data field of a normal reply; undefined when meters never answer (broadcast time sync). */
  readonly reply?: readonly BodyField[];
}

const DI = { name: "di", type: "di" } as const;
const PASSWORD = { name: "password", type: "password" } as const;
const OPERATOR = { name: "operator", type: "operator" } as const;
const DATA = { name: "data", type: "rest" } as const;

export const FUNCTIONS_2007: readonly FunctionRow[] = [
  // §7.2 [H]: broadcast time sync, address 99…99, data ssmmhhDDMMYY, never answered.
  {
    edition: "2007",
    fn: 0x08,
    name: "broadcast-time",
    title: "broadcast time sync",
    request: [{ name: "time", type: "time", bytes: 6 }],
  },
  // §7.3 [H]: read data; the request may carry extra parameters after the DI (e.g. a block count N, or N plus
  // a start time for load records); the reply is DI + data.
  {
    edition: "2007",
    fn: 0x11,
    name: "read",
    title: "read data",
    request: [DI, { name: "params", type: "rest" }],
    reply: [DI, DATA],
  },
  // §7.4 [H]: read subsequent frame: DI + frame sequence SEQ; the reply ends with the same SEQ.
  {
    edition: "2007",
    fn: 0x12,
    name: "read-next",
    title: "read subsequent data",
    request: [DI, { name: "seq", type: "u8" }],
    reply: [DI, DATA, { name: "seq", type: "u8" }],
  },
  // §7.5 [H]: read communication address, sent to AAAAAAAAAAAA; the reply repeats the address in the data.
  {
    edition: "2007",
    fn: 0x13,
    name: "read-address",
    title: "read address",
    request: [],
    reply: [{ name: "address", type: "address" }],
  },
  // §7.6 [H]: write data: DI, password, operator code, data.
  {
    edition: "2007",
    fn: 0x14,
    name: "write",
    title: "write data",
    request: [DI, PASSWORD, OPERATOR, DATA],
    reply: [],
  },
  // §7.7 [H]: write communication address (to AAAAAAAAAAAA, programming key pressed).
  {
    edition: "2007",
    fn: 0x15,
    name: "write-address",
    title: "write address",
    request: [{ name: "newAddress", type: "address" }],
    reply: [],
  },
  // §7.8 [H]: freeze command: MMDDhhmm; 99DDhhmm monthly, 9999hhmm daily, 999999mm hourly, 99999999 now.
  {
    edition: "2007",
    fn: 0x16,
    name: "freeze",
    title: "freeze",
    request: [{ name: "time", type: "time", bytes: 4 }],
    reply: [],
  },
  // §7.9 [H]: change baud rate: characteristic word Z (bit 1 600 … bit 6 19200); the reply echoes Z.
  {
    edition: "2007",
    fn: 0x17,
    name: "change-baud",
    title: "change baud rate",
    request: [{ name: "baudWord", type: "u8" }],
    reply: [{ name: "baudWord", type: "u8" }],
  },
  // §7.10 [H]: change password: DI (04000C01..0A = level), old password, new password; reply = new password.
  {
    edition: "2007",
    fn: 0x18,
    name: "change-password",
    title: "change password",
    request: [DI, { name: "oldPassword", type: "password" }, { name: "newPassword", type: "password" }],
    reply: [{ name: "newPassword", type: "password" }],
  },
  // §7.11–7.13 [H]: maximum-demand clear, meter clear, event clear (the last with the event DI, FFFFFFFF = all).
  {
    edition: "2007",
    fn: 0x19,
    name: "clear-demand",
    title: "clear maximum demand",
    request: [PASSWORD, OPERATOR],
    reply: [],
  },
  {
    edition: "2007",
    fn: 0x1a,
    name: "clear-meter",
    title: "clear meter",
    request: [PASSWORD, OPERATOR],
    reply: [],
  },
  {
    edition: "2007",
    fn: 0x1b,
    name: "clear-events",
    title: "clear events",
    request: [PASSWORD, OPERATOR, DI],
    reply: [],
  },
  // Remote control (跳合闸/报警/保电) [H, remote-trip capture in shared/vectors/gw1376-1.txt]: password, operator,
  // N1 command (1A trip, 1B close allowed, 1C direct close, 2A alarm, 2B alarm off, 3A keep power, 3B release),
  // N2 reserved, N3..N8 validity deadline ssmmhhDDMMYY.
  {
    edition: "2007",
    fn: 0x1c,
    name: "remote-control",
    title: "remote control",
    request: [
      PASSWORD,
      OPERATOR,
      { name: "command", type: "u8" },
      { name: "reserved", type: "u8" },
      { name: "deadline", type: "time", bytes: 6 },
    ],
    reply: [],
  },
];

export const FUNCTIONS_1997: readonly FunctionRow[] = [
  // DL/T 645-1997 §7 [M]: read 01, read subsequent 02, re-read 03, write 04, broadcast time 08, write address
  // 0A, change baud 0C, change password 0F, clear maximum demand 10.
  { edition: "1997", fn: 0x01, name: "read", title: "read data", request: [DI], reply: [DI, DATA] },
  {
    edition: "1997",
    fn: 0x02,
    name: "read-next",
    title: "read subsequent data",
    request: [DI],
    reply: [DI, DATA],
  },
  { edition: "1997", fn: 0x03, name: "re-read", title: "re-read data", request: [], reply: [DI, DATA] },
  { edition: "1997", fn: 0x04, name: "write", title: "write data", request: [DI, PASSWORD, DATA], reply: [] },
  {
    edition: "1997",
    fn: 0x08,
    name: "broadcast-time",
    title: "broadcast time sync",
    request: [{ name: "time", type: "time", bytes: 6 }],
  },
  {
    edition: "1997",
    fn: 0x0a,
    name: "write-address",
    title: "write address",
    request: [{ name: "newAddress", type: "address" }],
    reply: [],
  },
  {
    edition: "1997",
    fn: 0x0c,
    name: "change-baud",
    title: "change baud rate",
    request: [{ name: "baudWord", type: "u8" }],
    reply: [{ name: "baudWord", type: "u8" }],
  },
  {
    edition: "1997",
    fn: 0x0f,
    name: "change-password",
    title: "change password",
    request: [
      { name: "oldPassword", type: "password" },
      { name: "newPassword", type: "password" },
    ],
    reply: [{ name: "newPassword", type: "password" }],
  },
  {
    edition: "1997",
    fn: 0x10,
    name: "clear-demand",
    title: "clear maximum demand",
    request: [PASSWORD],
    reply: [],
  },
];

const BY_EDITION: Record<Dlt645Edition, Map<number, FunctionRow>> = {
  "2007": new Map(FUNCTIONS_2007.map((row) => [row.fn, row])),
  "1997": new Map(FUNCTIONS_1997.map((row) => [row.fn, row])),
};

export function findFunction(edition: Dlt645Edition, fn: number): FunctionRow | undefined {
  return BY_EDITION[edition].get(fn);
}

export function findFunctionByName(edition: Dlt645Edition, name: string): FunctionRow | undefined {
  for (const row of BY_EDITION[edition].values()) if (row.name === name) return row;
  return undefined;
}

/**
 * The edition a function code implies when the caller does not know it: codes used by only one edition
 * decide; 08 (same layout in both) and codes of both editions default to 2007, the edition in the field.
 */
export function inferEdition(fn: number): Dlt645Edition | undefined {
  if (BY_EDITION["2007"].has(fn)) return "2007";
  if (BY_EDITION["1997"].has(fn)) return "1997";
  return undefined;
}

/** Error-byte bits of an abnormal reply, one row per bit. */
export const ERROR_BITS: Record<Dlt645Edition, readonly string[]> = {
  // DL/T 645-2007 Table (应答异常 ERR) [H].
  "2007": [
    "other error",
    "no requested data",
    "password error or unauthorised",
    "baud rate cannot be changed",
    "year time-zone count exceeded",
    "daily period count exceeded",
    "tariff count exceeded",
    "reserved",
  ],
  // DL/T 645-1997 error word [M].
  "1997": [
    "illegal data",
    "data identifier error",
    "password error",
    "reserved",
    "year time-zone count exceeded",
    "daily period count exceeded",
    "tariff count exceeded",
    "reserved",
  ],
};

/** Error-byte values the meters and the simulator use (2007 numbering). */
export const ERR_OTHER = 0x01;
export const ERR_NO_DATA = 0x02;
export const ERR_PASSWORD = 0x04;
export const ERR_BAUD = 0x08;

export function describeErrorBits(edition: Dlt645Edition, error: number): string[] {
  const names = ERROR_BITS[edition];
  const out: string[] = [];
  for (let bit = 0; bit < 8; bit++) if ((error & (1 << bit)) !== 0) out.push(names[bit] ?? `bit ${bit}`);
  return out;
}

/** Baud-rate characteristic word Z (DL/T 645-2007 §7.9 [H]): bit 1 = 600 … bit 6 = 19200. */
export const BAUD_WORD_BITS: readonly (number | undefined)[] = [
  undefined,
  600,
  1200,
  2400,
  4800,
  9600,
  19200,
];

export function baudFromWord(word: number): number | undefined {
  let found: number | undefined;
  for (let bit = 0; bit < 8; bit++) {
    if ((word & (1 << bit)) === 0) continue;
    if (found !== undefined) return undefined;
    found = BAUD_WORD_BITS[bit];
    if (found === undefined) return undefined;
  }
  return found;
}
