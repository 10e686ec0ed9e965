/**
 * The terminal's daily power-supply time and reset count, the figures of AFN0D F49 (shared/protocol/
 * gw1376-1.md §4.7: supply minutes BIN 2 + reset count BIN 2 per day).
 *
 * A software DCU is "supplied" while its process runs: each start-up (power-on, AFN01 F1 restart, a crash
 * and restart) is one reset on the day it happens, and the time between heartbeats is supply time of the
 * days it spans. Terminals in the field count the same way (a minute counter while running, a reset counter
 * at boot). The figures live in kv, one small entry per day for the daily retention window, written with
 * the heartbeat; a crash loses at most the time since the last heartbeat, as ERC14 does.
 *
 * Durations are measured on the host clock (a clock set by the master is not supply time); they are filed
 * under the terminal-local days of the terminal clock.
 */
import type { Logger } from "../common/logger.ts";
import { addDays, dayKey, fromLocalParts, isDayKey, localParts } from "../store/calendar.ts";
import { DAILY_KEEP_DAYS } from "../store/frozen-repo.ts";
import type { KvRepository } from "../store/kv-repo.ts";
import type { TerminalClock } from "./terminal-clock.ts";

const KEY = "power.supplyDays";
const MINUTE = 60_000;
const BIN2_MAX = 0xffff;

/**
 * The longest gap between two accounting calls still counted as supply time. The heartbeat runs every
 * minute; a longer gap is the host clock jumping (a board without RTC getting NTP time) or a suspended
 * host, and is not counted [M: our choice].
 */
export const MAX_COUNTED_GAP_MS = 5 * MINUTE;

interface DayFigures {
  /** Supply time in ms (kept in ms so that heartbeats never lose their fractions of a minute). */
  ms: number;
  resets: number;
}

interface SupplyState {
  /** The first day accounted: earlier days have no figures (the terminal did not exist or kept none). */
  since: number;
  days: Record<string, DayFigures>;
}

/** AFN0D F49 data (without its Td_d); a type alias so that it is a codec `Record_`. */
export type DailySupply = { readonly supplyMinutes: number; readonly resetCount: number };

/** The figures of `day` in `state`, created (and the accounted range widened) when absent. */
function figuresOf(state: SupplyState, day: number): DayFigures {
  if (state.since === 0 || day < state.since) state.since = day;
  let figures = state.days[String(day)];
  if (figures === undefined) {
    figures = { ms: 0, resets: 0 };
    state.days[String(day)] = figures;
  }
  return figures;
}

export class SupplyAccounting {
  readonly #kv: KvRepository;
  readonly #clock: TerminalClock;
  readonly #offset: number;
  readonly #logger: Logger;
  /** Host time of the last accounting call while running; undefined while stopped. */
  #lastHost: number | undefined;

  constructor(kv: KvRepository, clock: TerminalClock, utcOffsetMinutes: number, logger: Logger) {
    this.#kv = kv;
    this.#clock = clock;
    this.#offset = utcOffsetMinutes;
    this.#logger = logger;
  }

  /** A start-up: one reset on today's count; supply time counts from now. */
  start(): void {
    const state = this.#load();
    const today = dayKey(this.#clock.now(), this.#offset);
    if (isDayKey(today)) {
      figuresOf(state, today).resets += 1;
    }
    this.#lastHost = this.#hostNow();
    this.#save(state);
  }

  /** Adds the time since the last call to the days it spans (called with every heartbeat). */
  tick(): void {
    if (this.#lastHost === undefined) return;
    const host = this.#hostNow();
    const elapsed = host - this.#lastHost;
    this.#lastHost = host;
    if (elapsed <= 0) return;
    if (elapsed > MAX_COUNTED_GAP_MS) {
      this.#logger.warn({ elapsedMs: elapsed }, "supply time: gap between heartbeats not counted");
      return;
    }
    const state = this.#load();
    let end = this.#clock.now();
    let remaining = elapsed;
    while (remaining > 0) {
      // The local day holding the last ms before `end`, and how much of `remaining` falls inside it.
      const parts = localParts(end - 1, this.#offset);
      const dayStart = fromLocalParts({ ...parts, hour: 0, minute: 0, second: 0 }, this.#offset);
      const part = Math.min(remaining, end - dayStart);
      const key = dayKey(end - 1, this.#offset);
      if (isDayKey(key)) {
        figuresOf(state, key).ms += part;
      }
      remaining -= part;
      end -= part;
    }
    this.#save(state);
  }

  /** Clean stop: the time up to now is counted; nothing more until the next `start()`. */
  stop(): void {
    this.tick();
    this.#lastHost = undefined;
  }

  /** AFN01 F2–F4 data initialisation: the figures go with the other data; counting goes on from today. */
  clear(): void {
    const today = dayKey(this.#clock.now(), this.#offset);
    this.#kv.set(KEY, { since: isDayKey(today) ? today : 0, days: {} });
    if (this.#lastHost !== undefined) this.#lastHost = this.#hostNow();
  }

  /**
   * The F49 figures of `day` (day key): zero for a day inside the accounted range the terminal never ran,
   * undefined before accounting began, in the future or beyond the daily retention.
   */
  day(day: number): DailySupply | undefined {
    const today = dayKey(this.#clock.now(), this.#offset);
    if (!isDayKey(day) || day > today || day < addDays(today, -(DAILY_KEEP_DAYS - 1))) return undefined;
    const state = this.#load();
    if (state.since === 0 || day < state.since) return undefined;
    const figures = state.days[String(day)] ?? { ms: 0, resets: 0 };
    return {
      // A master may set the clock back over a day already counted: never more than the day holds.
      supplyMinutes: Math.min(1440, Math.floor(figures.ms / MINUTE)),
      resetCount: Math.min(BIN2_MAX, figures.resets),
    };
  }

  #hostNow(): number {
    return this.#clock.now() - this.#clock.offsetMs;
  }

  /** The stored state, shape-checked: entries that are not plausible figures are dropped and logged. */
  #load(): SupplyState {
    const raw = this.#kv.get(KEY);
    const state: SupplyState = { since: 0, days: {} };
    if (raw === undefined) return state;
    const record = typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>) : {};
    if (typeof record.since === "number" && (record.since === 0 || isDayKey(record.since)))
      state.since = record.since;
    const days = typeof record.days === "object" && record.days !== null ? record.days : {};
    let dropped = 0;
    for (const [key, value] of Object.entries(days as Record<string, unknown>)) {
      const v = typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
      const ok =
        isDayKey(Number(key)) &&
        typeof v.ms === "number" &&
        Number.isFinite(v.ms) &&
        v.ms >= 0 &&
        typeof v.resets === "number" &&
        Number.isInteger(v.resets) &&
        v.resets >= 0;
      if (ok) state.days[key] = { ms: v.ms as number, resets: v.resets as number };
      else dropped++;
    }
    if (dropped > 0 || (raw !== null && typeof raw !== "object"))
      this.#logger.warn({ key: KEY, dropped }, "supply accounting: malformed stored figures ignored");
    return state;
  }

  /** Saves `state` without the days that fell out of the daily retention window. */
  #save(state: SupplyState): void {
    const today = dayKey(this.#clock.now(), this.#offset);
    const oldest = isDayKey(today) ? addDays(today, -(DAILY_KEEP_DAYS - 1)) : 0;
    const days: Record<string, DayFigures> = {};
    for (const [key, figures] of Object.entries(state.days)) if (Number(key) >= oldest) days[key] = figures;
    this.#kv.set(KEY, { since: state.since, days });
  }
}
