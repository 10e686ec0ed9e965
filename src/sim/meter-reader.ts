/**
 * A minimal DL/T 645 master for simulations, tests and benches: send one request on a byte stream and wait
 * for the first complete frame (or a timeout). The real RS-485 channel (retries, gaps, queues) lives in
 * `channels/`; this helper only exchanges.
 */

import { DEFAULT_PREAMBLE } from "../protocol/dlt645/frame.ts";
import type { Dlt645Edition } from "../protocol/dlt645/functions.ts";
import { type Dlt645Message, decodeMessageBytes, encodeMessage } from "../protocol/dlt645/message.ts";
import { FrameSplitter } from "../protocol/dlt645/splitter.ts";
import type { ByteStream } from "../transport/byte-stream.ts";

export interface ExchangeResult {
  /** Complete frames received before the timeout (or the first one, with `firstOnly`). */
  readonly frames: Uint8Array[];
  /** Bytes received that were not part of a frame (garbage, collisions). */
  readonly discarded: number;
  readonly elapsedMs: number;
}

/** Writes `request` and collects answer frames for up to `timeoutMs` (stops at the first when `firstOnly`). */
export async function exchange(
  stream: ByteStream,
  request: Uint8Array,
  timeoutMs: number,
  firstOnly = true,
): Promise<ExchangeResult> {
  const splitter = new FrameSplitter();
  const frames: Uint8Array[] = [];
  const started = performance.now();
  let finish!: () => void;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const unsubscribe = stream.onData((chunk) => {
    frames.push(...splitter.push(chunk));
    if (firstOnly && frames.length > 0) finish();
  });
  const timer = setTimeout(finish, timeoutMs);
  try {
    await stream.write(request);
    await done;
  } finally {
    clearTimeout(timer);
    unsubscribe();
  }
  return { frames, discarded: splitter.discarded + splitter.pending, elapsedMs: performance.now() - started };
}

/** Sends a message (with the usual FE preamble) and decodes the first answer, if any. */
export async function request(
  stream: ByteStream,
  message: Dlt645Message,
  timeoutMs: number,
  edition?: Dlt645Edition,
): Promise<Dlt645Message | undefined> {
  const result = await exchange(stream, encodeMessage(message, { preamble: DEFAULT_PREAMBLE }), timeoutMs);
  const first = result.frames[0];
  if (first === undefined) return undefined;
  const decoded = decodeMessageBytes(first, edition ?? message.edition);
  return decoded.ok ? decoded.value : undefined;
}
