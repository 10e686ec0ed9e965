/**
 * The DL/T 645 side of a meter read, shared by the RS-485 and the carrier channel: the request frames
 * (read, read subsequent) and the judgement of an answer frame (is it the awaited reply of that meter for
 * that identifier, a denial, or something else). Pure functions; the channels own the wire.
 */
import {
  addressMatches,
  DEFAULT_PREAMBLE,
  decodeFrame,
  hasWildcard,
  parseControl,
} from "../protocol/dlt645/frame.ts";
import { type Dlt645Edition, describeErrorBits } from "../protocol/dlt645/functions.ts";
import { decodeMessage, encodeMessage, message, readRequest } from "../protocol/dlt645/message.ts";
import type { MeterTarget } from "./meter-channel.ts";

/** A long answer continues in at most this many subsequent frames (bounded: a looping meter cannot). */
export const MAX_CONTINUATION_FRAMES = 15;

export interface FrameOptions {
  /** Wake-up preamble before the frame (RS-485 sends FE FE FE FE; a carrier module wants none). */
  readonly preamble?: Uint8Array;
}

/** "Read data" for one identifier (DL/T 645-2007 C=11 with optional parameters, -1997 C=01). */
export function readFrame(
  meter: MeterTarget,
  di: number,
  params: Uint8Array | undefined,
  options: FrameOptions = { preamble: DEFAULT_PREAMBLE },
): Uint8Array {
  const m = readRequest(meter.edition, meter.address, di);
  const withParams =
    params !== undefined && params.length > 0 && meter.edition === "2007"
      ? { ...m, fields: { ...m.fields, params } }
      : m;
  return encodeMessage(withParams, frameOptions(options));
}

/** "Read subsequent data" for frame `seq` of a long answer (2007: DI + SEQ; 1997: DI). */
export function readNextFrame(
  meter: MeterTarget,
  di: number,
  seq: number,
  options: FrameOptions = { preamble: DEFAULT_PREAMBLE },
): Uint8Array {
  const fields = meter.edition === "2007" ? { di, seq: seq & 0xff } : { di };
  return encodeMessage(
    message(meter.edition, meter.address, "read-next", "request", fields),
    frameOptions(options),
  );
}

function frameOptions(options: FrameOptions): { preamble?: Uint8Array } {
  return options.preamble === undefined || options.preamble.length === 0
    ? {}
    : { preamble: options.preamble };
}

export type ReadAnswer =
  /** The meter's value bytes (unscrambled); `more` = D5 set, a subsequent frame holds the rest. */
  | { readonly kind: "data"; readonly data: Uint8Array; readonly more: boolean }
  /** An abnormal reply from the right meter (error bits named in `detail`). */
  | { readonly kind: "denied"; readonly detail: string }
  /** Not the awaited answer (other meter, other identifier, undecodable). */
  | { readonly kind: "bad"; readonly detail: string };

/**
 * Judges one answer frame to a read (or read-subsequent) of `di` sent to `requested` (which may hold AA
 * wildcards, then any matching meter address is the right one).
 */
export function judgeReadAnswer(
  frame: Uint8Array,
  requested: string,
  edition: Dlt645Edition,
  di: number,
): ReadAnswer {
  const decoded = decodeFrame(frame);
  if (!decoded.ok) return { kind: "bad", detail: `undecodable answer: ${decoded.error.message}` };
  const f = decoded.value;
  if (!parseControl(f.control).reply) return { kind: "bad", detail: "a request frame, not an answer" };
  const rightMeter = hasWildcard(requested) ? addressMatches(requested, f.address) : f.address === requested;
  if (!rightMeter) return { kind: "bad", detail: `answer from ${f.address}, expected ${requested}` };
  const m = decodeMessage(f, edition);
  if (!m.ok) return { kind: "bad", detail: `answer body: ${m.error.message}` };
  const reply = m.value;
  if (reply.function !== "read" && reply.function !== "read-next")
    return { kind: "bad", detail: `answer to ${reply.function}, expected read` };
  if (reply.abnormal) {
    const error = typeof reply.fields.error === "number" ? reply.fields.error : 0;
    const bits = describeErrorBits(edition, error);
    return { kind: "denied", detail: `error 0x${error.toString(16).padStart(2, "0")} (${bits.join(", ")})` };
  }
  if (reply.fields.di !== di)
    return {
      kind: "bad",
      detail: `answer for identifier ${Number(reply.fields.di).toString(16)}, expected ${di.toString(16)}`,
    };
  const data = reply.fields.data;
  if (!(data instanceof Uint8Array)) return { kind: "bad", detail: "answer without data" };
  return { kind: "data", data, more: reply.more };
}

/** Joins the data of a first frame and its continuations. */
export function joinData(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
