/**
 * The meter archive: AFN04 F10 entries keyed by configuration serial (shared/protocol/gw1376-1.md §4.3.1),
 * each with its typed columns and the raw 27-byte entry (AFN0A F10 answers are byte-exact).
 */
import type { Clock } from "../common/clock.ts";
import type { Database } from "./database.ts";
import type { Quarantine } from "./quarantine.ts";

/** Capacity of the archive (serials and measurement points 1..2040). */
export const MAX_METERS = 2040;

export interface MeterEntry {
  readonly serial: number;
  readonly point: number;
  readonly port: number;
  /** D7..D5 of the rate/port byte: 0 default, 1 600 … 7 19200 baud. */
  readonly baudCode: number;
  /** 0 do not read, 1 DL/T 645-1997, 2 AC sampling, 30 DL/T 645-2007, 31 PLC module. */
  readonly protocol: number;
  /** 12 decimal digits, most significant first. */
  readonly address: string;
  readonly password: Uint8Array;
  readonly tariffCount: number;
  /** Raw digits byte (D3..D2 integer digits − 4, D1..D0 decimal digits − 1). */
  readonly digits: number;
  /** 12 digits; all zeros = not behind a collector. */
  readonly collector: string;
  /** Raw user-class byte (D7..D4 big class, D3..D0 small class). */
  readonly userClass: number;
  /** The 27-byte entry as received. */
  readonly raw: Uint8Array;
}

interface Row {
  serial: number;
  point: number;
  port: number;
  baud_code: number;
  protocol: number;
  address: string;
  password: Uint8Array;
  tariff_count: number;
  digits: number;
  collector: string;
  user_class: number;
  raw: Uint8Array;
}

const COLUMNS =
  "serial, point, port, baud_code, protocol, address, password, tariff_count, digits, collector, user_class, raw";

export class MetersRepository {
  readonly #db: Database;
  readonly #clock: Clock;
  readonly #quarantine: Quarantine;

  constructor(db: Database, clock: Clock, quarantine: Quarantine) {
    this.#db = db;
    this.#clock = clock;
    this.#quarantine = quarantine;
  }

  /** Inserts or replaces entries by serial, all in one transaction. */
  upsertMany(entries: readonly MeterEntry[]): void {
    const stmt = this.#db.statement(
      `INSERT OR REPLACE INTO meters (${COLUMNS}, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const now = this.#clock.now();
    this.#db.transaction(() => {
      for (const e of entries) {
        stmt.run(
          e.serial,
          e.point,
          e.port,
          e.baudCode,
          e.protocol,
          e.address,
          e.password,
          e.tariffCount,
          e.digits,
          e.collector,
          e.userClass,
          e.raw,
          now,
        );
      }
    });
  }

  deleteSerials(serials: readonly number[]): void {
    this.#db
      .statement("DELETE FROM meters WHERE serial IN (SELECT value FROM json_each(?))")
      .run(JSON.stringify(serials));
  }

  /** Deletes every meter on one port (AFN05 F53). */
  deletePort(port: number): number {
    return Number(this.#db.statement("DELETE FROM meters WHERE port = ?").run(port).changes);
  }

  get(serial: number): MeterEntry | undefined {
    const row = this.#db.statement(`SELECT ${COLUMNS} FROM meters WHERE serial = ?`).get(serial) as
      | Row
      | undefined;
    return row === undefined ? undefined : this.#load(row);
  }

  getByPoint(point: number): MeterEntry | undefined {
    const row = this.#db
      .statement(`SELECT ${COLUMNS} FROM meters WHERE point = ? ORDER BY serial LIMIT 1`)
      .get(point) as Row | undefined;
    return row === undefined ? undefined : this.#load(row);
  }

  /** Meters with this address on this port (should be at most one; F10 validation keeps it so). */
  findByAddress(port: number, address: string): MeterEntry[] {
    return this.#loadAll(
      this.#db
        .statement(`SELECT ${COLUMNS} FROM meters WHERE port = ? AND address = ? ORDER BY serial`)
        .all(port, address) as unknown as Row[],
    );
  }

  list(): MeterEntry[] {
    return this.#loadAll(
      this.#db.statement(`SELECT ${COLUMNS} FROM meters ORDER BY serial`).all() as unknown as Row[],
    );
  }

  listPort(port: number): MeterEntry[] {
    return this.#loadAll(
      this.#db
        .statement(`SELECT ${COLUMNS} FROM meters WHERE port = ? ORDER BY serial`)
        .all(port) as unknown as Row[],
    );
  }

  count(): number {
    return Number((this.#db.statement("SELECT count(*) AS n FROM meters").get() as { n: number }).n);
  }

  /** Changes whenever the archive does (count and latest update): lets readers cache the list cheaply. */
  changeStamp(): string {
    const row = this.#db.statement("SELECT count(*) AS n, max(updated_at) AS t FROM meters").get() as {
      n: number;
      t: number | null;
    };
    return `${row.n}/${row.t ?? 0}`;
  }

  clear(): void {
    this.#db.statement("DELETE FROM meters").run();
  }

  #loadAll(rows: Row[]): MeterEntry[] {
    const out: MeterEntry[] = [];
    for (const row of rows) {
      const entry = this.#load(row);
      if (entry !== undefined) out.push(entry);
    }
    return out;
  }

  #load(row: Row): MeterEntry | undefined {
    const problem = shapeProblem(row);
    if (problem !== undefined) {
      this.#quarantine.put("meters", row, problem);
      this.#db.statement("DELETE FROM meters WHERE serial = ?").run(row.serial);
      return undefined;
    }
    return {
      serial: row.serial,
      point: row.point,
      port: row.port,
      baudCode: row.baud_code,
      protocol: row.protocol,
      address: row.address,
      password: row.password,
      tariffCount: row.tariff_count,
      digits: row.digits,
      collector: row.collector,
      userClass: row.user_class,
      raw: row.raw,
    };
  }
}

function shapeProblem(row: Row): string | undefined {
  if (!/^[0-9]{12}$/.test(row.address)) return `address ${JSON.stringify(row.address)} is not 12 digits`;
  if (!/^[0-9]{12}$/.test(row.collector)) return "collector address is not 12 digits";
  if (!(row.raw instanceof Uint8Array) || row.raw.length !== 27) return "raw entry is not 27 bytes";
  if (!(row.password instanceof Uint8Array) || row.password.length !== 6) return "password is not 6 bytes";
  return undefined;
}
