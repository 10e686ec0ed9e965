/**
 * Stateless frame splitter over an explicit carry-over buffer (conventions §7): finds complete 1376.2 frames
 * in a byte stream, skipping noise (FE preambles, line garbage, broken frames) one byte at a time.
 */
import { sum8 } from "../common/index.ts";
import { FRAME_END, FRAME_START, MAX_FRAME_LEN, MIN_FRAME_LEN } from "./frame.ts";

export interface SplitResult {
  /** Complete frames whose start, length, checksum and end are valid (copies, safe to keep). */
  readonly frames: Uint8Array[];
  /** Bytes dropped as noise. */
  readonly discarded: number;
  /** Unconsumed tail to prepend to the next chunk (never longer than `maxCarry`). */
  readonly rest: Uint8Array;
}

export function splitFrames(buffer: Uint8Array, maxCarry = MAX_FRAME_LEN): SplitResult {
  const frames: Uint8Array[] = [];
  let discarded = 0;
  let pos = 0;
  while (pos < buffer.length) {
    if (buffer[pos] !== FRAME_START) {
      pos++;
      discarded++;
      continue;
    }
    if (buffer.length - pos < 3) break;
    const length = (buffer[pos + 1] as number) | ((buffer[pos + 2] as number) << 8);
    if (length < MIN_FRAME_LEN || length > MAX_FRAME_LEN) {
      pos++;
      discarded++;
      continue;
    }
    if (buffer.length - pos < length) {
      // Incomplete — or a false start inside noise. A complete valid frame further on proves the latter.
      const next = nextCompleteFrame(buffer, pos + 1);
      if (next === undefined) break;
      discarded += next - pos;
      pos = next;
      continue;
    }
    const end = pos + length;
    if (!isCompleteFrameAt(buffer, pos)) {
      pos++;
      discarded++;
      continue;
    }
    frames.push(buffer.slice(pos, end));
    pos = end;
  }
  let rest = buffer.slice(pos);
  if (rest.length > maxCarry) {
    discarded += rest.length - maxCarry;
    rest = rest.slice(rest.length - maxCarry);
  }
  return { frames, discarded, rest };
}

function isCompleteFrameAt(buffer: Uint8Array, pos: number): boolean {
  if (buffer[pos] !== FRAME_START || buffer.length - pos < 3) return false;
  const length = (buffer[pos + 1] as number) | ((buffer[pos + 2] as number) << 8);
  if (length < MIN_FRAME_LEN || length > MAX_FRAME_LEN || buffer.length - pos < length) return false;
  const end = pos + length;
  return buffer[end - 1] === FRAME_END && buffer[end - 2] === sum8(buffer, pos + 3, end - 2);
}

function nextCompleteFrame(buffer: Uint8Array, from: number): number | undefined {
  for (let i = from; i + MIN_FRAME_LEN <= buffer.length; i++) if (isCompleteFrameAt(buffer, i)) return i;
  return undefined;
}

/** Incremental wrapper for links: feed chunks, get frames; counts dropped bytes. */
export class FrameSplitter {
  #carry: Uint8Array = new Uint8Array(0);
  discardedBytes = 0;

  push(chunk: Uint8Array): Uint8Array[] {
    const joined = new Uint8Array(this.#carry.length + chunk.length);
    joined.set(this.#carry);
    joined.set(chunk, this.#carry.length);
    const { frames, discarded, rest } = splitFrames(joined);
    this.#carry = rest;
    this.discardedBytes += discarded;
    return frames;
  }
}
