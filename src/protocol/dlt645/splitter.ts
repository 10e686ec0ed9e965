/**
 * Frame splitter for DL/T 645 byte streams (conventions §7, stage one): finds complete frames in any
 * chunking, skips FE preambles and garbage (for example a collision on the RS-485 bus), resynchronises on
 * the next 68 after a bad candidate, and keeps a bounded carry-over.
 *
 * A candidate is accepted only when both 68s, the length, the checksum and the 16 end byte agree, so a
 * stray 68 inside garbage cannot swallow a following good frame for long.
 */
import { sum8 } from "../common/checksum.ts";
import { FRAME_END, FRAME_OVERHEAD, FRAME_START, PREAMBLE_BYTE } from "./frame.ts";

/** Largest frame: 12 bytes around a 255-byte data field. */
export const MAX_FRAME_LENGTH = FRAME_OVERHEAD + 255;
/** Carry-over cap: one maximal frame plus a generous preamble. */
export const MAX_CARRY = MAX_FRAME_LENGTH + 16;

export interface SplitResult {
  /** Complete frames, each from its first 68 to its 16 (no preamble). */
  readonly frames: Uint8Array[];
  /** Bytes thrown away that were neither preamble nor part of a frame. */
  readonly discarded: number;
  /** Bytes to carry into the next call (a frame's beginning), never longer than `MAX_CARRY`. */
  readonly rest: Uint8Array;
}

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

/** Stateful convenience around `splitFrames` for stream consumers. */
export class FrameSplitter {
  #carry: Uint8Array = new Uint8Array(0);
  /** Total bytes discarded so far (garbage, collisions, overflow), for drop counters. */
  discarded = 0;

  push(chunk: Uint8Array): Uint8Array[] {
    let buffer: Uint8Array;
    if (this.#carry.length === 0) buffer = chunk;
    else {
      buffer = new Uint8Array(this.#carry.length + chunk.length);
      buffer.set(this.#carry);
      buffer.set(chunk, this.#carry.length);
    }
    const result = splitFrames(buffer);
    this.#carry = result.rest;
    this.discarded += result.discarded;
    return result.frames;
  }

  /** Bytes waiting for the rest of a frame. */
  get pending(): number {
    return this.#carry.length;
  }

  reset(): void {
    this.#carry = new Uint8Array(0);
  }
}
