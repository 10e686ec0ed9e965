/**
 * AFN0F F1 file download, terminal side (shared/protocol/gw1376-1.md §4.9 [M]). Each segment is committed to
 * SQLite before its index is answered; a refused segment is answered `FF FF FF FF`. When the last missing
 * segment arrives, the whole file goes to the `FileSink` (the upgrade service), which checks it before the
 * answer and installs it after.
 *
 *   AFN0F F1 ─► checks (file id, instruction) ─► store.files.storeSegment (commit) ─► complete?
 *                                                                                       │ yes
 *                      answer index ◄── sink.accept(file) ok ◄───────────────────────────┘
 *                      answer FF…   ◄── refused (segment or file): nothing else changes
 *
 * File id 0 aborts: the download is cleared and the sink rolls back an upgrade still on trial [L: the
 * reference says "clear the download and roll back"].
 */
import type { Logger } from "../common/logger.ts";
import { fromHex } from "../protocol/common/hex.ts";
import type { Record_ } from "../protocol/gw1376-1/layout.ts";
import { type MissingGroup, missingGroupAnswer } from "../protocol/gw1376-1/segment-bitmap.ts";
import { DEFAULT_MAX_FILE_BYTES, isRefusal } from "../store/file-transfer-repo.ts";
import type { Store } from "../store/store.ts";

/** The answer that refuses a segment (§4.9). */
export const SEGMENT_REFUSED = 0xffffffff;
/** File id 0: abort and roll back. */
export const FILE_ID_ABORT = 0;
/** File id 1: terminal program — the only file type this terminal installs. */
export const FILE_ID_TERMINAL_PROGRAM = 1;
/** Instruction 0: the file travels in AFN0F frames (1 = FTP, 2 = group-address upgrade: not supported). */
const INSTRUCTION_BY_MESSAGE = 0;

export type SinkVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** Where a complete file goes: the upgrade service. */
export interface FileSink {
  /** Checks a complete file before its last segment is answered; a refusal is recorded by the sink. */
  accept(fileId: number, file: Uint8Array): SinkVerdict;
  /** File id 0 (abort): roll back whatever the sink can (e.g. an upgrade not yet confirmed healthy). */
  abort(): void;
}

export interface FileSegmentRequest {
  readonly fileId: number;
  readonly attribute: number;
  readonly instruction: number;
  readonly segmentCount: number;
  readonly segmentIndex: number;
  readonly data: Uint8Array;
}

/** The typed segment from a decoded AFN0F F1 data unit (logical byte order); undefined when malformed. */
export function segmentFromItem(data: Record_): FileSegmentRequest | undefined {
  const n = (key: string): number | undefined => {
    const v = data[key];
    return typeof v === "number" && Number.isInteger(v) ? v : undefined;
  };
  const bytes = typeof data.data === "string" ? fromHex(data.data) : undefined;
  const fileId = n("fileId");
  const attribute = n("attribute");
  const instruction = n("instruction");
  const segmentCount = n("segmentCount");
  const segmentIndex = n("segmentIndex");
  if (
    bytes === undefined ||
    fileId === undefined ||
    attribute === undefined ||
    instruction === undefined ||
    segmentCount === undefined ||
    segmentIndex === undefined
  ) {
    return undefined;
  }
  return { fileId, attribute, instruction, segmentCount, segmentIndex, data: bytes };
}

export interface FileReceiverOptions {
  readonly store: Store;
  readonly logger: Logger;
  /** Without a sink nothing can be installed, so every segment of file id 1 is refused. */
  readonly sink?: FileSink;
  readonly maxFileBytes?: number;
}

export class FileReceiver {
  readonly #o: FileReceiverOptions;
  readonly #logger: Logger;

  constructor(options: FileReceiverOptions) {
    this.#o = options;
    this.#logger = options.logger.child({ module: "file-transfer" });
  }

  /** The 4-byte answer value: the stored segment's index, or SEGMENT_REFUSED. */
  receive(segment: FileSegmentRequest): number {
    const { fileId, segmentIndex: index, segmentCount: count } = segment;
    if (fileId === FILE_ID_ABORT) {
      this.#o.store.files.clear();
      this.#logger.warn({}, "file download aborted by the master (file id 0)");
      this.#o.sink?.abort();
      return index;
    }
    const refuse = (reason: string): number => {
      this.#logger.warn({ fileId, index, count, reason }, "file segment refused");
      return SEGMENT_REFUSED;
    };
    if (fileId !== FILE_ID_TERMINAL_PROGRAM) return refuse(`file id ${fileId} is not supported`);
    if (segment.instruction !== INSTRUCTION_BY_MESSAGE)
      return refuse(`instruction ${segment.instruction} is not supported (only 0: by message)`);
    // Attribute 1 claims "last segment": a claim that contradicts the index is a bad segment. Attribute 0
    // on the last index is tolerated (masters differ on it) [L].
    if (segment.attribute === 1 && index !== count - 1)
      return refuse(`attribute says last segment but index ${index} of ${count} is not the last`);
    if (this.#o.sink === undefined) return refuse("upgrades are not configured on this terminal");
    const outcome = this.#o.store.files.storeSegment(
      fileId,
      count,
      index,
      segment.data,
      this.#o.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES,
    );
    if (isRefusal(outcome.result)) return refuse(outcome.result);
    if (outcome.result === "restarted") this.#logger.info({ fileId, count }, "new file download started");
    if (!outcome.complete) return index;

    const file = this.#o.store.files.assemble(fileId);
    if (file === undefined) return refuse("file incomplete after the last segment");
    const verdict = this.#o.sink.accept(fileId, file);
    if (!verdict.ok) {
      // The file is discarded so the master starts again from scratch; the running version is untouched.
      this.#o.store.files.clear(fileId);
      return refuse(`file refused: ${verdict.reason}`);
    }
    this.#logger.info({ fileId, bytes: file.length, segments: count }, "file download complete");
    return index;
  }

  /** AFN0C F14 value: what is still missing of the terminal-program download. */
  missing(): MissingGroup {
    return missingFileSegments(this.#o.store);
  }
}

/** AFN0C F14 value from the store alone (no receiver needed to answer it). */
export function missingFileSegments(store: Store): MissingGroup {
  const transfer = store.files.get(FILE_ID_TERMINAL_PROGRAM);
  return missingGroupAnswer(
    transfer === undefined
      ? undefined
      : { totalSegments: transfer.totalSegments, missing: store.files.missing(FILE_ID_TERMINAL_PROGRAM) },
  );
}
