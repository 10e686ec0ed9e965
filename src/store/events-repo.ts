/**
 * Terminal events (ERC records) in two 256-entry circular logs, important (ring 0) and general (ring 1).
 * shared/protocol/gw1376-1.md §3.6 [H]: EC1/EC2 are the indices where the NEXT important/general record will
 * be written (mod 256); AFN0E F1/F2 read Pm..Pn with Pm inclusive, Pn exclusive, wrapping.
 *
 * Content is stored as raw bytes (`ERC Le content`), so storage does not depend on the ERC table.
 */
import type { Database } from "./database.ts";
import type { Quarantine } from "./quarantine.ts";

export const EVENT_RING_SIZE = 256;
export type EventRing = "important" | "general";

export interface StoredEvent {
  readonly ring: EventRing;
  readonly slot: number;
  readonly erc: number;
  /** The whole record: ERC(1) Le(1) content(Le). */
  readonly record: Uint8Array;
  readonly recordedAt: number;
}

export interface EventCounters {
  /** Next important-record index (EC1). */
  readonly ec1: number;
  /** Next general-record index (EC2). */
  readonly ec2: number;
  readonly importantTotal: number;
  readonly generalTotal: number;
}

const RING_ID: Readonly<Record<EventRing, number>> = { important: 0, general: 1 };

interface Row {
  ring: number;
  slot: number;
  erc: number;
  content: Uint8Array;
  recorded_at: number;
}

export class EventsRepository {
  readonly #db: Database;
  readonly #quarantine: Quarantine;

  constructor(db: Database, quarantine: Quarantine) {
    this.#db = db;
    this.#quarantine = quarantine;
  }

  /** Writes `record` at the ring's next index and advances the counter, atomically. Returns the slot. */
  append(ring: EventRing, record: Uint8Array, at: number): number {
    if (record.length < 2 || record.length !== (record[1] as number) + 2) {
      throw new RangeError(`ERC record length ${record.length} does not match its Le`);
    }
    const id = RING_ID[ring];
    return this.#db.transaction(() => {
      const counter = this.#db.statement("SELECT next FROM event_counters WHERE ring = ?").get(id) as {
        next: number;
      };
      const slot = counter.next;
      this.#db
        .statement(
          "INSERT OR REPLACE INTO event_log (ring, slot, erc, content, recorded_at) VALUES (?, ?, ?, ?, ?)",
        )
        .run(id, slot, record[0] as number, record, at);
      this.#db
        .statement("UPDATE event_counters SET next = ?, total = total + 1 WHERE ring = ?")
        .run((slot + 1) % EVENT_RING_SIZE, id);
      return slot;
    });
  }

  counters(): EventCounters {
    const rows = this.#db.statement("SELECT ring, next, total FROM event_counters").all() as {
      ring: number;
      next: number;
      total: number;
    }[];
    const imp = rows.find((r) => r.ring === 0);
    const gen = rows.find((r) => r.ring === 1);
    return {
      ec1: imp?.next ?? 0,
      ec2: gen?.next ?? 0,
      importantTotal: imp?.total ?? 0,
      generalTotal: gen?.total ?? 0,
    };
  }

  /**
   * Records from `pm` (inclusive) to `pn` (exclusive), wrapping at 256, in ring order; slots never written
   * are skipped. Pm = Pn means a whole lap (256 entries) per the Y = 256 + Pn − Pm rule.
   */
  read(ring: EventRing, pm: number, pn: number): StoredEvent[] {
    const count = pm < pn ? pn - pm : EVENT_RING_SIZE + pn - pm;
    const rows = this.#db
      .statement("SELECT ring, slot, erc, content, recorded_at FROM event_log WHERE ring = ?")
      .all(RING_ID[ring]) as unknown as Row[];
    const bySlot = new Map(rows.map((r) => [r.slot, r]));
    const out: StoredEvent[] = [];
    for (let i = 0; i < count; i++) {
      const slot = (pm + i) % EVENT_RING_SIZE;
      const row = bySlot.get(slot);
      if (row === undefined) continue;
      if (!isWellFormed(row)) {
        // A slot whose bytes disagree with its Le or ERC is not trusted (conventions §20).
        this.#quarantine.put("event_log", row, "record length or ERC does not match its columns");
        this.#db.statement("DELETE FROM event_log WHERE ring = ? AND slot = ?").run(row.ring, row.slot);
        continue;
      }
      out.push({ ring, slot, erc: row.erc, record: row.content, recordedAt: row.recorded_at });
    }
    return out;
  }

  /** The last `n` stored records of a ring, newest last (e.g. AFN0E F3 "events by ERC"). */
  latest(ring: EventRing, n = EVENT_RING_SIZE): StoredEvent[] {
    const { ec1, ec2 } = this.counters();
    const next = ring === "important" ? ec1 : ec2;
    const all = this.read(ring, next, next);
    return all.slice(Math.max(0, all.length - n));
  }

  /** Empties both rings and resets EC1/EC2 to 0 (AFN01 F2/F3/F4). */
  clear(): void {
    this.#db.transaction(() => {
      this.#db.statement("DELETE FROM event_log").run();
      this.#db.statement("UPDATE event_counters SET next = 0, total = 0").run();
    });
  }
}

function isWellFormed(row: Row): boolean {
  const c = row.content;
  return c instanceof Uint8Array && c.length >= 2 && c[0] === row.erc && c.length === (c[1] as number) + 2;
}
