/**
 * DL/T 645 link frame, shared by the 2007 and 1997 editions (DL/T 645-2007 §4 [H]; DL/T 645-1997 §4 [H]):
 *
 *   [FE…FE] 68 A0 A1 A2 A3 A4 A5 68 C L DATA(L bytes, each +0x33) CS 16
 *
 * - FE bytes are an optional wake-up preamble (usually four) that receivers skip.
 * - A0..A5: 12 BCD digits, least significant byte first. A byte 0xAA is a wildcard ("any two digits"), used
 *   to read an unknown address (13H to AAAAAAAAAAAA) or to address a group; 999999999999 is broadcast (only
 *   for broadcast time sync and freeze; meters do not answer it).
 * - C: D7 direction (1 = from the meter), D6 abnormal reply, D5 "more frames follow", D4..D0 function.
 * - CS: 8-bit sum of every byte from the first 68 to the end of DATA.
 * - DATA is sent with 0x33 added to each byte (mod 256) and is unscrambled here; the frame value holds the
 *   plain bytes.
 */
import { ByteReader } from "../common/byte-reader.ts";
import { ByteWriter } from "../common/byte-writer.ts";
import { sum8 } from "../common/checksum.ts";
import { catchDecode, type Result, raise } from "../common/decode-error.ts";

export const FRAME_START = 0x68;
export const FRAME_END = 0x16;
export const PREAMBLE_BYTE = 0xfe;
/** DL/T 645-2007 §4.3: each data byte is sent plus 33H [H]. */
export const SCRAMBLE_OFFSET = 0x33;
/** Bytes around the data field: 68, 6 address bytes, 68, C, L, CS, 16. */
export const FRAME_OVERHEAD = 12;
/** The usual wake-up preamble (DL/T 645-2007 §4.4 [H]: "前导字节 FEH", typically four). */
export const DEFAULT_PREAMBLE = Uint8Array.of(0xfe, 0xfe, 0xfe, 0xfe);

export const BROADCAST_ADDRESS = "999999999999";
export const WILDCARD_ADDRESS = "AAAAAAAAAAAA";

export interface Dlt645Frame {
  /** 12 characters, most significant first; each byte is two digits or "AA" (wildcard). */
  readonly address: string;
  readonly control: number;
  /** The data field with the +0x33 scrambling already removed. */
  readonly data: Uint8Array;
}

export interface ControlBits {
  /** D7: 1 = reply from the meter. */
  readonly reply: boolean;
  /** D6: 1 = abnormal reply (data holds an error byte). */
  readonly abnormal: boolean;
  /** D5: 1 = more frames follow. */
  readonly more: boolean;
  /** D4..D0: the function code. */
  readonly fn: number;
}

export function parseControl(control: number): ControlBits {
  return {
    reply: (control & 0x80) !== 0,
    abnormal: (control & 0x40) !== 0,
    more: (control & 0x20) !== 0,
    fn: control & 0x1f,
  };
}

export function makeControl(bits: ControlBits): number {
  return (bits.reply ? 0x80 : 0) | (bits.abnormal ? 0x40 : 0) | (bits.more ? 0x20 : 0) | (bits.fn & 0x1f);
}

const ADDRESS_PATTERN = /^(?:[0-9]{2}|AA)+$/;

/** True for a 12-character address of digit pairs and/or "AA" wildcard pairs. */
export function isValidAddress(address: string): boolean {
  return address.length === 12 && ADDRESS_PATTERN.test(address);
}

/** Does the frame address `target` select the meter whose own address is `own`? (AA pairs match anything.) */
export function addressMatches(target: string, own: string): boolean {
  if (target.length !== 12 || own.length !== 12) return false;
  for (let i = 0; i < 12; i += 2) {
    const pair = target.slice(i, i + 2);
    if (pair !== "AA" && pair !== own.slice(i, i + 2)) return false;
  }
  return true;
}

export function isBroadcast(address: string): boolean {
  return address === BROADCAST_ADDRESS;
}

export function hasWildcard(address: string): boolean {
  for (let i = 0; i < 12; i += 2) if (address.slice(i, i + 2) === "AA") return true;
  return false;
}

/** Reads the 6 address bytes (LSB first) into the 12-character form; raises `bad-value` on other bytes. */
function readAddress(reader: ByteReader, field: string): string {
  const at = reader.offset;
  const view = reader.bytesView(6, field);
  let out = "";
  for (let i = 5; i >= 0; i--) {
    const byte = view[i] as number;
    if (byte === 0xaa) {
      out += "AA";
      continue;
    }
    if (byte >> 4 > 9 || (byte & 0x0f) > 9) {
      raise({ code: "bad-value", field, offset: at + i, expected: "BCD digits or AA", actual: byte });
    }
    out += String(byte >> 4) + String(byte & 0x0f);
  }
  return out;
}

/** The 12-character address as 6 wire bytes, least significant first. Throws RangeError on a bad address. */
export function encodeAddress(address: string): Uint8Array {
  if (!isValidAddress(address)) throw new RangeError(`bad DL/T 645 address "${address}"`);
  const out = new Uint8Array(6);
  for (let i = 0; i < 6; i++) {
    const pair = address.slice(10 - 2 * i, 12 - 2 * i);
    out[i] = pair === "AA" ? 0xaa : Number.parseInt(pair, 16);
  }
  return out;
}

/** Decodes exactly one frame (optionally preceded by FE bytes). Total: bad input gives a `DecodeError`. */
export function decodeFrame(bytes: Uint8Array): Result<Dlt645Frame> {
  return catchDecode(() => {
    let skip = 0;
    while (skip < bytes.length && bytes[skip] === PREAMBLE_BYTE) skip++;
    const reader = new ByteReader(bytes.subarray(skip), skip);
    const startAt = reader.offset;
    const start = reader.u8("start");
    if (start !== FRAME_START) {
      raise({ code: "bad-start", field: "start", offset: startAt, expected: FRAME_START, actual: start });
    }
    const address = readAddress(reader, "address");
    const start2At = reader.offset;
    const start2 = reader.u8("start2");
    if (start2 !== FRAME_START) {
      raise({ code: "bad-start", field: "start2", offset: start2At, expected: FRAME_START, actual: start2 });
    }
    const control = reader.u8("control");
    const length = reader.u8("length");
    const scrambled = reader.bytesView(length, "data");
    const csAt = reader.offset;
    const cs = reader.u8("checksum");
    const expected = sum8(bytes, skip, csAt);
    if (cs !== expected) {
      raise({ code: "checksum", field: "checksum", offset: csAt, expected, actual: cs });
    }
    const endAt = reader.offset;
    const end = reader.u8("end");
    if (end !== FRAME_END) {
      raise({ code: "bad-end", field: "end", offset: endAt, expected: FRAME_END, actual: end });
    }
    reader.expectEnd("end");
    const data = new Uint8Array(length);
    for (let i = 0; i < length; i++) data[i] = ((scrambled[i] as number) - SCRAMBLE_OFFSET) & 0xff;
    return { address, control, data };
  });
}

export interface EncodeFrameOptions {
  /** Wake-up preamble to put before the frame; default none. */
  readonly preamble?: Uint8Array;
}

/** Encodes a frame; throws RangeError on a bad address or a data field over 255 bytes (caller's bug). */
export function encodeFrame(frame: Dlt645Frame, options: EncodeFrameOptions = {}): Uint8Array {
  if (frame.data.length > 255) throw new RangeError(`DL/T 645 data field too long (${frame.data.length})`);
  const writer = new ByteWriter(FRAME_OVERHEAD + frame.data.length + (options.preamble?.length ?? 0));
  if (options.preamble !== undefined) writer.bytes(options.preamble);
  const start = writer.length;
  writer.u8(FRAME_START).bytes(encodeAddress(frame.address)).u8(FRAME_START).u8(frame.control);
  writer.u8(frame.data.length);
  for (const byte of frame.data) writer.u8(byte + SCRAMBLE_OFFSET);
  const out = writer.u8(0).u8(FRAME_END).finish();
  out[out.length - 2] = sum8(out, start, out.length - 2);
  return out;
}

/** Offset of the first 68 after any FE preamble (for cheap peeks by detectors and buses). */
export function frameStart(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length && bytes[i] === PREAMBLE_BYTE) i++;
  return i;
}
