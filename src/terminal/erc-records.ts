/**
 * The few ERC records the terminal itself raises (shared/protocol/gw1376-1.md §4.8), built as raw
 * `ERC Le content` bytes by a small local encoder (written before the shared ERC table landed).
 * erc-records.test.ts decodes every record built here with the shared table (protocol/gw1376-1/erc.ts), so
 * the two cannot drift apart.
 */
import { ByteWriter } from "../protocol/common/byte-writer.ts";
import { encodeA1, encodeA15 } from "./local-time.ts";

function record(erc: number, content: Uint8Array): Uint8Array {
  if (content.length > 255) throw new RangeError(`ERC${erc}: content ${content.length} bytes exceeds Le`);
  const out = new Uint8Array(content.length + 2);
  out[0] = erc;
  out[1] = content.length;
  out.set(content, 2);
  return out;
}

function ascii4(text: string): Uint8Array {
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) out[i] = i < text.length ? text.charCodeAt(i) & 0x7f : 0x20;
  return out;
}

/** ERC1 data initialisation / version change, Le 14 [H]: time A.15, flags (D0 init, D1 version). */
export function erc1(
  at: number,
  offset: number,
  flags: { init: boolean; versionChange: boolean },
  oldVersion: string,
  newVersion: string,
): Uint8Array {
  const w = new ByteWriter(14);
  w.bytes(encodeA15(at, offset));
  w.u8((flags.init ? 1 : 0) | (flags.versionChange ? 2 : 0));
  w.bytes(ascii4(oldVersion));
  w.bytes(ascii4(newVersion));
  return record(1, w.finish());
}

/** ERC3 parameter change, Le 6 + 4k [H]: time A.15, master address MSA, k × DA/DT (4 bytes each). */
export function erc3(at: number, offset: number, msa: number, dadts: readonly Uint8Array[]): Uint8Array {
  const w = new ByteWriter(6 + 4 * dadts.length);
  w.bytes(encodeA15(at, offset));
  w.u8(msa);
  for (const d of dadts) w.bytes(d);
  return record(3, w.finish());
}

/** At most this many DA/DT fit one ERC3 (Le ≤ 255). */
export const ERC3_MAX_UNITS = Math.floor((255 - 6) / 4);

export type Erc14Variant = "2013" | "2014";

/**
 * ERC14 terminal power off/on: "2013" = Le 10 (off A.15, on A.15) [H]; "2014" = Le 11 with a leading
 * attribute byte (D0 0 normal / 1 abnormal, D1 0 valid / 1 invalid) after the State Grid 2014 notice [M].
 * `onAt` undefined writes EE (power not back yet).
 */
export function erc14(
  offAt: number,
  onAt: number | undefined,
  offset: number,
  variant: Erc14Variant = "2013",
  attribute = 0,
): Uint8Array {
  const w = new ByteWriter(11);
  if (variant === "2014") w.u8(attribute);
  w.bytes(encodeA15(offAt, offset));
  if (onAt === undefined) w.fill(0xee, 5);
  else w.bytes(encodeA15(onAt, offset));
  return record(14, w.finish());
}

/** ERC20 message authentication error, Le 22 [H]: time A.15, received PW (16), MSA. */
export function erc20(at: number, offset: number, pw: Uint8Array, msa: number): Uint8Array {
  if (pw.length !== 16) throw new RangeError(`ERC20: PW must be 16 bytes, got ${pw.length}`);
  const w = new ByteWriter(22);
  w.bytes(encodeA15(at, offset));
  w.bytes(pw);
  w.u8(msa);
  return record(20, w.finish());
}

/** ERC32 traffic over the monthly threshold, Le 13 [H]: time A.15, traffic this month BIN 4, threshold BIN 4. */
export function erc32(at: number, offset: number, monthBytes: number, threshold: number): Uint8Array {
  const w = new ByteWriter(13);
  w.bytes(encodeA15(at, offset));
  w.u32le(Math.min(0xffff_ffff, Math.max(0, Math.floor(monthBytes))));
  w.u32le(Math.min(0xffff_ffff, Math.max(0, Math.floor(threshold))));
  return record(32, w.finish());
}

/** ERC21 terminal fault codes [M]. */
export const TERMINAL_FAULT = {
  mainMemory: 1,
  clock: 2,
  mainBoardComm: 3,
  rs485Reading: 4,
  display: 5,
  plcChannel: 6,
} as const;

/** ERC21 terminal fault, Le 6 [H layout]: time A.15, fault code. */
export function erc21(at: number, offset: number, faultCode: number): Uint8Array {
  const w = new ByteWriter(6);
  w.bytes(encodeA15(at, offset));
  w.u8(faultCode);
  return record(21, w.finish());
}

export type Erc41Variant = "nuc" | "gy";

/**
 * ERC41 time-sync record [L]: sources disagree (shared/protocol §4.8). "nuc" = Le 14: pn 2, before A.1,
 * after A.1; "gy" = Le 19: time A.15 first, then the same. Configurable; default "nuc".
 */
export function erc41(
  at: number,
  offset: number,
  pn: number,
  before: number,
  after: number,
  variant: Erc41Variant = "nuc",
): Uint8Array {
  const w = new ByteWriter(19);
  if (variant === "gy") w.bytes(encodeA15(at, offset));
  w.u16le(pn & 0x0fff);
  w.bytes(encodeA1(before, offset));
  w.bytes(encodeA1(after, offset));
  return record(41, w.finish());
}
