/**
 * The durable outbox of active reports (uplink/active-reporter.ts): a report is written here before it is
 * sent and deleted only when the master has confirmed it, so nothing is lost across a link drop or a restart.
 *
 * Bounded: at most `maxEntries` rows. When a new report would exceed the cap, the oldest timed-task report
 * goes first (periodic data the master can still read with AFN0C/AFN0D), and only when none is left the
 * oldest event report (the event itself stays in its ring, readable with AFN0E and announced by ACD/EC).
 * Every such drop is counted (`droppedTotal`, kept in kv so it survives restarts) and logged by the caller.
 *
 * `units` is the frame's data-unit region (DA DT body …), ready to be framed with a fresh PSEQ.
 */
import type { Database } from "./database.ts";
import type { KvRepository } from "./kv-repo.ts";
import type { Quarantine } from "./quarantine.ts";

export type ReportKind = "event" | "class1" | "class2";
const KINDS: readonly ReportKind[] = ["event", "class1", "class2"];

/** Default cap: ~1000 frames of at most 2 KB each. */
export const DEFAULT_OUTBOX_MAX = 1000;
const KEY_DROPPED = "reporting.outboxDropped";

export interface NewReport {
  readonly kind: ReportKind;
  readonly afn: number;
  readonly units: Uint8Array;
  /** Important-ring slot of an event report (the read mark moves when it is confirmed). */
  readonly eventSlot?: number;
}

export interface OutboxEntry extends NewReport {
  readonly id: number;
  readonly createdAt: number;
  readonly attempts: number;
  readonly lastAttemptAt: number | undefined;
}

interface Row {
  id: number;
  kind: string;
  afn: number;
  units: Uint8Array;
  event_slot: number | null;
  created_at: number;
  attempts: number;
  last_attempt_at: number | null;
}

const COLUMNS = "id, kind, afn, units, event_slot, created_at, attempts, last_attempt_at";
/** Events first (they are what a master waits for), then timed-task data, each oldest first. */
const SEND_ORDER = "ORDER BY (kind = 'event') DESC, id";

export class OutboxRepository {
  readonly #db: Database;
  readonly #kv: KvRepository;
  readonly #quarantine: Quarantine;

  constructor(db: Database, kv: KvRepository, quarantine: Quarantine) {
    this.#db = db;
    this.#kv = kv;
    this.#quarantine = quarantine;
  }

  /**
   * Commits `report`, first making room under `maxEntries` per the cap policy. Returns the new id and how
   * many older reports were dropped for it.
   */
  add(report: NewReport, at: number, maxEntries = DEFAULT_OUTBOX_MAX): { id: number; dropped: number } {
    if (!KINDS.includes(report.kind)) throw new RangeError(`outbox: unknown report kind ${report.kind}`);
    if (maxEntries < 1) throw new RangeError("outbox: maxEntries must be at least 1");
    return this.#db.transaction(() => {
      let dropped = 0;
      for (let excess = this.count() + 1 - maxEntries; excess > 0; excess--) {
        const victim = this.#db
          .statement("SELECT id FROM report_outbox ORDER BY (kind = 'event'), id LIMIT 1")
          .get() as { id: number } | undefined;
        if (victim === undefined) break;
        this.#db.statement("DELETE FROM report_outbox WHERE id = ?").run(victim.id);
        dropped++;
      }
      if (dropped > 0) this.#kv.set(KEY_DROPPED, this.droppedTotal() + dropped);
      const result = this.#db
        .statement(
          "INSERT INTO report_outbox (kind, afn, units, event_slot, created_at) VALUES (?, ?, ?, ?, ?)",
        )
        .run(report.kind, report.afn, report.units, report.eventSlot ?? null, at);
      return { id: Number(result.lastInsertRowid), dropped };
    });
  }

  /** The report to send next, or undefined when the outbox is empty. */
  next(): OutboxEntry | undefined {
    for (;;) {
      const row = this.#db.statement(`SELECT ${COLUMNS} FROM report_outbox ${SEND_ORDER} LIMIT 1`).get() as
        | Row
        | undefined;
      if (row === undefined) return undefined;
      const entry = this.#load(row);
      if (entry !== undefined) return entry;
    }
  }

  /** All waiting reports in send order (status, tests). */
  list(): OutboxEntry[] {
    const rows = this.#db
      .statement(`SELECT ${COLUMNS} FROM report_outbox ${SEND_ORDER}`)
      .all() as unknown as Row[];
    return rows.map((r) => this.#load(r)).filter((e): e is OutboxEntry => e !== undefined);
  }

  get(id: number): OutboxEntry | undefined {
    const row = this.#db.statement(`SELECT ${COLUMNS} FROM report_outbox WHERE id = ?`).get(id) as
      | Row
      | undefined;
    return row === undefined ? undefined : this.#load(row);
  }

  recordAttempt(id: number, at: number): void {
    this.#db
      .statement("UPDATE report_outbox SET attempts = attempts + 1, last_attempt_at = ? WHERE id = ?")
      .run(at, id);
  }

  /** Deletes a confirmed report; false when it was already gone. */
  remove(id: number): boolean {
    return Number(this.#db.statement("DELETE FROM report_outbox WHERE id = ?").run(id).changes) > 0;
  }

  count(): number {
    return (this.#db.statement("SELECT count(*) AS n FROM report_outbox").get() as { n: number }).n;
  }

  /** Reports dropped by the cap since the database was created. */
  droppedTotal(): number {
    return this.#kv.getNumber(KEY_DROPPED, 0);
  }

  /** Empties the outbox (AFN01 data initialisation: the reports describe data that no longer exists). */
  clear(): void {
    this.#db.statement("DELETE FROM report_outbox").run();
  }

  #load(row: Row): OutboxEntry | undefined {
    const kind = KINDS.find((k) => k === row.kind);
    if (kind === undefined || !(row.units instanceof Uint8Array) || row.units.length < 4) {
      // Not trusted (conventions §20): a report whose bytes are not data units must not reach the master.
      this.#quarantine.put("report_outbox", row, "unknown kind or data units shorter than one DA/DT");
      this.#db.statement("DELETE FROM report_outbox WHERE id = ?").run(row.id);
      return undefined;
    }
    return {
      id: row.id,
      kind,
      afn: row.afn,
      units: row.units,
      ...(row.event_slot === null ? {} : { eventSlot: row.event_slot }),
      createdAt: row.created_at,
      attempts: row.attempts,
      lastAttemptAt: row.last_attempt_at ?? undefined,
    };
  }
}
