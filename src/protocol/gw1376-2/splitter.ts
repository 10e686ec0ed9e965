/**
 * Stateless frame splitter over an explicit carry-over buffer (conventions §7): finds complete 1376.2 frames
 * in a byte stream, skipping noise (FE preambles, line garbage, broken frames) one byte at a time.
 */
import { sum8 } from "../common/index.ts";
import { type SplitResult, StreamSplitter } from "../common/stream-splitter.ts";
import { FRAME_END, FRAME_START, MAX_FRAME_LEN, MIN_FRAME_LEN } from "./frame.ts";

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

/** The link-side splitter for 1376.2 (common/stream-splitter.ts). */
export class FrameSplitter extends StreamSplitter {
  constructor() {
    super((buffer) => splitFrames(buffer));
  }
}
