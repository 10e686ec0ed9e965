/**
 * The store: one SQLite file and one repository per aggregate. This is the durable truth the uplink, the
 * terminal and the reading engine share (architecture: "the database is the truth").
 *
 *   Store ── Database (WAL, synchronous=FULL, migrations)
 *     ├─ parameters   AFN04 bodies per (Fn, pn)         ├─ events        two 256-entry ERC rings + EC1/EC2
 *     ├─ meters       AFN04 F10 archive                 ├─ meterEvents   events read from meters (bounded)
 *     ├─ readings     current value per (item, point)   ├─ readingState  per-meter success/failure, 补抄 needs
 *     ├─ daily/monthly/curves  frozen data, retention   ├─ traffic       bytes per day / month
 *     ├─ kv           small terminal state              ├─ files         AFN0F transfer state
 *     └─ outbox       active reports until confirmed
 */
import type { Clock } from "../common/clock.ts";
import { type Logger, silentLogger } from "../common/logger.ts";
import { CollectAlarmsRepository } from "./collect-alarms-repo.ts";
import { type Database, openDatabase } from "./database.ts";
import { EventsRepository } from "./events-repo.ts";
import { FileTransferRepository } from "./file-transfer-repo.ts";
import { FrozenRepository } from "./frozen-repo.ts";
import { KvRepository } from "./kv-repo.ts";
import { MeterEventsRepository } from "./meter-events-repo.ts";
import { MeterWatchRepository } from "./meter-watch-repo.ts";
import { MetersRepository } from "./meters-repo.ts";
import { OutboxRepository } from "./outbox-repo.ts";
import { ParametersRepository } from "./parameters-repo.ts";
import { Quarantine } from "./quarantine.ts";
import { ReadingStateRepository } from "./reading-state-repo.ts";
import { ReadingsRepository } from "./readings-repo.ts";
import { TrafficRepository } from "./traffic-repo.ts";

export interface StoreOptions {
  /** Path of the SQLite file (`:memory:` for throw-away tests). */
  path: string;
  clock: Clock;
  /** Offset of terminal-local civil time from UTC, for day/month keys (China: 480). */
  utcOffsetMinutes?: number;
  logger?: Logger;
}

export class Store {
  readonly db: Database;
  readonly clock: Clock;
  readonly utcOffsetMinutes: number;
  readonly quarantine: Quarantine;
  readonly kv: KvRepository;
  readonly parameters: ParametersRepository;
  readonly meters: MetersRepository;
  readonly readings: ReadingsRepository;
  readonly daily: FrozenRepository;
  readonly monthly: FrozenRepository;
  readonly curves: FrozenRepository;
  readonly readingState: ReadingStateRepository;
  readonly collectAlarms: CollectAlarmsRepository;
  readonly events: EventsRepository;
  readonly meterEvents: MeterEventsRepository;
  readonly meterWatch: MeterWatchRepository;
  readonly traffic: TrafficRepository;
  readonly files: FileTransferRepository;
  readonly outbox: OutboxRepository;

  constructor(options: StoreOptions) {
    const logger = (options.logger ?? silentLogger).child({ module: "store" });
    this.clock = options.clock;
    this.utcOffsetMinutes = options.utcOffsetMinutes ?? 0;
    this.db = openDatabase(options.path, { logger });
    const db = this.db;
    this.quarantine = new Quarantine(db, this.clock, logger);
    this.kv = new KvRepository(db);
    this.parameters = new ParametersRepository(db, this.clock, this.quarantine);
    this.meters = new MetersRepository(db, this.clock, this.quarantine);
    this.readings = new ReadingsRepository(db, this.quarantine);
    this.daily = new FrozenRepository("daily", db, this.clock, this.utcOffsetMinutes, this.quarantine);
    this.monthly = new FrozenRepository("monthly", db, this.clock, this.utcOffsetMinutes, this.quarantine);
    this.curves = new FrozenRepository("curve", db, this.clock, this.utcOffsetMinutes, this.quarantine);
    this.readingState = new ReadingStateRepository(db);
    this.collectAlarms = new CollectAlarmsRepository(db);
    this.events = new EventsRepository(db, this.quarantine);
    this.meterEvents = new MeterEventsRepository(db);
    this.meterWatch = new MeterWatchRepository(db);
    this.traffic = new TrafficRepository(db, this.clock, this.utcOffsetMinutes);
    this.files = new FileTransferRepository(db, this.clock);
    this.outbox = new OutboxRepository(db, this.kv, this.quarantine);
  }

  /** Runs `fn` in one transaction (repositories' own transactions join it). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn);
  }

  /**
   * Clears collected data — readings, frozen data, reading state, terminal and meter events, traffic,
   * file transfers — and keeps parameters and the meter archive (AFN01 F2, shared/protocol §3.8).
   */
  clearData(): void {
    this.transaction(() => {
      this.readings.clear();
      this.daily.clear();
      this.monthly.clear();
      this.curves.clear();
      this.readingState.clear();
      this.collectAlarms.clear();
      this.events.clear();
      this.meterEvents.clear();
      this.meterWatch.clear();
      this.traffic.clear();
      this.files.clear();
      this.outbox.clear();
    });
  }

  /** Deletes parameters (and the meter archive) except the Fn numbers in `keep`. */
  clearParameters(keep: ReadonlySet<number> = new Set()): void {
    this.transaction(() => {
      this.parameters.clearExcept(keep);
      if (!keep.has(10)) this.meters.clear();
    });
  }

  integrityCheck(): string[] {
    return this.db.integrityCheck();
  }

  close(): void {
    this.db.close();
  }
}

export { SCHEMA_VERSION } from "./database.ts";
