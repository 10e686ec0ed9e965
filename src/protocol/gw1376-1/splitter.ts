/**
 * Splits a byte stream into whole Q/GDW 1376.1 frames (conventions §7: stateless over an explicit carry-over).
 *
 * Resynchronisation as real firmwares do it (shared/protocol/gw1376-1.md §1.5 [H]): find 68, require both L
 * copies equal with an acceptable PID and 68 at +5, wait for L1+8 bytes, check CS and 16; on any failure drop
 * one byte and search again. Garbage and FE preambles are dropped and counted. The carry-over never exceeds
 * one maximum frame, because a candidate's length is known from its header before we wait for it.
 * Discarding a partial frame that never completes is the link's job (a timeout), via `FrameSplitter.reset`.
 */
import { sum8 } from "../common/checksum.ts";
import { type SplitResult, StreamSplitter } from "../common/stream-splitter.ts";
import { END, FRAME_OVERHEAD, headerL1, MAX_L1 } from "./frame.ts";
import { type Gw13761Profile, PROFILE_2013 } from "./profile.ts";

export interface SplitOptions {
  readonly profile?: Gw13761Profile;
  /** Largest L1 accepted; a header announcing more is treated as garbage. Default the 14-bit maximum. */
  readonly maxL1?: number;
}

const HEADER_BYTES = 6;
const EMPTY = new Uint8Array(0);

/** Scans `carry + chunk` for frames. Pure: the caller keeps `rest` and passes it back as `carry`. */
export function splitFrames(carry: Uint8Array, chunk: Uint8Array, options: SplitOptions = {}): SplitResult {
  const profile = options.profile ?? PROFILE_2013;
  const maxL1 = Math.min(options.maxL1 ?? MAX_L1, MAX_L1);
  let buf: Uint8Array;
  if (carry.length === 0) buf = chunk;
  else if (chunk.length === 0) buf = carry;
  else {
    buf = new Uint8Array(carry.length + chunk.length);
    buf.set(carry);
    buf.set(chunk, carry.length);
  }
  const frames: Uint8Array[] = [];
  let discarded = 0;
  let i = 0;
  while (i < buf.length) {
    if (buf[i] !== 0x68) {
      i++;
      discarded++;
      continue;
    }
    if (buf.length - i < HEADER_BYTES) break; // wait for the rest of the header
    const l1 = headerL1(buf, i, profile);
    if (l1 < 8 || l1 > maxL1) {
      i++;
      discarded++;
      continue;
    }
    const total = l1 + FRAME_OVERHEAD;
    if (buf.length - i < total) break; // wait for the rest of the frame
    const csAt = i + HEADER_BYTES + l1;
    if (buf[csAt] !== sum8(buf, i + HEADER_BYTES, csAt) || buf[csAt + 1] !== END) {
      i++;
      discarded++;
      continue;
    }
    frames.push(buf.subarray(i, i + total));
    i += total;
  }
  // Copy the tail so the caller's carry does not pin a large input buffer.
  return { frames, discarded, rest: buf.slice(i) };
}

/** The link-side splitter: carry-over, drop counts and partial-frame reset (common/stream-splitter.ts). */
export class FrameSplitter extends StreamSplitter {
  constructor(options: SplitOptions = {}) {
    super((buffer) => splitFrames(EMPTY, buffer, options));
  }
}
