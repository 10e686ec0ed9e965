/**
 * Master side of an AFN0F F1 download with breakpoint resume (shared/protocol/gw1376-1.md §4.9, §4.6 F14).
 *
 *   send segment 0 ─► (the DCU restarts its download if it held another file)
 *   loop: AFN0C F14 ─► missing segments of the lowest incomplete group ─► send each, wait for its index
 *   done when every index has been acknowledged (or F14 says nothing is missing)
 *
 * A segment without an answer is sent again (same bytes: the DCU stores it once); after `retries` silent
 * tries the link is taken as broken and `LinkBrokenError` is thrown — the caller reconnects and calls
 * `sendFile` again, which resumes from what the DCU reports. `FF FF FF FF` is a refusal (`SegmentRefusedError`):
 * a bad segment, or — on the segment that completed the file — a package the DCU refused.
 */
import { OpenDcuError } from "../../common/errors.ts";
import { toHex } from "../../protocol/common/hex.ts";
import { decodeMissingGroup, SEGMENTS_PER_GROUP } from "../../protocol/gw1376-1/segment-bitmap.ts";
import type { MasterStation } from "./master-station.ts";

export const FILE_ID_TERMINAL_PROGRAM = 1;
const REFUSED = 0xffffffff;

export class LinkBrokenError extends Error {
  override readonly name = "LinkBrokenError";
}

export class SegmentRefusedError extends Error {
  override readonly name = "SegmentRefusedError";
  readonly index: number;
  /** True when the refused segment was the one completing the file: the DCU refused the package. */
  readonly fileRefused: boolean;
  constructor(index: number, fileRefused: boolean) {
    super(
      fileRefused
        ? `the DCU refused the package when its last segment (${index}) arrived — see its events (ERC1)`
        : `the DCU refused segment ${index} (FF FF FF FF)`,
    );
    this.index = index;
    this.fileRefused = fileRefused;
  }
}

export interface SendProgress {
  readonly acknowledged: number;
  readonly total: number;
  /** Segments sent in this call, including resends. */
  readonly sent: number;
  readonly resent: number;
  /** Segments the DCU already held when this call started (resume). */
  readonly alreadyHeld: number;
}

export interface SendOptions {
  /** Segment length Lf; every segment but the last has it (default 1024). */
  readonly segmentSize?: number;
  readonly fileId?: number;
  /** Silent tries of one segment before the link counts as broken (default 4). */
  readonly retries?: number;
  /** Answer timeout per segment, ms (default: the station's). */
  readonly timeoutMs?: number;
  readonly onProgress?: (progress: SendProgress) => void;
}

export interface SendResult extends SendProgress {
  /** True when the DCU acknowledged the segment that completed the file in this call. */
  readonly completedHere: boolean;
}

function isTimeout(error: unknown): boolean {
  return error instanceof OpenDcuError && error.code === "timeout";
}

/** Splits `file` into AFN0F segments of `size` bytes (the last may be shorter). */
export function segmentFile(file: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < file.length; at += size)
    out.push(file.subarray(at, Math.min(file.length, at + size)));
  return out;
}

export async function sendFile(
  master: MasterStation,
  file: Uint8Array,
  options: SendOptions = {},
): Promise<SendResult> {
  const size = options.segmentSize ?? 1024;
  const segments = segmentFile(file, size);
  const total = segments.length;
  if (total === 0) throw new OpenDcuError("cli.invalid-argument", "the file is empty");
  if (total > 0xffff)
    throw new OpenDcuError("cli.invalid-argument", `${total} segments exceed 65535: use larger segments`);
  const fileId = options.fileId ?? FILE_ID_TERMINAL_PROGRAM;
  const retries = options.retries ?? 4;
  const acked = new Set<number>();
  let sent = 0;
  let resent = 0;
  let alreadyHeld = 0;
  let completedHere = false;
  const progress = (): SendProgress => ({ acknowledged: acked.size, total, sent, resent, alreadyHeld });

  const sendSegment = async (index: number): Promise<void> => {
    const data = segments[index] as Uint8Array;
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) resent++;
      sent++;
      let answer: number | undefined;
      try {
        const reply = await master.request(
          0x0f,
          [
            {
              pn: 0,
              fn: 1,
              data: {
                fileId,
                attribute: index === total - 1 ? 1 : 0,
                instruction: 0,
                segmentCount: total,
                segmentIndex: index,
                data: toHex(data),
              },
            },
          ],
          options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs },
        );
        const value = reply.items.find((i) => i.fn === 1)?.data.segmentIndex;
        answer = reply.denied ? REFUSED : typeof value === "number" ? value : undefined;
      } catch (error) {
        if (!isTimeout(error)) throw new LinkBrokenError(`segment ${index}: ${(error as Error).message}`);
        continue;
      }
      if (answer === index) {
        const wasLastMissing = !acked.has(index) && acked.size === total - 1;
        acked.add(index);
        if (wasLastMissing) completedHere = true;
        options.onProgress?.(progress());
        return;
      }
      if (answer === REFUSED)
        throw new SegmentRefusedError(index, !acked.has(index) && acked.size === total - 1);
      // Another index answers another (late) request: not ours, try again.
    }
    throw new LinkBrokenError(`segment ${index}: no answer after ${retries + 1} tries`);
  };

  const askMissing = async (): Promise<{ group: number; missing: number[] }> => {
    for (let attempt = 0; attempt <= retries; attempt++) {
      try {
        const reply = await master.request(
          0x0c,
          [{ pn: 0, fn: 14 }],
          options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs },
        );
        const data = reply.items.find((i) => i.fn === 14)?.data;
        const missing = data === undefined ? undefined : decodeMissingGroup(data);
        if (reply.denied || data === undefined || missing === undefined)
          throw new OpenDcuError("internal", "the DCU does not answer AFN0C F14 (segments still missing)");
        return { group: data.group as number, missing };
      } catch (error) {
        if (isTimeout(error)) continue;
        // Our own "no F14" verdict stands; anything else (a closed or reset connection) is a broken link.
        if (error instanceof OpenDcuError && error.code === "internal") throw error;
        throw new LinkBrokenError(`AFN0C F14: ${(error as Error).message}`);
      }
    }
    throw new LinkBrokenError(`AFN0C F14: no answer after ${retries + 1} tries`);
  };

  // Segment 0 first: if the DCU holds a download of another file, this restarts it (file-transfer-repo).
  await sendSegment(0);
  let first = true;
  while (acked.size < total) {
    const { group, missing } = await askMissing();
    const start = group * SEGMENTS_PER_GROUP;
    const missingSet = new Set(missing);
    if (missing.length === 0) {
      // Nothing missing anywhere: the DCU holds the whole file (it answered group 0 with an empty bitmap).
      for (let i = 0; i < total; i++) acked.add(i);
      break;
    }
    // Groups below the reported one are complete; within it, clear bits are held.
    for (let i = 0; i < Math.min(total, start + SEGMENTS_PER_GROUP); i++) {
      if (i < start || !missingSet.has(i)) {
        if (!acked.has(i) && first) alreadyHeld++;
        acked.add(i);
      }
    }
    first = false;
    const toSend = missing.filter((i) => i < total);
    // The DCU is the truth: a segment it reports missing is sent again even if acknowledged before.
    for (const i of toSend) acked.delete(i);
    if (toSend.length === 0) {
      // The bitmap names only segments past the end of this file: the DCU holds another file.
      throw new OpenDcuError(
        "internal",
        `AFN0C F14 reports group ${group} segments that do not exist in this file`,
      );
    }
    for (const index of toSend) await sendSegment(index);
  }
  options.onProgress?.(progress());
  return { ...progress(), completedHere };
}
