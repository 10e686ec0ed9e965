/**
 * The Q/GDW 1376.1 frame layer (shared/protocol/gw1376-1.md §1, §2.2, §2.4) — everything except the data
 * units' contents:
 *
 *   68 | L L | L L | 68 | C | A1 A1 A2 A2 A3 | AFN | SEQ | data units … | PW(16)? EC(2)? Tp(6)? | CS | 16
 *        └ L = L1 << 2 | PID, sent twice      └──────────── L1 bytes, summed into CS ──────────────┘
 *
 * PW is present on downlink frames of the AFNs in `profile.pwAfns`, EC iff DIR=1 and ACD=1, Tp iff SEQ.TpV.
 */
import { ByteWriter } from "../common/byte-writer.ts";
import { sum8 } from "../common/checksum.ts";
import { catchDecode, type Result, raise } from "../common/decode-error.ts";
import { byteHex, toHex } from "../common/hex.ts";
import { type Gw13761Profile, PROFILE_2013 } from "./profile.ts";

export const START = 0x68;
export const END = 0x16;
/** Bytes around the L1 user-data bytes: 68 L L L L 68 … CS 16. */
export const FRAME_OVERHEAD = 8;
/** L1 is 14 bits. */
export const MAX_L1 = 0x3fff;
export const PID_GW1376 = 2;
/** C + A(5) + AFN + SEQ. */
const FIXED_USER_BYTES = 8;

/** Control field C (§1.3). `fcbAcd` is FCB on the downlink and ACD on the uplink. */
export interface Control {
  /** 0 = master → terminal (downlink), 1 = terminal → master (uplink). */
  readonly dir: 0 | 1;
  /** 1 = this frame comes from the initiating station. */
  readonly prm: 0 | 1;
  readonly fcbAcd: 0 | 1;
  /** Downlink FCV; must be 0 on the uplink (reserved). */
  readonly fcv: 0 | 1;
  /** Function code 0..15. */
  readonly fc: number;
}

/** Address field A (§1.4). */
export interface Address {
  /** A1, administrative area code as 4 hex digits, most significant first ("4403"; "FFFF" on broadcasts). */
  readonly area: string;
  /** A2, terminal address 0..65535 (0xFFFF with `group` = broadcast). */
  readonly terminal: number;
  /** MSA, master station address 0..127 (0 on terminal-initiated frames). */
  readonly master: number;
  /** A3.D0: `terminal` is a group address. */
  readonly group: boolean;
}

/** Sequence field SEQ (§2.2). */
export interface Seq {
  readonly tpv: boolean;
  readonly fir: boolean;
  readonly fin: boolean;
  readonly con: boolean;
  /** PSEQ / RSEQ 0..15. */
  readonly seq: number;
}

/** Time label Tp (§2.4): PFC, send time (A.16 day/hour/minute/second), allowed delay in minutes. */
export interface TimeLabel {
  readonly pfc: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  /** Minutes; 0 = do not check staleness. */
  readonly delay: number;
}

export interface EventCounters {
  readonly ec1: number;
  readonly ec2: number;
}

/** A decoded frame whose data units are still bytes (`userData`). */
export interface Frame {
  readonly pid: number;
  readonly control: Control;
  readonly address: Address;
  readonly afn: number;
  readonly seq: Seq;
  /** The data-unit region between SEQ and the AUX fields (a view into the decoded buffer). */
  readonly userData: Uint8Array;
  /** Offset of `userData[0]` in the decoded buffer, for error reports from the data-unit layer. */
  readonly userDataOffset: number;
  readonly pw?: Uint8Array;
  readonly ec?: EventCounters;
  readonly tp?: TimeLabel;
}

export type FrameInit = Omit<Frame, "pid" | "userDataOffset"> & { readonly pid?: number };

export function decodeControl(c: number): Control {
  return {
    dir: ((c >> 7) & 1) as 0 | 1,
    prm: ((c >> 6) & 1) as 0 | 1,
    fcbAcd: ((c >> 5) & 1) as 0 | 1,
    fcv: ((c >> 4) & 1) as 0 | 1,
    fc: c & 0x0f,
  };
}

export function encodeControl(control: Control): number {
  return (
    (control.dir << 7) | (control.prm << 6) | (control.fcbAcd << 5) | (control.fcv << 4) | (control.fc & 0x0f)
  );
}

export function decodeSeq(s: number): Seq {
  return {
    tpv: (s & 0x80) !== 0,
    fir: (s & 0x40) !== 0,
    fin: (s & 0x20) !== 0,
    con: (s & 0x10) !== 0,
    seq: s & 0x0f,
  };
}

export function encodeSeq(seq: Seq): number {
  return (
    (seq.tpv ? 0x80 : 0) |
    (seq.fir ? 0x40 : 0) |
    (seq.fin ? 0x20 : 0) |
    (seq.con ? 0x10 : 0) |
    (seq.seq & 0x0f)
  );
}

/** Whether a frame with this direction and AFN carries PW under `profile` (§2.4). */
export function hasPw(dir: 0 | 1, afn: number, profile: Gw13761Profile): boolean {
  return dir === 0 && profile.pwAfns.includes(afn);
}

function bcdNibblesOk(byte: number): boolean {
  return byte >> 4 <= 9 && (byte & 0x0f) <= 9;
}

/** Tp at `bytes[at .. at + 6)` (in bounds: the frame length was checked). */
function readTimeLabel(bytes: Uint8Array, at: number): TimeLabel {
  for (let i = at + 1; i < at + 5; i++) {
    if (!bcdNibblesOk(bytes[i] as number)) {
      raise({
        code: "bad-value",
        field: "tp.sendTime",
        offset: at + 1,
        expected: "A.16 BCD",
        actual: toHex(bytes.subarray(at + 1, at + 5)),
      });
    }
  }
  const bcd = (b: number) => (b >> 4) * 10 + (b & 0x0f);
  return {
    pfc: bytes[at] as number,
    second: bcd(bytes[at + 1] as number),
    minute: bcd(bytes[at + 2] as number),
    hour: bcd(bytes[at + 3] as number),
    day: bcd(bytes[at + 4] as number),
    delay: bytes[at + 5] as number,
  };
}

function writeTimeLabel(writer: ByteWriter, tp: TimeLabel): void {
  const bcd = (v: number, name: string, max: number) => {
    if (!Number.isInteger(v) || v < 0 || v > max) throw new RangeError(`tp.${name} ${v} outside 0..${max}`);
    return ((Math.floor(v / 10) << 4) | (v % 10)) & 0xff;
  };
  writer.u8(tp.pfc & 0xff);
  writer
    .u8(bcd(tp.second, "second", 59))
    .u8(bcd(tp.minute, "minute", 59))
    .u8(bcd(tp.hour, "hour", 23));
  writer.u8(bcd(tp.day, "day", 31)).u8(tp.delay & 0xff);
}

/** Skips FE wake-up bytes some serial/IR devices prepend (vector X2). */
export function skipPreamble(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length && bytes[i] === 0xfe) i++;
  return i;
}

/**
 * Checks the fixed header at `bytes[at..at+6)`: 68, two equal L copies with an acceptable PID, 68.
 * Returns L1, or a negative number naming what was wrong (for the splitter's fast path).
 */
export function headerL1(bytes: Uint8Array, at: number, profile: Gw13761Profile): number {
  if (bytes[at] !== START || bytes[at + 5] !== START) return -1;
  const l = (bytes[at + 1] as number) | ((bytes[at + 2] as number) << 8);
  const l2 = (bytes[at + 3] as number) | ((bytes[at + 4] as number) << 8);
  if (l !== l2) return -2;
  const pid = l & 0x03;
  if (pid !== PID_GW1376 && !(pid === 1 && profile.acceptPid1)) return -3;
  return l >> 2;
}

/**
 * Decodes exactly one frame (after an optional FE preamble). Never throws; every failure is a DecodeError
 * naming the field and the byte offset.
 */
export function decodeFrame(bytes: Uint8Array, profile: Gw13761Profile = PROFILE_2013): Result<Frame> {
  return catchDecode(() => readFrame(bytes, profile));
}

/**
 * The frame in `bytes`, read in place: every index is checked before it is read (the header field by field,
 * the rest once against L), so offsets in errors are indices into `bytes`.
 */
function readFrame(bytes: Uint8Array, profile: Gw13761Profile): Frame {
  const start = skipPreamble(bytes);
  const available = bytes.length - start;
  need(available, start, 0, 1, "start");
  const s1 = bytes[start] as number;
  if (s1 !== START)
    raise({ code: "bad-start", field: "start", offset: start, expected: "68", actual: byteHex(s1) });
  need(available, start, 1, 2, "length");
  const l = (bytes[start + 1] as number) | ((bytes[start + 2] as number) << 8);
  need(available, start, 3, 2, "lengthCopy");
  const lCopy = (bytes[start + 3] as number) | ((bytes[start + 4] as number) << 8);
  if (l !== lCopy) {
    raise({
      code: "bad-length",
      field: "lengthCopy",
      offset: start + 3,
      expected: wordHex(l),
      actual: wordHex(lCopy),
    });
  }
  const pid = l & 0x03;
  if (pid !== PID_GW1376 && !(pid === 1 && profile.acceptPid1)) {
    raise({
      code: "bad-protocol",
      field: "length.pid",
      offset: start + 1,
      expected: PID_GW1376,
      actual: pid,
    });
  }
  const l1 = l >> 2;
  need(available, start, 5, 1, "start2");
  const s2 = bytes[start + 5] as number;
  if (s2 !== START)
    raise({ code: "bad-start", field: "start2", offset: start + 5, expected: "68", actual: byteHex(s2) });
  if (l1 < FIXED_USER_BYTES) {
    raise({
      code: "bad-length",
      field: "length",
      offset: start + 1,
      expected: `>= ${FIXED_USER_BYTES}`,
      actual: l1,
    });
  }
  const total = l1 + FRAME_OVERHEAD;
  if (available < total) {
    raise({
      code: "truncated",
      field: "frame",
      offset: bytes.length,
      expected: `${total} bytes`,
      actual: `${available} bytes`,
    });
  }
  const csAt = start + 6 + l1;
  const cs = bytes[csAt] as number;
  const computed = sum8(bytes, start + 6, csAt);
  if (cs !== computed)
    raise({
      code: "checksum",
      field: "cs",
      offset: csAt,
      expected: byteHex(computed),
      actual: byteHex(cs),
    });
  const end = bytes[csAt + 1] as number;
  if (end !== END)
    raise({ code: "bad-end", field: "end", offset: csAt + 1, expected: "16", actual: byteHex(end) });
  if (available > total) {
    raise({
      code: "trailing-bytes",
      field: "frame",
      offset: start + total,
      expected: "end of input",
      actual: `${available - total} more bytes`,
    });
  }

  // From here every read is inside the L1 user-data bytes (L1 >= 8 covers C, A, AFN, SEQ).
  const u = start + 6;
  const control = decodeControl(bytes[u] as number);
  const a3 = bytes[u + 5] as number;
  const address: Address = {
    area: byteHex(bytes[u + 2] as number) + byteHex(bytes[u + 1] as number),
    terminal: (bytes[u + 3] as number) | ((bytes[u + 4] as number) << 8),
    master: a3 >> 1,
    group: (a3 & 1) === 1,
  };
  const afn = bytes[u + 6] as number;
  const seq = decodeSeq(bytes[u + 7] as number);

  const pwLen = hasPw(control.dir, afn, profile) ? 16 : 0;
  const ecLen = control.dir === 1 && control.fcbAcd === 1 ? 2 : 0;
  const tpLen = seq.tpv ? 6 : 0;
  const userDataOffset = u + FIXED_USER_BYTES;
  const dataLen = csAt - userDataOffset - pwLen - ecLen - tpLen;
  if (dataLen < 0) {
    raise({
      code: "bad-length",
      field: "aux",
      offset: userDataOffset,
      expected: `${pwLen + ecLen + tpLen} AUX bytes`,
      actual: `${csAt - userDataOffset} bytes`,
    });
  }
  let aux = userDataOffset + dataLen;
  const frame: { -readonly [K in keyof Frame]: Frame[K] } = {
    pid,
    control,
    address,
    afn,
    seq,
    userData: bytes.subarray(userDataOffset, aux),
    userDataOffset,
  };
  if (pwLen > 0) {
    frame.pw = bytes.subarray(aux, aux + 16);
    aux += 16;
  }
  if (ecLen > 0) {
    frame.ec = { ec1: bytes[aux] as number, ec2: bytes[aux + 1] as number };
    aux += 2;
  }
  if (tpLen > 0) frame.tp = readTimeLabel(bytes, aux);
  return frame;
}

/** Raises `truncated` for header field `field` (`n` bytes at `at` past `start`) when it is not all there. */
function need(available: number, start: number, at: number, n: number, field: string): void {
  if (available - at < n) {
    raise({
      code: "truncated",
      field,
      offset: start + at,
      expected: `${n} bytes`,
      actual: `${available - at} bytes`,
    });
  }
}

/**
 * Encodes a frame. AUX presence follows the header (PW by direction/AFN, EC by DIR+ACD, Tp by TpV) so an
 * inconsistent frame cannot be produced: a missing PW is sent as zeros (authentication scheme 0), a missing
 * EC as zeros; a missing Tp with TpV set is a RangeError.
 */
export function encodeFrame(frame: FrameInit, profile: Gw13761Profile = PROFILE_2013): Uint8Array {
  const pid = frame.pid ?? PID_GW1376;
  const w = new ByteWriter(frame.userData.length + 48);
  w.u8(START).u16le(0).u16le(0).u8(START);
  w.u8(encodeControl(frame.control));
  const area = frame.address.area;
  if (!/^[0-9A-Fa-f]{4}$/.test(area)) throw new RangeError(`address.area "${area}" is not 4 hex digits`);
  const areaNum = Number.parseInt(area, 16);
  w.u8(areaNum & 0xff).u8(areaNum >> 8);
  if (
    !Number.isInteger(frame.address.terminal) ||
    frame.address.terminal < 0 ||
    frame.address.terminal > 0xffff
  ) {
    throw new RangeError(`address.terminal ${frame.address.terminal} outside 0..65535`);
  }
  if (!Number.isInteger(frame.address.master) || frame.address.master < 0 || frame.address.master > 127) {
    throw new RangeError(`address.master ${frame.address.master} outside 0..127`);
  }
  w.u16le(frame.address.terminal).u8((frame.address.master << 1) | (frame.address.group ? 1 : 0));
  w.u8(frame.afn).u8(encodeSeq(frame.seq));
  w.bytes(frame.userData);
  if (hasPw(frame.control.dir, frame.afn, profile)) {
    const pw = frame.pw ?? new Uint8Array(16);
    if (pw.length !== 16) throw new RangeError(`aux.pw must be 16 bytes, got ${pw.length}`);
    w.bytes(pw);
  }
  if (frame.control.dir === 1 && frame.control.fcbAcd === 1) w.u8(frame.ec?.ec1 ?? 0).u8(frame.ec?.ec2 ?? 0);
  if (frame.seq.tpv) {
    if (frame.tp === undefined) throw new RangeError("SEQ.TpV is set but no tp was given");
    writeTimeLabel(w, frame.tp);
  }
  const l1 = w.length - 6;
  if (l1 > MAX_L1) throw new RangeError(`frame user data ${l1} bytes exceeds L1 maximum ${MAX_L1}`);
  const l = (l1 << 2) | (pid & 3);
  w.setU8(1, l & 0xff)
    .setU8(2, l >> 8)
    .setU8(3, l & 0xff)
    .setU8(4, l >> 8);
  const bytes = w.u8(0).u8(END).finish();
  bytes[bytes.length - 2] = sum8(bytes, 6, bytes.length - 2);
  return bytes;
}

function wordHex(v: number): string {
  return byteHex(v >> 8) + byteHex(v);
}
