/**
 * Numbered schema migrations. `PRAGMA user_version` holds the number of the last one applied; each entry
 * runs once, inside its own transaction, in order. Never edit an applied entry: append a new one.
 *
 * All tables are STRICT so a wrongly typed value is refused by SQLite instead of silently stored.
 */
export interface Migration {
  readonly version: number;
  readonly description: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "initial schema: parameters, meter archive, readings, frozen data, events, traffic, files",
    sql: `
      CREATE TABLE kv (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT, WITHOUT ROWID;

      -- One row per AFN04 (Fn, pn): the raw body (AFN0A answers are byte-exact) and the decoded JSON.
      CREATE TABLE parameters (
        fn INTEGER NOT NULL CHECK (fn BETWEEN 1 AND 248),
        pn INTEGER NOT NULL CHECK (pn BETWEEN 0 AND 2040),
        body BLOB NOT NULL,
        decoded TEXT NOT NULL,
        set_at INTEGER NOT NULL,
        PRIMARY KEY (fn, pn)
      ) STRICT, WITHOUT ROWID;

      -- AFN04 F10 entries, one per configuration serial (shared/protocol/gw1376-1.md §4.3.1).
      CREATE TABLE meters (
        serial INTEGER PRIMARY KEY CHECK (serial BETWEEN 1 AND 2040),
        point INTEGER NOT NULL CHECK (point BETWEEN 1 AND 2040),
        port INTEGER NOT NULL CHECK (port BETWEEN 1 AND 31),
        baud_code INTEGER NOT NULL CHECK (baud_code BETWEEN 0 AND 7),
        protocol INTEGER NOT NULL CHECK (protocol BETWEEN 0 AND 255),
        address TEXT NOT NULL,
        password BLOB NOT NULL,
        tariff_count INTEGER NOT NULL,
        digits INTEGER NOT NULL,
        collector TEXT NOT NULL,
        user_class INTEGER NOT NULL,
        raw BLOB NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX meters_point ON meters (point);
      CREATE INDEX meters_port_address ON meters (port, address);

      -- Latest value per (data item, point).
      CREATE TABLE readings (
        item TEXT NOT NULL,
        point INTEGER NOT NULL,
        read_at INTEGER NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (item, point)
      ) STRICT, WITHOUT ROWID;

      -- Primary keys start with the period so "all points, one item, one day" is one index range.
      CREATE TABLE frozen_daily (
        period INTEGER NOT NULL,
        item TEXT NOT NULL,
        point INTEGER NOT NULL,
        read_at INTEGER NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (period, item, point)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE frozen_monthly (
        period INTEGER NOT NULL,
        item TEXT NOT NULL,
        point INTEGER NOT NULL,
        read_at INTEGER NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (period, item, point)
      ) STRICT, WITHOUT ROWID;

      -- Curve points; period = terminal-local minutes since the epoch of the point's time.
      CREATE TABLE curves (
        period INTEGER NOT NULL,
        item TEXT NOT NULL,
        point INTEGER NOT NULL,
        read_at INTEGER NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (period, item, point)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX curves_by_point ON curves (item, point, period);

      CREATE TABLE reading_state (
        point INTEGER PRIMARY KEY,
        last_success_at INTEGER,
        last_failure_at INTEGER,
        consecutive_failures INTEGER NOT NULL DEFAULT 0,
        total_failures INTEGER NOT NULL DEFAULT 0
      ) STRICT;

      -- Frozen data a supplementary read (补抄) still has to fetch.
      CREATE TABLE supplementary_needs (
        point INTEGER NOT NULL,
        item TEXT NOT NULL,
        period INTEGER NOT NULL,
        since INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (point, item, period)
      ) STRICT, WITHOUT ROWID;

      -- Two 256-entry rings (0 = important, 1 = general): shared/protocol/gw1376-1.md §3.6.
      CREATE TABLE event_log (
        ring INTEGER NOT NULL CHECK (ring IN (0, 1)),
        slot INTEGER NOT NULL CHECK (slot BETWEEN 0 AND 255),
        erc INTEGER NOT NULL CHECK (erc BETWEEN 0 AND 255),
        content BLOB NOT NULL,
        recorded_at INTEGER NOT NULL,
        PRIMARY KEY (ring, slot)
      ) STRICT, WITHOUT ROWID;

      -- next = EC1/EC2 (index where the next record goes); total = records ever written to the ring.
      CREATE TABLE event_counters (
        ring INTEGER PRIMARY KEY CHECK (ring IN (0, 1)),
        next INTEGER NOT NULL CHECK (next BETWEEN 0 AND 255),
        total INTEGER NOT NULL
      ) STRICT;
      INSERT INTO event_counters (ring, next, total) VALUES (0, 0, 0), (1, 0, 0);

      CREATE TABLE meter_events (
        id INTEGER PRIMARY KEY,
        point INTEGER NOT NULL,
        kind TEXT NOT NULL,
        occurred_at INTEGER,
        recorded_at INTEGER NOT NULL,
        data TEXT NOT NULL
      ) STRICT;
      CREATE INDEX meter_events_point ON meter_events (point, id);

      CREATE TABLE traffic_daily (
        period INTEGER PRIMARY KEY,
        up_bytes INTEGER NOT NULL,
        down_bytes INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE traffic_monthly (
        period INTEGER PRIMARY KEY,
        up_bytes INTEGER NOT NULL,
        down_bytes INTEGER NOT NULL
      ) STRICT;

      -- AFN0F F1 download in progress (shared/protocol/gw1376-1.md §4.9).
      CREATE TABLE file_transfers (
        file_id INTEGER PRIMARY KEY CHECK (file_id BETWEEN 1 AND 255),
        total_segments INTEGER NOT NULL CHECK (total_segments BETWEEN 1 AND 65535),
        segment_length INTEGER NOT NULL,
        received_count INTEGER NOT NULL,
        last_seen INTEGER NOT NULL,
        started_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE file_segments (
        file_id INTEGER NOT NULL REFERENCES file_transfers (file_id) ON DELETE CASCADE,
        segment INTEGER NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (file_id, segment)
      ) STRICT, WITHOUT ROWID;

      -- Rows that failed shape checks on load (conventions §20): kept for diagnosis, never trusted.
      CREATE TABLE quarantine (
        id INTEGER PRIMARY KEY,
        source TEXT NOT NULL,
        row TEXT NOT NULL,
        reason TEXT NOT NULL,
        at INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 2,
    description: "report outbox: active reports kept until the master confirms them",
    sql: `
      -- One row per active report frame (uplink/active-reporter.ts): kept across link drops and restarts
      -- until the master confirms it; bounded by the outbox-repo.ts cap.
      CREATE TABLE report_outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL CHECK (kind IN ('event', 'class1', 'class2')),
        afn INTEGER NOT NULL CHECK (afn BETWEEN 0 AND 255),
        units BLOB NOT NULL,
        event_slot INTEGER CHECK (event_slot BETWEEN 0 AND 255),
        created_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_attempt_at INTEGER
      ) STRICT;
    `,
  },
  {
    version: 3,
    description: "reading engine: reading alarms raised (ERC31/ERC39), so a restart never raises one twice",
    sql: `
      -- ERC39: one row per (point, day) whose supplementary reading failed; ERC31: period 0, present while the
      -- meter's reading failure is active (deleted when it is restored).
      CREATE TABLE collect_alarms (
        point INTEGER NOT NULL,
        erc INTEGER NOT NULL,
        period INTEGER NOT NULL,
        raised_at INTEGER NOT NULL,
        PRIMARY KEY (point, erc, period)
      ) STRICT, WITHOUT ROWID;
    `,
  },
  {
    version: 4,
    description: "meter watch: last status words, event counters and energy per meter (no duplicate events)",
    sql: `
      -- collect/meter-events.ts and time-sync.ts: one JSON value per (point, key), written with the event a
      -- change raises.
      CREATE TABLE meter_watch (
        point INTEGER NOT NULL,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (point, key)
      ) STRICT, WITHOUT ROWID;
    `,
  },
];

/** The schema version this code writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;
