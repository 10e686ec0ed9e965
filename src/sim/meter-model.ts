/**
 * The state of one simulated electricity meter, advanced in domain time from an injected `Clock`:
 *
 *   true time (Clock) ──► meter clock (offset + drift, settable) ──► tariff, freezes, settlement
 *                     └─► load profile (deterministic from seed) ──► energy registers per tariff
 *
 * Everything is deterministic from `seed`, so two runs (or a test and a bench) see the same meter. At
 * creation the meter "has been running" for `historyDays` days, so daily frozen data for the last 62 days
 * and 12 settlement months exist exactly as a real meter would have produced them at its freeze times.
 *
 * Wall time of the meter: the UTC fields of (meter ms + utcOffsetMinutes); the default offset is 0, set
 * 480 for meters on China Standard Time when the reading side uses real local time.
 */
import type { Clock } from "../common/clock.ts";

export type MeterEdition = "2007" | "1997";

/** Event kinds kept by the model (names match `EVENT_IDENTIFIERS` in the DI table). */
export type MeterEventKind =
  | "programming"
  | "meter clear"
  | "maximum demand clear"
  | "event clear"
  | "clock set"
  | "meter cover open"
  | "terminal-block cover open"
  | "trip"
  | "close"
  | "power down";

export const METER_EVENT_KINDS: readonly MeterEventKind[] = [
  "programming",
  "meter clear",
  "maximum demand clear",
  "event clear",
  "clock set",
  "meter cover open",
  "terminal-block cover open",
  "trip",
  "close",
  "power down",
];

export interface TariffPeriod {
  /** Meter-local hour (0..23) at which the period starts. */
  readonly fromHour: number;
  /** Tariff number 1..tariffs. */
  readonly tariff: number;
}

/** A common four-tariff day: 1 sharp, 2 peak, 3 flat, 4 valley. */
export const DEFAULT_TARIFF_SCHEDULE: readonly TariffPeriod[] = [
  { fromHour: 0, tariff: 4 },
  { fromHour: 8, tariff: 2 },
  { fromHour: 10, tariff: 1 },
  { fromHour: 12, tariff: 3 },
  { fromHour: 17, tariff: 2 },
  { fromHour: 19, tariff: 1 },
  { fromHour: 21, tariff: 3 },
  { fromHour: 23, tariff: 4 },
];

/** Relative household load by local hour. */
const LOAD_SHAPE = [
  0.35, 0.3, 0.28, 0.28, 0.3, 0.4, 0.7, 0.9, 0.8, 0.7, 0.65, 0.7, 0.8, 0.7, 0.6, 0.6, 0.7, 0.9, 1.2, 1.4, 1.3,
  1.0, 0.7, 0.5,
];

export interface MeterModelOptions {
  readonly address: string;
  readonly edition?: MeterEdition;
  readonly clock: Clock;
  readonly seed?: number;
  readonly tariffs?: number;
  readonly tariffSchedule?: readonly TariffPeriod[];
  /** Average load in kW (default 0.3..1.5 from the seed). */
  readonly baseLoadKw?: number;
  /** Meter clock error at creation, ms (default −60..+60 s from the seed). */
  readonly clockOffsetMs?: number;
  /** Meter clock drift, parts per million (default −20..+20 from the seed). */
  readonly clockDriftPpm?: number;
  readonly utcOffsetMinutes?: number;
  /** Days the meter has been running before the clock's current time (default 400: 62 days + 12 months). */
  readonly historyDays?: number;
  /** Settlement day and hour (DDhh; default 1st at 00). */
  readonly settlementDay?: number;
  readonly settlementHour?: number;
  /** Level-2 password code (6 hex digits, default "000000"). */
  readonly password?: string;
  /** Programming key pressed (needed to change the address); default false. */
  readonly programmingEnabled?: boolean;
  /** Largest correction a broadcast time sync may apply, ms (default 5 min) [M]. */
  readonly broadcastLimitMs?: number;
}

export interface WallTime {
  year: number;
  month: number;
  day: number;
  weekday: number;
  hour: number;
  minute: number;
  second: number;
}

/** Energies by kind, each [total, tariff 1..N] in kWh / kvarh. */
export interface EnergySet {
  positiveActive: number[];
  reverseActive: number[];
  reactiveQ1: number[];
  reactiveQ2: number[];
  reactiveQ3: number[];
  reactiveQ4: number[];
}

export interface DemandValue {
  kw: number;
  /** Meter wall time of the maximum. */
  at: WallTime;
}

export interface FrozenRecord {
  /** Meter wall time of the freeze. */
  at: WallTime;
  energies: EnergySet;
  positiveDemand: DemandValue[];
  reverseDemand: DemandValue[];
}

export interface MeterEvent {
  kind: MeterEventKind;
  /** Meter wall time at which the event started. */
  at: WallTime;
  /** End (power down, cover close). */
  end?: WallTime;
  operator: number;
  before?: EnergySet;
  after?: EnergySet;
  /** Clock set: the time before and after. */
  timeBefore?: WallTime;
  timeAfter?: WallTime;
  /** Event clear: the cleared identifier; programming: the written identifiers. */
  identifiers?: number[];
  demands?: DemandValue[];
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** 32-bit integer hash → [0, 1). Stateless so that any hour's load can be computed on its own. */
export function hashUnit(seed: number, n: number): number {
  let h = (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(n, 0xc2b2ae35)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  return h / 2 ** 32;
}

export function toWall(ms: number): WallTime {
  const d = new Date(ms);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    // DL/T 645: 0 = Sunday, 1..6 = Monday..Saturday [H].
    weekday: d.getUTCDay(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
  };
}

export function fromWall(w: Omit<WallTime, "weekday">): number {
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
}

function emptyEnergies(tariffs: number): EnergySet {
  const zero = (): number[] => new Array<number>(tariffs + 1).fill(0);
  return {
    positiveActive: zero(),
    reverseActive: zero(),
    reactiveQ1: zero(),
    reactiveQ2: zero(),
    reactiveQ3: zero(),
    reactiveQ4: zero(),
  };
}

function cloneEnergies(e: EnergySet): EnergySet {
  return {
    positiveActive: [...e.positiveActive],
    reverseActive: [...e.reverseActive],
    reactiveQ1: [...e.reactiveQ1],
    reactiveQ2: [...e.reactiveQ2],
    reactiveQ3: [...e.reactiveQ3],
    reactiveQ4: [...e.reactiveQ4],
  };
}

export const DAILY_FROZEN_KEPT = 62;
export const SETTLEMENTS_KEPT = 12;
export const EVENTS_KEPT = 10;

/** The meter's state; all mutations go through methods so that energy is integrated up to "now" first. */
export class MeterModel {
  readonly address: string;
  readonly edition: MeterEdition;
  readonly seed: number;
  readonly tariffs: number;
  readonly tariffSchedule: readonly TariffPeriod[];
  readonly baseLoadKw: number;
  readonly utcOffsetMinutes: number;
  readonly broadcastLimitMs: number;
  settlementDay: number;
  settlementHour: number;
  password: string;
  programmingEnabled: boolean;
  /** Relay open (tripped): no load, no energy. */
  relayOpen = false;
  /** Daily frozen records, newest first (at most 62). */
  readonly daily: FrozenRecord[] = [];
  /** Settlement snapshots, newest first (at most 12). */
  readonly settlements: FrozenRecord[] = [];
  /** Instantaneous freezes (freeze command 99999999), newest first (at most 3). */
  readonly instantFreezes: FrozenRecord[] = [];
  /** Event records per kind, newest first (at most 10), and the counters. */
  readonly events = new Map<MeterEventKind, MeterEvent[]>();
  readonly eventCounts = new Map<MeterEventKind, number>();
  /** Last broadcast time sync, meter wall date (real meters accept one a day) [M]. */
  #lastBroadcastDay = -1;

  readonly #clock: Clock;
  #energies: EnergySet;
  #demand: { positive: DemandValue[]; reverse: DemandValue[] };
  /** True time up to which energy is integrated. */
  #t: number;
  /** Meter clock = t + offset + drift × (t − driftRef). */
  #offsetMs: number;
  #driftPpm: number;
  #driftRef: number;
  #lastDayKey: number;
  #lastSettlementKey: number;
  #advancing = false;

  constructor(options: MeterModelOptions) {
    this.address = options.address;
    this.edition = options.edition ?? "2007";
    this.seed = (options.seed ?? Number.parseInt(options.address.slice(-8), 10)) >>> 0;
    this.tariffs = options.tariffs ?? 4;
    this.tariffSchedule = options.tariffSchedule ?? DEFAULT_TARIFF_SCHEDULE;
    this.baseLoadKw = options.baseLoadKw ?? 0.3 + 1.2 * hashUnit(this.seed, -1);
    this.utcOffsetMinutes = options.utcOffsetMinutes ?? 0;
    this.broadcastLimitMs = options.broadcastLimitMs ?? 5 * 60_000;
    this.settlementDay = options.settlementDay ?? 1;
    this.settlementHour = options.settlementHour ?? 0;
    this.password = options.password ?? "000000";
    this.programmingEnabled = options.programmingEnabled ?? false;
    this.#clock = options.clock;
    this.#offsetMs = options.clockOffsetMs ?? Math.round((hashUnit(this.seed, -2) * 2 - 1) * 60_000);
    this.#driftPpm = options.clockDriftPpm ?? (hashUnit(this.seed, -3) * 2 - 1) * 20;
    const now = this.#clock.now();
    const historyDays = options.historyDays ?? 400;
    this.#t = now - historyDays * DAY;
    this.#driftRef = this.#t;
    this.#energies = emptyEnergies(this.tariffs);
    // A meter installed with some energy already on it (factory test, previous tenant) [L].
    const initial = Math.round(hashUnit(this.seed, -4) * 5000 * 100) / 100;
    this.#energies.positiveActive[1] = initial;
    this.#energies.positiveActive[0] = initial;
    this.#demand = this.#emptyDemand();
    for (const kind of METER_EVENT_KINDS) {
      this.events.set(kind, []);
      this.eventCounts.set(kind, 0);
    }
    this.#lastDayKey = this.#dayKey(this.meterMs());
    this.#lastSettlementKey = this.#settlementKey(this.meterMs());
    this.advance();
  }

  #emptyDemand(): { positive: DemandValue[]; reverse: DemandValue[] } {
    const at = toWall(this.meterMs() + this.utcOffsetMinutes * 60_000);
    const make = (): DemandValue[] => Array.from({ length: this.tariffs + 1 }, () => ({ kw: 0, at }));
    return { positive: make(), reverse: make() };
  }

  /** The meter's own clock (epoch ms, before the UTC offset) at true time `t` (default: integrated time). */
  meterMs(t = this.#t): number {
    return t + this.#offsetMs + (this.#driftPpm * (t - this.#driftRef)) / 1e6;
  }

  /** Meter wall time now. */
  wallNow(): WallTime {
    this.advance();
    return this.#wall(this.meterMs());
  }

  #wall(meterMs: number): WallTime {
    return toWall(meterMs + this.utcOffsetMinutes * 60_000);
  }

  #dayKey(meterMs: number): number {
    return Math.floor((meterMs + this.utcOffsetMinutes * 60_000) / DAY);
  }

  /** Counts settlement periods: increments each time the wall clock passes DD hh. */
  #settlementKey(meterMs: number): number {
    const w = this.#wall(meterMs);
    const past =
      w.day > this.settlementDay || (w.day === this.settlementDay && w.hour >= this.settlementHour);
    return w.year * 12 + (w.month - 1) + (past ? 1 : 0);
  }

  tariffAt(hour: number): number {
    let tariff = this.tariffSchedule[0]?.tariff ?? 1;
    for (const p of this.tariffSchedule) if (hour >= p.fromHour) tariff = p.tariff;
    return Math.min(Math.max(tariff, 1), this.tariffs);
  }

  /** Load in kW during the true hour containing `t` (deterministic from seed). */
  loadKw(t: number): number {
    if (this.relayOpen) return 0;
    const hourIndex = Math.floor(t / HOUR);
    const localHour = this.#wall(this.meterMs(t)).hour;
    const shape = LOAD_SHAPE[localHour] ?? 1;
    return this.baseLoadKw * shape * (0.6 + 0.8 * hashUnit(this.seed, hourIndex));
  }

  /** Integrates energy and runs freezes up to the clock's current time. */
  advance(): void {
    if (this.#advancing) return;
    this.#advancing = true;
    try {
      this.#advanceTo(this.#clock.now());
    } finally {
      this.#advancing = false;
    }
  }

  #advanceTo(target: number): void {
    while (this.#t < target) {
      const meterNow = this.meterMs();
      const localNow = meterNow + this.utcOffsetMinutes * 60_000;
      const toBoundary = HOUR - (((localNow % HOUR) + HOUR) % HOUR);
      const trueToTrue = Math.min(HOUR - (this.#t % HOUR), toBoundary / (1 + this.#driftPpm / 1e6));
      const end = Math.min(target, this.#t + Math.max(1, trueToTrue));
      this.#integrate(this.#t, end);
      this.#t = end;
      this.#checkBoundaries();
    }
  }

  #integrate(from: number, to: number): void {
    const kw = this.loadKw(from);
    const kwh = (kw * (to - from)) / HOUR;
    if (kwh <= 0) return;
    const wall = this.#wall(this.meterMs(from));
    const tariff = this.tariffAt(wall.hour);
    const e = this.#energies;
    const addTo = (reg: number[], v: number): void => {
      reg[0] = (reg[0] ?? 0) + v;
      reg[tariff] = (reg[tariff] ?? 0) + v;
    };
    addTo(e.positiveActive, kwh);
    addTo(e.reactiveQ1, kwh * 0.25);
    addTo(e.reactiveQ4, kwh * 0.02);
    for (const idx of [0, tariff]) {
      const d = this.#demand.positive[idx];
      if (d !== undefined && kw > d.kw) {
        this.#demand.positive[idx] = { kw: Math.round(kw * 10000) / 10000, at: wall };
      }
    }
  }

  #checkBoundaries(): void {
    const meterNow = this.meterMs();
    const dayKey = this.#dayKey(meterNow);
    if (dayKey > this.#lastDayKey) {
      // Daily freeze at 00:00 meter time (a jump over several days freezes once, as meters do) [M].
      this.#lastDayKey = dayKey;
      const at = this.#wall(dayKey * DAY - this.utcOffsetMinutes * 60_000);
      this.daily.unshift(this.#snapshot(at));
      if (this.daily.length > DAILY_FROZEN_KEPT) this.daily.length = DAILY_FROZEN_KEPT;
      this.#historyEvents(dayKey);
    } else if (dayKey < this.#lastDayKey) {
      this.#lastDayKey = dayKey;
    }
    const settlementKey = this.#settlementKey(meterNow);
    if (settlementKey > this.#lastSettlementKey) {
      this.#lastSettlementKey = settlementKey;
      const w = this.#wall(meterNow);
      const at: WallTime = { ...w, day: this.settlementDay, hour: this.settlementHour, minute: 0, second: 0 };
      this.settlements.unshift(this.#snapshot(at));
      if (this.settlements.length > SETTLEMENTS_KEPT) this.settlements.length = SETTLEMENTS_KEPT;
      // Settlement resets the maximum demand (DL/T 645-2007: demand is per settlement period) [H].
      this.#demand = this.#emptyDemand();
    } else if (settlementKey < this.#lastSettlementKey) {
      this.#lastSettlementKey = settlementKey;
    }
  }

  /** Occasional power cuts in the simulated history, deterministic from the seed [L: rate is invented]. */
  #historyEvents(dayKey: number): void {
    if (hashUnit(this.seed, dayKey * 7 + 1) < 0.03) {
      const startMs = dayKey * DAY + Math.floor(hashUnit(this.seed, dayKey * 7 + 2) * 20 * HOUR);
      const minutes = 1 + Math.floor(hashUnit(this.seed, dayKey * 7 + 3) * 120);
      this.#record({
        kind: "power down",
        at: toWall(startMs),
        end: toWall(startMs + minutes * 60_000),
        operator: 0,
      });
    }
  }

  #snapshot(at: WallTime): FrozenRecord {
    return {
      at,
      energies: this.#roundedEnergies(),
      positiveDemand: this.#demand.positive.map((d) => ({ ...d })),
      reverseDemand: this.#demand.reverse.map((d) => ({ ...d })),
    };
  }

  #record(event: MeterEvent): void {
    const list = this.events.get(event.kind) ?? [];
    list.unshift(event);
    if (list.length > EVENTS_KEPT) list.length = EVENTS_KEPT;
    this.events.set(event.kind, list);
    this.eventCounts.set(event.kind, (this.eventCounts.get(event.kind) ?? 0) + 1);
  }

  /** Current energies, rounded down to the register resolution (0.01). */
  energies(): EnergySet {
    this.advance();
    return this.#roundedEnergies();
  }

  #roundedEnergies(): EnergySet {
    const e = cloneEnergies(this.#energies);
    for (const reg of Object.values(e) as number[][]) {
      for (let i = 0; i < reg.length; i++) reg[i] = Math.floor((reg[i] ?? 0) * 100 + 1e-6) / 100;
      // Registers roll over at 999999.99 like the 8-digit display [H].
      for (let i = 0; i < reg.length; i++) reg[i] = (reg[i] ?? 0) % 1_000_000;
    }
    return e;
  }

  demand(): { positive: DemandValue[]; reverse: DemandValue[] } {
    this.advance();
    return {
      positive: this.#demand.positive.map((d) => ({ ...d })),
      reverse: this.#demand.reverse.map((d) => ({ ...d })),
    };
  }

  /** Instantaneous values (single-phase meter on phase A) [L: values are plausible, not measured]. */
  instant(): {
    voltage: number[];
    current: number[];
    activeKw: number[];
    reactiveKvar: number[];
    apparentKva: number[];
    powerFactor: number[];
    frequency: number;
  } {
    this.advance();
    const t = this.#clock.now();
    const kw = this.loadKw(t);
    const voltage = Math.round((220 + (hashUnit(this.seed, Math.floor(t / 60_000)) - 0.5) * 10) * 10) / 10;
    const pf = kw === 0 ? 1 : 0.97;
    const kva = kw / pf;
    const kvar = Math.sqrt(Math.max(0, kva * kva - kw * kw));
    const current = Math.round(((kva * 1000) / voltage) * 1000) / 1000;
    const r4 = (v: number): number => Math.round(v * 10000) / 10000;
    return {
      voltage: [voltage, 0, 0],
      current: [current, 0, 0],
      activeKw: [r4(kw), r4(kw), 0, 0],
      reactiveKvar: [r4(kvar), r4(kvar), 0, 0],
      apparentKva: [r4(kva), r4(kva), 0, 0],
      powerFactor: [pf, pf, 0, 0],
      frequency: 50 + Math.round((hashUnit(this.seed, Math.floor(t / 60_000) + 1) - 0.5) * 10) / 100,
    };
  }

  /**
   * Run-status words 1..7 (DL/T 645-2007 Appendix A, 电表运行状态字) [M]: word 1 bit 2 clock battery low,
   * bit 4 active power reverse; word 3 bit 3 programming allowed, bit 4 relay open, bit 6 relay command trip.
   */
  statusWords(): number[] {
    const word3 = (this.programmingEnabled ? 1 << 3 : 0) | (this.relayOpen ? (1 << 4) | (1 << 6) : 0);
    return [0, 0, word3, 0, 0, 0, 0];
  }

  // --- writes --------------------------------------------------------------------------------------------

  /** Sets the meter clock to a wall time; records a clock-set event (operator given). */
  setTime(wall: Omit<WallTime, "weekday">, operator = 0): void {
    this.advance();
    const before = this.#wall(this.meterMs());
    this.#setMeterMs(fromWall(wall) - this.utcOffsetMinutes * 60_000);
    this.#record({
      kind: "clock set",
      at: this.#wall(this.meterMs()),
      operator,
      timeBefore: before,
      timeAfter: this.#wall(this.meterMs()),
    });
  }

  /** Sets only the date (keeps the time of day). */
  setDate(year: number, month: number, day: number, operator = 0): void {
    const w = this.wallNow();
    this.setTime({ year, month, day, hour: w.hour, minute: w.minute, second: w.second }, operator);
  }

  /** Sets only the time of day. */
  setTimeOfDay(hour: number, minute: number, second: number, operator = 0): void {
    const w = this.wallNow();
    this.setTime({ year: w.year, month: w.month, day: w.day, hour, minute, second }, operator);
  }

  #setMeterMs(meterMs: number): void {
    this.#offsetMs = meterMs - this.#t;
    this.#driftRef = this.#t;
  }

  /**
   * Broadcast time sync: applied only when the correction is within `broadcastLimitMs` and at most once per
   * meter day (DL/T 645-2007 §7.2 note; State Grid meter spec) [M]. Returns whether it was applied.
   */
  broadcastTime(wall: Omit<WallTime, "weekday">): boolean {
    this.advance();
    const target = fromWall(wall) - this.utcOffsetMinutes * 60_000;
    const delta = target - this.meterMs();
    const day = this.#dayKey(this.meterMs());
    if (Math.abs(delta) > this.broadcastLimitMs || day === this.#lastBroadcastDay) return false;
    this.#lastBroadcastDay = day;
    this.#setMeterMs(target);
    return true;
  }

  /** Instantaneous freeze (freeze command 99999999). */
  freezeNow(): void {
    this.instantFreezes.unshift(this.#snapshot(this.wallNow()));
    if (this.instantFreezes.length > 3) this.instantFreezes.length = 3;
  }

  trip(operator = 0): void {
    this.advance();
    if (this.relayOpen) return;
    this.relayOpen = true;
    this.#record({ kind: "trip", at: this.#wall(this.meterMs()), operator, before: this.energies() });
  }

  close(operator = 0): void {
    this.advance();
    if (!this.relayOpen) return;
    this.relayOpen = false;
    this.#record({ kind: "close", at: this.#wall(this.meterMs()), operator, before: this.energies() });
  }

  /** Meter clear: energies, demand, frozen data and events are cleared; one meter-clear record remains [M]. */
  clearMeter(operator = 0): void {
    this.advance();
    const before = this.energies();
    this.#energies = emptyEnergies(this.tariffs);
    this.#demand = this.#emptyDemand();
    this.daily.length = 0;
    this.settlements.length = 0;
    this.instantFreezes.length = 0;
    const clearCount = this.eventCounts.get("meter clear") ?? 0;
    const clearList = this.events.get("meter clear") ?? [];
    for (const kind of METER_EVENT_KINDS) {
      this.events.set(kind, []);
      this.eventCounts.set(kind, 0);
    }
    this.events.set("meter clear", clearList);
    this.eventCounts.set("meter clear", clearCount);
    this.#record({ kind: "meter clear", at: this.#wall(this.meterMs()), operator, before });
  }

  clearDemand(operator = 0): void {
    this.advance();
    const demands = [...this.#demand.positive, ...this.#demand.reverse];
    this.#demand = this.#emptyDemand();
    this.#record({ kind: "maximum demand clear", at: this.#wall(this.meterMs()), operator, demands });
  }

  /** Clears one event kind (or all but the clear record when `kind` is undefined). */
  clearEvents(kind: MeterEventKind | undefined, identifier: number, operator = 0): void {
    this.advance();
    for (const k of METER_EVENT_KINDS) {
      if (k === "meter clear" || k === "event clear") continue;
      if (kind === undefined || kind === k) {
        this.events.set(k, []);
        this.eventCounts.set(k, 0);
      }
    }
    this.#record({
      kind: "event clear",
      at: this.#wall(this.meterMs()),
      operator,
      identifiers: [identifier],
    });
  }

  /** Records a programming event (a successful write). */
  programmed(identifiers: number[], operator = 0): void {
    this.#record({ kind: "programming", at: this.wallNow(), operator, identifiers });
  }

  /** Simulates opening a cover for `durationMs` starting now (the record carries energies before/after). */
  openCover(kind: "meter cover open" | "terminal-block cover open", durationMs = 60_000): void {
    const before = this.energies();
    const at = this.wallNow();
    const end = this.#wall(this.meterMs() + durationMs);
    this.#record({ kind, at, end, operator: 0, before, after: before });
  }

  /** Simulates a power cut of `durationMs` that ended now. */
  powerDown(durationMs: number): void {
    const end = this.wallNow();
    const at = this.#wall(this.meterMs() - durationMs);
    this.#record({ kind: "power down", at, end, operator: 0 });
  }
}
