/**
 * Q/GDW 1376.2 frame layer: start, length, control byte, information field R, optional address field,
 * AFN, DT (→ Fn), data, checksum, end. Pure and total: `decodeFrame` never throws on bad input.
 *
 *   68 | L (2, LE, whole frame) | C | R (6) | [A: src 6, relays 6·n, dst 6] | AFN | DT1 DT2 | data | CS | 16
 *
 * Facts: docs/protocol/gw1376-2.md §1–§3.
 */
import {
  ByteReader,
  ByteWriter,
  catchDecode,
  type DecodeError,
  decodeError,
  fail,
  type Result,
  raise,
  sum8,
} from "../common/index.ts";

export const FRAME_START = 0x68;
export const FRAME_END = 0x16;
/** 68 + L(2) + C + R(6) + AFN + DT(2) + CS + 16. */
export const MIN_FRAME_LEN = 15;
/** docs/protocol/gw1376-2.md §1.2 [M]: modules advertise ≤ 2 kB; we accept up to this and refuse more. */
export const MAX_FRAME_LEN = 4096;
export const ADDRESS_LEN = 6;
export const MAX_RELAYS = 15;

/** Communication mode, C bits D5..D0 (§1.3 [M]). Other values are carried as numbers. */
export const COMM_MODE = {
  centralisedNarrowband: 1,
  distributedNarrowband: 2,
  broadband: 3,
  microPowerWireless: 10,
  ethernet: 20,
} as const;

export interface Control {
  /** D7: "down" = concentrator → module, "up" = module → concentrator. */
  readonly dir: "down" | "up";
  /** D6 PRM: true when the frame comes from the initiating station. */
  readonly prm: boolean;
  /** D5..D0 communication mode (see COMM_MODE). */
  readonly mode: number;
}

/** Downlink information field R (§2.1 [H]). */
export interface InfoDown {
  readonly dir: "down";
  /** R1 D0: 0 = module routes (router mode), 1 = bypass. */
  readonly routeBypass: boolean;
  /** R1 D1: the addressed slave node has attached (subsidiary) nodes. */
  readonly attachedNodes: boolean;
  /** R1 D2: 1 = the frame is for a slave node's module → address field present. */
  readonly toSlave: boolean;
  /** R1 D3. */
  readonly conflictDetect: boolean;
  /** R1 D7..D4, 0..15. */
  readonly relayLevel: number;
  /** R2 D3..D0. */
  readonly channel: number;
  /** R2 D7..D4: 0 none, 1 RS. */
  readonly errorCoding: number;
  /** R3: expected reply bytes (for the module's wait estimate). */
  readonly expectedReplyBytes: number;
  /** R4..R5 D14..D0; 0 = default rate. */
  readonly rate: number;
  /** R5 D7 (bit 15): false bps, true kbps. */
  readonly rateInKbps: boolean;
  /** R6 message sequence number (2013). */
  readonly seq: number;
}

/** Uplink information field R (§2.2 [H]). */
export interface InfoUp {
  readonly dir: "up";
  readonly routeBypass: boolean;
  /** R1 D2: 1 = the frame carries a slave node's data → address field present. */
  readonly fromSlave: boolean;
  readonly relayLevel: number;
  readonly channel: number;
  /** R3 D3..D0 measured phase (0 unknown, 1..3) [L: some vendors use a bit mask]. */
  readonly phase: number;
  /** R3 D7..D4 meter channel characteristics. */
  readonly meterChannel: number;
  /** R4 D3..D0 last-hop command signal quality 0..15. */
  readonly commandQuality: number;
  /** R4 D7..D4 last-hop reply signal quality 0..15. */
  readonly replyQuality: number;
  /** R5 D0: slave-node event pending. */
  readonly eventFlag: boolean;
  /** R5 D7..D1, kept as read. */
  readonly r5Reserved: number;
  readonly seq: number;
}

export type Info = InfoDown | InfoUp;

/** Address field (present when R1 D2 = 1), addresses as 12 hex digits, most significant byte first. */
export interface AddressField {
  readonly source: string;
  readonly relays: readonly string[];
  readonly destination: string;
}

export interface Frame {
  readonly control: Control;
  readonly info: Info;
  readonly address?: AddressField;
  readonly afn: number;
  readonly fn: number;
  /** Data unit after DT (a view into the decoded buffer). */
  readonly data: Uint8Array;
}

// ---------------------------------------------------------------------------------------------------------
// DT ↔ Fn: DT1 is a one-bit map inside group DT2; Fn = DT2·8 + bit + 1 (same encoding as 1376.1, §1.5 [H]).

export function fnToDt(fn: number): [number, number] {
  if (!Number.isInteger(fn) || fn < 1 || fn > 248) throw new RangeError(`Fn ${fn} out of 1..248`);
  return [1 << ((fn - 1) % 8), Math.floor((fn - 1) / 8)];
}

/** Fn of a DT, or undefined when DT1 has not exactly one bit set. */
export function dtToFn(dt1: number, dt2: number): number | undefined {
  if (dt1 === 0 || (dt1 & (dt1 - 1)) !== 0) return undefined;
  return dt2 * 8 + Math.log2(dt1) + 1;
}

// ---------------------------------------------------------------------------------------------------------
// Addresses: 6 bytes on the wire, least significant byte first (like DL/T 645). Shown as 12 hex digits, most
// significant first, which equals the meter number for BCD addresses and stays total for any bytes.

export function readAddress(reader: ByteReader, field: string): string {
  const bytes = reader.bytesView(ADDRESS_LEN, field);
  let out = "";
  for (let i = ADDRESS_LEN - 1; i >= 0; i--) out += (bytes[i] as number).toString(16).padStart(2, "0");
  return out;
}

export function isAddress(text: string): boolean {
  return /^[0-9a-fA-F]{12}$/.test(text);
}

export function writeAddress(writer: ByteWriter, address: string): void {
  if (!isAddress(address)) throw new RangeError(`address "${address}" is not 12 hex digits`);
  for (let i = ADDRESS_LEN - 1; i >= 0; i--) {
    writer.u8(Number.parseInt(address.slice(2 * i, 2 * i + 2), 16));
  }
}

// ---------------------------------------------------------------------------------------------------------

function decodeControl(byte: number): Control {
  return { dir: byte & 0x80 ? "up" : "down", prm: (byte & 0x40) !== 0, mode: byte & 0x3f };
}

function encodeControl(c: Control): number {
  if (c.mode < 0 || c.mode > 0x3f) throw new RangeError(`communication mode ${c.mode} out of 0..63`);
  return (c.dir === "up" ? 0x80 : 0) | (c.prm ? 0x40 : 0) | c.mode;
}

function decodeInfo(dir: "down" | "up", r: Uint8Array): Info {
  const [r1, r2, r3, r4, r5, r6] = r as unknown as [number, number, number, number, number, number];
  if (dir === "down") {
    const rateWord = r4 | (r5 << 8);
    return {
      dir,
      routeBypass: (r1 & 0x01) !== 0,
      attachedNodes: (r1 & 0x02) !== 0,
      toSlave: (r1 & 0x04) !== 0,
      conflictDetect: (r1 & 0x08) !== 0,
      relayLevel: r1 >> 4,
      channel: r2 & 0x0f,
      errorCoding: r2 >> 4,
      expectedReplyBytes: r3,
      rate: rateWord & 0x7fff,
      rateInKbps: (rateWord & 0x8000) !== 0,
      seq: r6,
    };
  }
  return {
    dir,
    routeBypass: (r1 & 0x01) !== 0,
    fromSlave: (r1 & 0x04) !== 0,
    relayLevel: r1 >> 4,
    channel: r2 & 0x0f,
    phase: r3 & 0x0f,
    meterChannel: r3 >> 4,
    commandQuality: r4 & 0x0f,
    replyQuality: r4 >> 4,
    eventFlag: (r5 & 0x01) !== 0,
    r5Reserved: r5 >> 1,
    seq: r6,
  };
}

function nibble(v: number, name: string): number {
  if (!Number.isInteger(v) || v < 0 || v > 15) throw new RangeError(`${name} ${v} out of 0..15`);
  return v;
}

function byte(v: number, name: string): number {
  if (!Number.isInteger(v) || v < 0 || v > 255) throw new RangeError(`${name} ${v} out of 0..255`);
  return v;
}

function encodeInfo(info: Info): number[] {
  if (info.dir === "down") {
    if (!Number.isInteger(info.rate) || info.rate < 0 || info.rate > 0x7fff) {
      throw new RangeError(`rate ${info.rate} out of 0..32767`);
    }
    const rateWord = info.rate | (info.rateInKbps ? 0x8000 : 0);
    return [
      (info.routeBypass ? 1 : 0) |
        (info.attachedNodes ? 2 : 0) |
        (info.toSlave ? 4 : 0) |
        (info.conflictDetect ? 8 : 0) |
        (nibble(info.relayLevel, "relayLevel") << 4),
      nibble(info.channel, "channel") | (nibble(info.errorCoding, "errorCoding") << 4),
      byte(info.expectedReplyBytes, "expectedReplyBytes"),
      rateWord & 0xff,
      rateWord >> 8,
      byte(info.seq, "seq"),
    ];
  }
  if (!Number.isInteger(info.r5Reserved) || info.r5Reserved < 0 || info.r5Reserved > 0x7f) {
    throw new RangeError(`r5Reserved ${info.r5Reserved} out of 0..127`);
  }
  return [
    (info.routeBypass ? 1 : 0) | (info.fromSlave ? 4 : 0) | (nibble(info.relayLevel, "relayLevel") << 4),
    nibble(info.channel, "channel"),
    nibble(info.phase, "phase") | (nibble(info.meterChannel, "meterChannel") << 4),
    nibble(info.commandQuality, "commandQuality") | (nibble(info.replyQuality, "replyQuality") << 4),
    (info.eventFlag ? 1 : 0) | (info.r5Reserved << 1),
    byte(info.seq, "seq"),
  ];
}

/** Whether R says an address field follows (R1 D2, both directions). */
export function hasAddressField(info: Info): boolean {
  return info.dir === "down" ? info.toSlave : info.fromSlave;
}

/** Encodes a frame. Throws RangeError on values that cannot be represented (a programming error). */
export function encodeFrame(frame: Frame): Uint8Array {
  if (frame.info.dir !== frame.control.dir) {
    throw new RangeError(`info field is for "${frame.info.dir}" but control says "${frame.control.dir}"`);
  }
  const withAddress = hasAddressField(frame.info);
  if (withAddress !== (frame.address !== undefined)) {
    throw new RangeError(
      "address field must be present exactly when R1 D2 (communication-module flag) is set",
    );
  }
  if (frame.address && frame.address.relays.length !== frame.info.relayLevel) {
    throw new RangeError(
      `relay level ${frame.info.relayLevel} but ${frame.address.relays.length} relay addresses given`,
    );
  }
  const w = new ByteWriter(32 + frame.data.length);
  w.u8(FRAME_START).u16le(0).u8(encodeControl(frame.control));
  w.bytes(encodeInfo(frame.info));
  if (frame.address) {
    writeAddress(w, frame.address.source);
    for (const relay of frame.address.relays) writeAddress(w, relay);
    writeAddress(w, frame.address.destination);
  }
  const [dt1, dt2] = fnToDt(frame.fn);
  w.u8(byte(frame.afn, "afn")).u8(dt1).u8(dt2).bytes(frame.data);
  const total = w.length + 2;
  if (total > MAX_FRAME_LEN) throw new RangeError(`frame of ${total} bytes exceeds ${MAX_FRAME_LEN}`);
  w.setU8(1, total & 0xff).setU8(2, total >> 8);
  const body = w.finish();
  w.u8(sum8(body, 3)).u8(FRAME_END);
  return w.finish();
}

/** Decodes exactly one frame (no leading or trailing bytes). */
export function decodeFrame(bytes: Uint8Array): Result<Frame> {
  if (bytes.length < 1) {
    return fail(
      decodeError({ code: "truncated", field: "start", offset: 0, expected: "1 byte", actual: "0" }),
    );
  }
  return catchDecode(() => {
    const r = new ByteReader(bytes);
    const start = r.u8("start");
    if (start !== FRAME_START) {
      raise({ code: "bad-start", field: "start", offset: 0, expected: "0x68", actual: hex2(start) });
    }
    const length = r.u16le("length");
    if (length < MIN_FRAME_LEN || length > MAX_FRAME_LEN) {
      raise({
        code: "bad-length",
        field: "length",
        offset: 1,
        expected: `${MIN_FRAME_LEN}..${MAX_FRAME_LEN}`,
        actual: length,
      });
    }
    if (bytes.length < length) {
      raise({
        code: "truncated",
        field: "frame",
        offset: bytes.length,
        expected: `${length} bytes`,
        actual: bytes.length,
      });
    }
    if (bytes.length > length) {
      raise({
        code: "trailing-bytes",
        field: "frame",
        offset: length,
        expected: `${length} bytes`,
        actual: bytes.length,
      });
    }
    const end = bytes[length - 1] as number;
    if (end !== FRAME_END) {
      raise({ code: "bad-end", field: "end", offset: length - 1, expected: "0x16", actual: hex2(end) });
    }
    const cs = bytes[length - 2] as number;
    const sum = sum8(bytes, 3, length - 2);
    if (cs !== sum) {
      raise({ code: "checksum", field: "cs", offset: length - 2, expected: hex2(sum), actual: hex2(cs) });
    }
    const inner = new ByteReader(bytes.subarray(0, length - 2));
    inner.skip(3, "header");
    const control = decodeControl(inner.u8("control"));
    const info = decodeInfo(control.dir, inner.bytesView(6, "info"));
    let address: AddressField | undefined;
    if (hasAddressField(info)) {
      const source = readAddress(inner, "address.source");
      const relays: string[] = [];
      for (let i = 0; i < info.relayLevel; i++) relays.push(readAddress(inner, `address.relays[${i}]`));
      const destination = readAddress(inner, "address.destination");
      address = { source, relays, destination };
    }
    const afn = inner.u8("afn");
    const dtAt = inner.offset;
    const dt1 = inner.u8("dt1");
    const dt2 = inner.u8("dt2");
    const fn = dtToFn(dt1, dt2);
    if (fn === undefined || fn > 248) {
      raise({
        code: "bad-value",
        field: "dt",
        offset: dtAt,
        expected: "one bit in DT1",
        actual: `${hex2(dt1)} ${hex2(dt2)}`,
      });
    }
    const data = inner.rest();
    const frame: Frame = address
      ? { control, info, address, afn, fn, data }
      : { control, info, afn, fn, data };
    return frame;
  });
}

function hex2(v: number): string {
  return `0x${v.toString(16).padStart(2, "0")}`;
}

/** A default downlink R: router mode, no relay, default rate; `toSlave` follows whether an address is given. */
export function downInfo(seq: number, overrides: Partial<Omit<InfoDown, "dir" | "seq">> = {}): InfoDown {
  return {
    dir: "down",
    routeBypass: false,
    attachedNodes: false,
    toSlave: false,
    conflictDetect: false,
    relayLevel: 0,
    channel: 0,
    errorCoding: 0,
    expectedReplyBytes: 0,
    rate: 0,
    rateInKbps: false,
    ...overrides,
    seq: seq & 0xff,
  };
}

/** A default uplink R. */
export function upInfo(seq: number, overrides: Partial<Omit<InfoUp, "dir" | "seq">> = {}): InfoUp {
  return {
    dir: "up",
    routeBypass: false,
    fromSlave: false,
    relayLevel: 0,
    channel: 0,
    phase: 0,
    meterChannel: 0,
    commandQuality: 0,
    replyQuality: 0,
    eventFlag: false,
    r5Reserved: 0,
    ...overrides,
    seq: seq & 0xff,
  };
}

export type { DecodeError };
