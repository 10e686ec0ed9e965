/**
 * Frame splitter for DL/T 645 byte streams (conventions §7, stage one): finds complete frames in any
 * chunking, skips FE preambles and garbage (for example a collision on the RS-485 bus), resynchronises on
 * the next 68 after a bad candidate, and keeps a bounded carry-over.
 *
 * A candidate is accepted only when both 68s, the length, the checksum and the 16 end byte agree, so a
 * stray 68 inside garbage cannot swallow a following good frame for long.
 */
import { sum8 } from "../common/checksum.ts";
import { type SplitResult, StreamSplitter } from "../common/stream-splitter.ts";
import { FRAME_END, FRAME_OVERHEAD, FRAME_START, PREAMBLE_BYTE } from "./frame.ts";

/** Largest frame: 12 bytes around a 255-byte data field. */
export const MAX_FRAME_LENGTH = FRAME_OVERHEAD + 255;
/** Carry-over cap: one maximal frame plus a generous preamble. */
export const MAX_CARRY = MAX_FRAME_LENGTH + 16;

/** Stateless split of `buffer` (previous `rest` + new bytes). */
export function splitFrames(buffer: Uint8Array): SplitResult {
  const frames: Uint8Array[] = [];
  let discarded = 0;
  let i = 0;
  while (i < buffer.length) {
    const byte = buffer[i] as number;
    if (byte !== FRAME_START) {
      if (byte !== PREAMBLE_BYTE) discarded++;
      i++;
      continue;
    }
    const available = buffer.length - i;
    if (available >= 8 && buffer[i + 7] !== FRAME_START) {
      discarded++;
      i++;
      continue;
    }
    if (available < 10) break;
    const total = FRAME_OVERHEAD + (buffer[i + 9] as number);
    if (available < total) break;
    const csAt = i + total - 2;
    if (buffer[csAt + 1] !== FRAME_END || sum8(buffer, i, csAt) !== buffer[csAt]) {
      discarded++;
      i++;
      continue;
    }
    frames.push(buffer.slice(i, i + total));
    i += total;
  }
  let rest = buffer.subarray(i);
  if (rest.length > MAX_CARRY) {
    discarded += rest.length - MAX_CARRY;
    rest = rest.subarray(rest.length - MAX_CARRY);
  }
  return { frames, discarded, rest: Uint8Array.from(rest) };
}

/** The link-side splitter for DL/T 645 (common/stream-splitter.ts). */
export class FrameSplitter extends StreamSplitter {
  constructor() {
    super(splitFrames);
  }
}
