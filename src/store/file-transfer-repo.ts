/**
 * AFN0F F1 file download state (shared/protocol/gw1376-1.md §4.9 [M]): segments may arrive in any order and
 * are stored as they come, so a restart resumes the transfer; AFN0C F14 reports what is still missing.
 */
import type { Clock } from "../common/clock.ts";
import type { Database } from "./database.ts";

/** Most segments one transfer may have (NUC keeps a 1024-bit map; AFN0C F14 pages 1024 per group). */
export const MAX_FILE_SEGMENTS = 16_384;
export const MAX_SEGMENT_LENGTH = 4096;

export interface FileTransfer {
  readonly fileId: number;
  readonly totalSegments: number;
  readonly segmentLength: number;
  readonly receivedCount: number;
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

export type SegmentResult = "stored" | "duplicate" | "bad-index" | "bad-length";

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
   * Stores one segment. A transfer starts (or restarts, when the segment count or length changes) on the
   * first segment seen. Every segment but the last must have the transfer's segment length.
   */
  storeSegment(fileId: number, totalSegments: number, index: number, data: Uint8Array): SegmentResult {
    if (totalSegments < 1 || totalSegments > MAX_FILE_SEGMENTS || index < 0 || index >= totalSegments) {
      return "bad-index";
    }
    if (data.length === 0 || data.length > MAX_SEGMENT_LENGTH) return "bad-length";
    const now = this.#clock.now();
    return this.#db.transaction((): SegmentResult => {
      let transfer = this.get(fileId);
      const isLast = index === totalSegments - 1;
      if (transfer !== undefined && transfer.totalSegments !== totalSegments) {
        this.clear(fileId);
        transfer = undefined;
      }
      if (transfer === undefined) {
        if (isLast && totalSegments > 1) return "bad-length"; // the segment length is unknown yet
        this.#db
          .statement(
            `INSERT INTO file_transfers (file_id, total_segments, segment_length, received_count, last_seen,
               started_at, updated_at) VALUES (?, ?, ?, 0, ?, ?, ?)`,
          )
          .run(fileId, totalSegments, data.length, index, now, now);
        transfer = this.get(fileId) as FileTransfer;
      }
      if (isLast ? data.length > transfer.segmentLength : data.length !== transfer.segmentLength) {
        return "bad-length";
      }
      const inserted = this.#db
        .statement("INSERT OR IGNORE INTO file_segments (file_id, segment, data) VALUES (?, ?, ?)")
        .run(fileId, index, data).changes;
      this.#db
        .statement(
          `UPDATE file_transfers SET received_count = received_count + ?, last_seen = ?, updated_at = ?
           WHERE file_id = ?`,
        )
        .run(Number(inserted), index, now, fileId);
      return Number(inserted) === 1 ? "stored" : "duplicate";
    });
  }

  /** Indices not yet received, ascending. */
  missing(fileId: number): number[] {
    const transfer = this.get(fileId);
    if (transfer === undefined) return [];
    const have = new Set(
      (
        this.#db.statement("SELECT segment FROM file_segments WHERE file_id = ?").all(fileId) as {
          segment: number;
        }[]
      ).map((r) => r.segment),
    );
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
