/**
 * AFN0F F1 file download state (shared/protocol/gw1376-1.md §4.9 [M]): segments may arrive in any order and
 * are committed as they come, so an acknowledged segment survives a power cut and a restart resumes the
 * transfer; AFN0C F14 reports what is still missing.
 *
 * The bitmap of received segments is persisted as one `file_segments` row per received segment (a row's
 * presence is its bit), written in the same transaction as the segment's bytes, so the two cannot disagree.
 * Every segment but the last has the transfer's fixed length; the last may be shorter.
 */
import type { Clock } from "../common/clock.ts";
import type { Database } from "./database.ts";

/** Most segments one transfer may have (the segment count n is BIN 2 on the wire). */
export const MAX_FILE_SEGMENTS = 65_535;
export const MAX_SEGMENT_LENGTH = 4096;
/** Default cap on one file's size when the caller gives none. */
export const DEFAULT_MAX_FILE_BYTES = 16 * 1024 * 1024;

export interface FileTransfer {
  readonly fileId: number;
  readonly totalSegments: number;
  /** Fixed length of every segment but the last; 0 while only the last segment has arrived. */
  readonly segmentLength: number;
  readonly receivedCount: number;
  /** Index of the segment stored most recently. */
  readonly lastSeen: number;
  readonly startedAt: number;
  readonly updatedAt: number;
}

interface Row {
  file_id: number;
  total_segments: number;
  segment_length: number;
  received_count: number;
  last_seen: number;
  started_at: number;
  updated_at: number;
}

/**
 * `stored` new segment; `duplicate` same bytes again; `replaced` same index, different bytes (the latest
 * wins); `restarted` the segment began a new transfer of this file id (different segment count, or a
 * different segment 0 — another file), discarding the old one. The rest are refusals.
 */
export type SegmentResult =
  | "stored"
  | "duplicate"
  | "replaced"
  | "restarted"
  | "bad-index"
  | "bad-length"
  | "too-large";

export interface SegmentOutcome {
  readonly result: SegmentResult;
  /** True when every segment of the transfer is now present. */
  readonly complete: boolean;
}

const REFUSALS: ReadonlySet<SegmentResult> = new Set(["bad-index", "bad-length", "too-large"]);

export function isRefusal(result: SegmentResult): boolean {
  return REFUSALS.has(result);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

export class FileTransferRepository {
  readonly #db: Database;
  readonly #clock: Clock;

  constructor(db: Database, clock: Clock) {
    this.#db = db;
    this.#clock = clock;
  }

  get(fileId: number): FileTransfer | undefined {
    const row = this.#db
      .statement(
        `SELECT file_id, total_segments, segment_length, received_count, last_seen, started_at, updated_at
         FROM file_transfers WHERE file_id = ?`,
      )
      .get(fileId) as Row | undefined;
    if (row === undefined) return undefined;
    return {
      fileId: row.file_id,
      totalSegments: row.total_segments,
      segmentLength: row.segment_length,
      receivedCount: row.received_count,
      lastSeen: row.last_seen,
      startedAt: row.started_at,
      updatedAt: row.updated_at,
    };
  }

  /**
   * Stores one segment and commits it before returning (the caller acknowledges only after this). A transfer
   * starts on the first segment seen, whatever its index; it restarts when the segment count changes or
   * segment 0 arrives with other bytes than the stored one (a different file). `maxFileBytes` bounds the
   * file (checked with the smallest size the segment count and length allow).
   */
  storeSegment(
    fileId: number,
    totalSegments: number,
    index: number,
    data: Uint8Array,
    maxFileBytes = DEFAULT_MAX_FILE_BYTES,
  ): SegmentOutcome {
    const refuse = (result: SegmentResult): SegmentOutcome => ({ result, complete: false });
    if (totalSegments < 1 || totalSegments > MAX_FILE_SEGMENTS || index < 0 || index >= totalSegments) {
      return refuse("bad-index");
    }
    if (data.length === 0 || data.length > MAX_SEGMENT_LENGTH) return refuse("bad-length");
    const isLast = index === totalSegments - 1;
    const single = totalSegments === 1;
    // Fixed length known from this segment (every non-last segment has it; a single segment is its own).
    const lengthFromThis = !isLast || single ? data.length : 0;
    const now = this.#clock.now();
    return this.#db.transaction((): SegmentOutcome => {
      let transfer = this.get(fileId);
      let restarted = false;
      if (transfer !== undefined && transfer.totalSegments !== totalSegments) {
        restarted = true;
      } else if (transfer !== undefined && index === 0) {
        const first = this.#segment(fileId, 0);
        restarted = first !== undefined && !sameBytes(first, data);
      }
      // Refusals are decided before anything changes, so a refused segment never discards a transfer.
      const length = (restarted ? 0 : (transfer?.segmentLength ?? 0)) || lengthFromThis;
      const smallest =
        length > 0
          ? (totalSegments - 1) * length + (isLast ? data.length : 1)
          : totalSegments - 1 + data.length;
      if (smallest > maxFileBytes) return refuse("too-large");
      if (restarted) {
        this.clear(fileId);
        transfer = undefined;
      }
      if (transfer === undefined) {
        this.#db
          .statement(
            `INSERT INTO file_transfers (file_id, total_segments, segment_length, received_count, last_seen,
               started_at, updated_at) VALUES (?, ?, ?, 0, ?, ?, ?)`,
          )
          .run(fileId, totalSegments, lengthFromThis, index, now, now);
        transfer = this.get(fileId) as FileTransfer;
      } else if (transfer.segmentLength === 0 && lengthFromThis > 0) {
        // The fixed length is learnt from the first non-last segment; a last segment stored earlier that is
        // longer than it cannot be right and is dropped (AFN0C F14 then asks for it again).
        this.#db
          .statement("UPDATE file_transfers SET segment_length = ? WHERE file_id = ?")
          .run(lengthFromThis, fileId);
        const last = this.#segment(fileId, totalSegments - 1);
        if (last !== undefined && last.length > lengthFromThis)
          this.#deleteSegment(fileId, totalSegments - 1);
        transfer = this.get(fileId) as FileTransfer;
      }
      const fixed = transfer.segmentLength;
      if (fixed > 0 && (isLast ? data.length > fixed : data.length !== fixed)) {
        return refuse("bad-length");
      }
      const existing = this.#segment(fileId, index);
      let result: SegmentResult = restarted ? "restarted" : "stored";
      if (existing === undefined) {
        this.#db
          .statement("INSERT INTO file_segments (file_id, segment, data) VALUES (?, ?, ?)")
          .run(fileId, index, data);
        this.#db
          .statement("UPDATE file_transfers SET received_count = received_count + 1 WHERE file_id = ?")
          .run(fileId);
      } else if (sameBytes(existing, data)) {
        result = "duplicate";
      } else {
        this.#db
          .statement("UPDATE file_segments SET data = ? WHERE file_id = ? AND segment = ?")
          .run(data, fileId, index);
        result = "replaced";
      }
      this.#db
        .statement("UPDATE file_transfers SET last_seen = ?, updated_at = ? WHERE file_id = ?")
        .run(index, now, fileId);
      const after = this.get(fileId) as FileTransfer;
      return { result, complete: after.receivedCount === after.totalSegments };
    });
  }

  #segment(fileId: number, index: number): Uint8Array | undefined {
    const row = this.#db
      .statement("SELECT data FROM file_segments WHERE file_id = ? AND segment = ?")
      .get(fileId, index) as { data: Uint8Array } | undefined;
    return row?.data;
  }

  #deleteSegment(fileId: number, index: number): void {
    const removed = this.#db
      .statement("DELETE FROM file_segments WHERE file_id = ? AND segment = ?")
      .run(fileId, index).changes;
    if (Number(removed) > 0) {
      this.#db
        .statement("UPDATE file_transfers SET received_count = received_count - 1 WHERE file_id = ?")
        .run(fileId);
    }
  }

  /** Indices received so far, ascending. */
  received(fileId: number): number[] {
    return (
      this.#db
        .statement("SELECT segment FROM file_segments WHERE file_id = ? ORDER BY segment")
        .all(fileId) as {
        segment: number;
      }[]
    ).map((r) => r.segment);
  }

  /** Indices not yet received, ascending. */
  missing(fileId: number): number[] {
    const transfer = this.get(fileId);
    if (transfer === undefined) return [];
    const have = new Set(this.received(fileId));
    const out: number[] = [];
    for (let i = 0; i < transfer.totalSegments; i++) if (!have.has(i)) out.push(i);
    return out;
  }

  /** The whole file when every segment is present, else undefined. */
  assemble(fileId: number): Uint8Array | undefined {
    const transfer = this.get(fileId);
    if (transfer === undefined || transfer.receivedCount !== transfer.totalSegments) return undefined;
    const rows = this.#db
      .statement("SELECT data FROM file_segments WHERE file_id = ? ORDER BY segment")
      .all(fileId) as { data: Uint8Array }[];
    return Buffer.concat(rows.map((r) => r.data));
  }

  list(): FileTransfer[] {
    const rows = this.#db.statement("SELECT file_id FROM file_transfers ORDER BY file_id").all() as {
      file_id: number;
    }[];
    return rows.map((r) => this.get(r.file_id)).filter((t): t is FileTransfer => t !== undefined);
  }

  clear(fileId?: number): void {
    if (fileId === undefined) this.#db.statement("DELETE FROM file_transfers").run();
    else this.#db.statement("DELETE FROM file_transfers WHERE file_id = ?").run(fileId);
  }
}
