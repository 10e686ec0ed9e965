/**
 * Typed messages on top of frames: `decodeMessage` looks the (AFN, Fn) up in the table and decodes the body
 * for the frame's direction; `encodeMessage` is its inverse. Pure and total on input bytes.
 */
import { ByteReader, catchDecode, decodeError, fail, type Result, toHex } from "../common/index.ts";
import { type Body, decodeFields, encodeFields, type Value } from "./fields.ts";
import { findRow } from "./fn-table.ts";
import {
  type AddressField,
  type Control,
  decodeFrame,
  downInfo,
  encodeFrame,
  type Frame,
  type Info,
  type InfoDown,
  type InfoUp,
  upInfo,
} from "./frame.ts";

export interface Message {
  readonly control: Control;
  readonly info: Info;
  readonly address?: AddressField;
  readonly afn: number;
  readonly fn: number;
  readonly name: string;
  readonly body: Body;
}

/** Offset of the data unit inside a frame, for absolute error offsets. */
function dataOffset(frame: Frame): number {
  return 4 + 6 + (frame.address ? 12 + 6 * frame.address.relays.length : 0) + 3;
}

/** Decodes the body of an already framed message. */
export function decodeMessage(frame: Frame): Result<Message> {
  const row = findRow(frame.afn, frame.fn);
  const layout = row ? (frame.control.dir === "down" ? row.down : row.up) : undefined;
  const at = dataOffset(frame);
  if (!row || !layout) {
    return fail(
      decodeError({
        code: "unknown-fn",
        field: "dt",
        offset: at - 2,
        expected: "a supported AFN/Fn for this direction",
        actual: `AFN${hex(frame.afn)} F${frame.fn} ${frame.control.dir}`,
      }),
    );
  }
  return catchDecode(() => {
    const body = decodeFields(new ByteReader(frame.data, at), layout);
    const base = {
      control: frame.control,
      info: frame.info,
      afn: frame.afn,
      fn: frame.fn,
      name: row.name,
      body,
    };
    return frame.address ? { ...base, address: frame.address } : base;
  });
}

/** Frame + body decode of exactly one frame. */
export function decodeMessageBytes(bytes: Uint8Array): Result<Message> {
  const frame = decodeFrame(bytes);
  if (!frame.ok) return frame;
  return decodeMessage(frame.value);
}

export interface MessageSpec {
  readonly control: Control;
  readonly info: Info;
  readonly address?: AddressField;
  readonly afn: number;
  readonly fn: number;
  readonly body: Body;
}

/** Encodes a message; throws RangeError naming the field when the body does not fit its layout. */
export function encodeMessage(spec: MessageSpec): Uint8Array {
  const row = findRow(spec.afn, spec.fn);
  const layout = row ? (spec.control.dir === "down" ? row.down : row.up) : undefined;
  if (!row || !layout)
    throw new RangeError(`no layout for AFN${hex(spec.afn)} F${spec.fn} ${spec.control.dir}`);
  const data = encodeFields(layout, spec.body);
  const frame: Frame = spec.address
    ? { control: spec.control, info: spec.info, address: spec.address, afn: spec.afn, fn: spec.fn, data }
    : { control: spec.control, info: spec.info, afn: spec.afn, fn: spec.fn, data };
  return encodeFrame(frame);
}

/** Communication mode our simulator and client use by default: broadband (HPLC) (§1.3 [M]). */
export const DEFAULT_MODE = 3;

/** A concentrator → module request (PRM=1). */
export function downRequest(
  afn: number,
  fn: number,
  body: Body,
  seq: number,
  opts: {
    mode?: number;
    destination?: string;
    source?: string;
    info?: Partial<Omit<InfoDown, "dir" | "seq">>;
  } = {},
): Uint8Array {
  const toSlave = opts.destination !== undefined;
  const info = downInfo(seq, { ...opts.info, toSlave });
  const control: Control = { dir: "down", prm: true, mode: opts.mode ?? DEFAULT_MODE };
  if (toSlave) {
    const address: AddressField = {
      source: opts.source ?? "000000000000",
      relays: [],
      destination: opts.destination as string,
    };
    return encodeMessage({ control, info: { ...info, relayLevel: 0 }, address, afn, fn, body });
  }
  return encodeMessage({ control, info, afn, fn, body });
}

/** A concentrator → module answer (PRM=0), e.g. AFN00 confirm of an AFN06 report or the AFN14 answer. */
export function downAnswer(
  afn: number,
  fn: number,
  body: Body,
  seq: number,
  mode = DEFAULT_MODE,
): Uint8Array {
  return encodeMessage({ control: { dir: "down", prm: false, mode }, info: downInfo(seq), afn, fn, body });
}

/** A module → concentrator frame. `prm` true for module-initiated frames (AFN06, AFN14). */
export function upFrame(
  afn: number,
  fn: number,
  body: Body,
  seq: number,
  opts: {
    prm?: boolean;
    mode?: number;
    source?: string;
    destination?: string;
    info?: Partial<Omit<InfoUp, "dir" | "seq">>;
  } = {},
): Uint8Array {
  const fromSlave = opts.source !== undefined;
  const info = upInfo(seq, {
    ...opts.info,
    fromSlave,
    relayLevel: fromSlave ? 0 : (opts.info?.relayLevel ?? 0),
  });
  const control: Control = { dir: "up", prm: opts.prm ?? false, mode: opts.mode ?? DEFAULT_MODE };
  if (fromSlave) {
    const address: AddressField = {
      source: opts.source as string,
      relays: [],
      destination: opts.destination ?? "000000000000",
    };
    return encodeMessage({ control, info, address, afn, fn, body });
  }
  return encodeMessage({ control, info, afn, fn, body });
}

/** The standard confirm body: command done, all channels idle, no wait (§4.1 [H]). */
export function confirmBody(waitSeconds = 0): Body {
  return { status: { commandDone: 1, channelsIdle: 0x7fffffff }, waitSeconds };
}

/** One line per field for logs and `opendcu decode`. */
export function describeBody(body: Body, indent = ""): string[] {
  const lines: string[] = [];
  for (const [key, value] of Object.entries(body)) lines.push(...describeValue(key, value, indent));
  return lines;
}

function describeValue(key: string, value: Value, indent: string): string[] {
  if (value instanceof Uint8Array)
    return [`${indent}${key}: ${value.length === 0 ? "(empty)" : toHex(value)}`];
  if (Array.isArray(value)) {
    const lines = [`${indent}${key}: ${value.length} item(s)`];
    value.forEach((item: Body, i: number) => {
      lines.push(`${indent}  [${i}]`);
      lines.push(...describeBody(item, `${indent}    `));
    });
    return lines;
  }
  if (typeof value === "object") return [`${indent}${key}:`, ...describeBody(value as Body, `${indent}  `)];
  return [`${indent}${key}: ${String(value)}`];
}

/** JSON-safe copy of a body (bytes → spaced hex). */
export function bodyToJson(body: Body): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) out[k] = valueToJson(v);
  return out;
}

function valueToJson(v: Value): unknown {
  if (v instanceof Uint8Array) return toHex(v);
  if (Array.isArray(v)) return v.map((item: Body) => bodyToJson(item));
  if (typeof v === "object") return bodyToJson(v as Body);
  return v;
}

function hex(v: number): string {
  return v.toString(16).toUpperCase().padStart(2, "0");
}
