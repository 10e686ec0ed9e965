/**
 * The one SQLite connection (node:sqlite `DatabaseSync`): WAL journal, `synchronous=FULL` so a commit is on
 * disk before it returns (architecture: "committed before acknowledged"), foreign keys on, and numbered
 * migrations tracked in `PRAGMA user_version`.
 */
import { backup, DatabaseSync, type StatementSync } from "node:sqlite";
import { OpenDcuError } from "../common/errors.ts";
import type { Logger } from "../common/logger.ts";
import { MIGRATIONS, type Migration, SCHEMA_VERSION } from "./migrations.ts";

export type SqlValue = null | number | bigint | string | Uint8Array;

export class Database {
  readonly path: string;
  readonly #db: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();
  #depth = 0;

  constructor(path: string, db: DatabaseSync) {
    this.path = path;
    this.#db = db;
  }

  /** A prepared statement, cached by its SQL text (repositories prepare once, run many times). */
  statement(sql: string): StatementSync {
    let stmt = this.#statements.get(sql);
    if (stmt === undefined) {
      stmt = this.#db.prepare(sql);
      this.#statements.set(sql, stmt);
    }
    return stmt;
  }

  exec(sql: string): void {
    this.#db.exec(sql);
  }

  /**
   * Runs `fn` inside one short synchronous transaction (BEGIN IMMEDIATE takes the write lock up front, so
   * two writers never dead-lock half way). Nested calls join the outer transaction.
   */
  transaction<T>(fn: () => T): T {
    if (this.#depth > 0) {
      this.#depth++;
      try {
        return fn();
      } finally {
        this.#depth--;
      }
    }
    this.#db.exec("BEGIN IMMEDIATE");
    this.#depth = 1;
    try {
      const result = fn();
      this.#db.exec("COMMIT");
      return result;
    } catch (error) {
      if (this.#db.isTransaction) this.#db.exec("ROLLBACK");
      throw error;
    } finally {
      this.#depth = 0;
    }
  }

  /**
   * Runs `fn` inside a savepoint of the current transaction: if it throws, only its own writes are undone
   * (e.g. one refused AFN04 unit among accepted ones). Must be called inside `transaction`.
   */
  savepoint<T>(fn: () => T): T {
    if (this.#depth === 0) throw new Error("savepoint() outside a transaction");
    this.#db.exec("SAVEPOINT unit");
    try {
      const result = fn();
      this.#db.exec("RELEASE unit");
      return result;
    } catch (error) {
      this.#db.exec("ROLLBACK TO unit");
      this.#db.exec("RELEASE unit");
      throw error;
    }
  }

  /** `PRAGMA integrity_check` result lines; `["ok"]` when the file is sound. */
  integrityCheck(): string[] {
    const rows = this.#db.prepare("PRAGMA integrity_check").all() as { integrity_check: string }[];
    return rows.map((r) => r.integrity_check);
  }

  pragma(name: string): SqlValue | undefined {
    const row = this.#db.prepare(`PRAGMA ${name}`).get() as Record<string, SqlValue> | undefined;
    return row === undefined ? undefined : Object.values(row)[0];
  }

  /**
   * A consistent copy of the whole database at `path`, made with SQLite's online backup API (writers may
   * continue meanwhile). Resolves with the number of pages copied.
   */
  backupTo(path: string): Promise<number> {
    return backup(this.#db, path);
  }

  get isOpen(): boolean {
    return this.#db.isOpen;
  }

  close(): void {
    if (!this.#db.isOpen) return;
    this.#statements.clear();
    this.#db.close();
  }
}

export interface OpenDatabaseOptions {
  logger?: Logger;
  /** Migrations to apply (tests may pass a longer list); defaults to the project's. */
  migrations?: readonly Migration[];
}

/** Opens (creating if needed) the database file, sets durability pragmas and applies pending migrations. */
export function openDatabase(path: string, options: OpenDatabaseOptions = {}): Database {
  const migrations = options.migrations ?? MIGRATIONS;
  let raw: DatabaseSync;
  try {
    raw = new DatabaseSync(path, { enableForeignKeyConstraints: true, timeout: 5000 });
  } catch (cause) {
    throw new OpenDcuError("store.corrupt", `cannot open database ${path}`, { path }, { cause });
  }
  const db = new Database(path, raw);
  try {
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("PRAGMA synchronous = FULL");
    db.exec("PRAGMA foreign_keys = ON");
    const current = Number(db.pragma("user_version") ?? 0);
    const latest = migrations.length;
    if (current > latest) {
      throw new OpenDcuError(
        "store.invalid",
        `database schema version ${current} is newer than this program's ${latest}`,
        { path, current, latest },
      );
    }
    for (const migration of migrations) {
      if (migration.version <= current) continue;
      db.transaction(() => {
        db.exec(migration.sql);
        db.exec(`PRAGMA user_version = ${migration.version}`);
      });
      options.logger?.info(
        { version: migration.version, path },
        `applied migration: ${migration.description}`,
      );
    }
  } catch (error) {
    db.close();
    if (error instanceof OpenDcuError) throw error;
    throw new OpenDcuError("store.corrupt", `cannot prepare database ${path}`, { path }, { cause: error });
  }
  return db;
}

export { SCHEMA_VERSION };
