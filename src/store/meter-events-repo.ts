/**
 * Events read from meters (cover opened, clock deviation, …), kept as JSON and bounded: the oldest rows go
 * once the table holds more than `MAX_METER_EVENTS`.
 */
import type { Database } from "./database.ts";

export const MAX_METER_EVENTS = 20_000;

export interface MeterEvent {
  readonly id: number;
  readonly point: number;
  readonly kind: string;
  readonly occurredAt: number | null;
  readonly recordedAt: number;
  readonly data: unknown;
}

interface Row {
  id: number;
  point: number;
  kind: string;
  occurred_at: number | null;
  recorded_at: number;
  data: string;
}

export class MeterEventsRepository {
  readonly #db: Database;
  readonly #max: number;

  constructor(db: Database, max = MAX_METER_EVENTS) {
    this.#db = db;
    this.#max = max;
  }

  append(event: Omit<MeterEvent, "id">): number {
    return this.#db.transaction(() => {
      const id = Number(
        this.#db
          .statement(
            "INSERT INTO meter_events (point, kind, occurred_at, recorded_at, data) VALUES (?, ?, ?, ?, ?)",
          )
          .run(
            event.point,
            event.kind,
            event.occurredAt,
            event.recordedAt,
            JSON.stringify(event.data ?? null),
          ).lastInsertRowid,
      );
      this.#db.statement("DELETE FROM meter_events WHERE id <= ?").run(id - this.#max);
      return id;
    });
  }

  list(point?: number, limit = 1000): MeterEvent[] {
    const rows = (point === undefined
      ? this.#db
          .statement(
            "SELECT id, point, kind, occurred_at, recorded_at, data FROM meter_events ORDER BY id DESC LIMIT ?",
          )
          .all(limit)
      : this.#db
          .statement(
            `SELECT id, point, kind, occurred_at, recorded_at, data FROM meter_events WHERE point = ?
               ORDER BY id DESC LIMIT ?`,
          )
          .all(point, limit)) as unknown as Row[];
    return rows.reverse().map((r) => ({
      id: r.id,
      point: r.point,
      kind: r.kind,
      occurredAt: r.occurred_at,
      recordedAt: r.recorded_at,
      data: JSON.parse(r.data) as unknown,
    }));
  }

  count(): number {
    return Number((this.#db.statement("SELECT count(*) AS n FROM meter_events").get() as { n: number }).n);
  }

  clear(): void {
    this.#db.statement("DELETE FROM meter_events").run();
  }
}
