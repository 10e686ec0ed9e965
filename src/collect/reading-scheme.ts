/**
 * The reading scheme the master configures, read from the stored (decoded) AFN04 parameters:
 *   F33 per port: real-time reading interval, allowed reading windows, reading days and time, time-sync time
 *       (shared/protocol/gw1376-1.md §4.3.2 [H layout, L control-word bits: not interpreted here]);
 *   F38 / F39: which class-1 (AFN0C) and class-2 (AFN0D) Fn to collect for a user big/small class
 *       (big class 1, m small classes, each a list of BS8 Fn groups — vector X19).
 * Stored values come from our own decoder, but are still checked shape by shape: a value that does not look
 * right falls back to the defaults instead of stopping collection.
 */
import { CATALOG, type CatalogItem } from "../catalog/catalog.ts";
import { CURVE_ITEMS, type CurveItem, curveReadable } from "../catalog/curves.ts";
import type { Dlt645Edition } from "../protocol/dlt645/functions.ts";
import type { ReadTarget } from "./targets.ts";

export interface ReadingWindow {
  /** Minutes after local midnight; `end` exclusive; end ≤ start wraps past midnight. */
  readonly start: number;
  readonly end: number;
}

export interface PortScheme {
  readonly port: number;
  /** Real-time reading period in minutes; undefined = no periodic real-time reads on this port. */
  readonly intervalMinutes: number | undefined;
  /** Empty = reading allowed all day. */
  readonly windows: readonly ReadingWindow[];
  /** Bit i = day i+1 of the month is a reading day (reading-day freeze: collect/reading-day.ts). */
  readonly readingDays: number;
  readonly readingDayMinute: number | undefined;
  /** Broadcast time sync: day of month (0 = every day), minute of day (a hook for the time-sync task). */
  readonly timeSync: { readonly day: number; readonly minute: number } | undefined;
  /** Raw F33 control word [L: bit meanings not established]. */
  readonly control: number;
}

/** Defaults when F33 does not mention a port: RS-485 hourly real-time reads; carrier bandwidth goes to
 * frozen data, so no periodic real-time reads there unless the master asks for them. */
export const DEFAULT_RS485_INTERVAL_MINUTES = 60;

const record = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/** "hh:mm" (A.19) → minutes after midnight. */
function minuteOf(text: unknown): number | undefined {
  if (typeof text !== "string") return undefined;
  const m = /^(\d{2}):(\d{2})$/.exec(text);
  if (m === null) return undefined;
  const h = Number(m[1]);
  const min = Number(m[2]);
  return h <= 23 && min <= 59 ? h * 60 + min : undefined;
}

/** The scheme of `port` from the decoded F33 value (undefined when F33 is not set). */
export function portScheme(f33: unknown, port: number, kind: "rs485" | "carrier"): PortScheme {
  const ports = record(f33)?.ports;
  const block = Array.isArray(ports) ? ports.map(record).find((p) => p?.port === port) : undefined;
  if (block === undefined) {
    return {
      port,
      intervalMinutes: kind === "rs485" ? DEFAULT_RS485_INTERVAL_MINUTES : undefined,
      windows: [],
      readingDays: 0,
      readingDayMinute: undefined,
      timeSync: undefined,
      control: 0,
    };
  }
  const interval = block.intervalMinutes;
  const windows: ReadingWindow[] = [];
  if (Array.isArray(block.windows)) {
    for (const w of block.windows.map(record)) {
      const start = minuteOf(w?.start);
      const end = minuteOf(w?.end);
      if (start !== undefined && end !== undefined) windows.push({ start, end });
    }
  }
  const sync =
    typeof block.timeSyncTime === "string" ? /^(\d{2}) (\d{2}):(\d{2})$/.exec(block.timeSyncTime) : null;
  return {
    port,
    // §4.3.2: 1..60 minutes; anything else means "not configured" rather than a made-up period.
    intervalMinutes:
      typeof interval === "number" && Number.isInteger(interval) && interval >= 1 && interval <= 60
        ? interval
        : undefined,
    windows,
    readingDays: typeof block.readingDays === "number" ? block.readingDays : 0,
    readingDayMinute: minuteOf(block.readingDayTime),
    timeSync:
      sync === null ? undefined : { day: Number(sync[1]), minute: Number(sync[2]) * 60 + Number(sync[3]) },
    control: typeof block.control === "number" ? block.control : 0,
  };
}

/** True when scheduled reading may run at `minute` (minutes after local midnight). */
export function inWindow(scheme: PortScheme, minute: number): boolean {
  if (scheme.windows.length === 0) return true;
  return scheme.windows.some((w) => {
    if (w.start === w.end) return true;
    return w.start < w.end ? minute >= w.start && minute < w.end : minute >= w.start || minute < w.end;
  });
}

/** Whether day-of-month `day` (1..31) is a reading day of the port (F33 bit day−1). */
export function isReadingDay(scheme: PortScheme, day: number): boolean {
  return day >= 1 && day <= 31 && ((scheme.readingDays >>> (day - 1)) & 1) === 1;
}

/**
 * Items collected when F38/F39 say nothing for a meter's class: enough for daily billing. Class 2 also
 * names F9 and F169, the reading-day twins of the daily defaults F1 and F161: they are collected only on the
 * reading days F33 sets (none by default), so without F33 they cost nothing.
 */
export const DEFAULT_CLASS1_FNS: readonly number[] = [129];
export const DEFAULT_CLASS2_FNS: readonly number[] = [1, 161, 17, 177, 9, 169];

/**
 * The Fn list F38/F39 configures for (big, small) class, or undefined when the stored value is for another
 * big class, does not name the small class, or is not shaped like an F38 value.
 */
export function configuredFns(decoded: unknown, bigClass: number, smallClass: number): number[] | undefined {
  const value = record(decoded);
  if (value === undefined || value.bigClass !== bigClass || !Array.isArray(value.smallClasses))
    return undefined;
  const entry = value.smallClasses.map(record).find((s) => s?.smallClass === smallClass);
  if (entry === undefined || !Array.isArray(entry.groups)) return undefined;
  const fns: number[] = [];
  entry.groups.forEach((group, i) => {
    const bits = record(group)?.fns;
    if (typeof bits !== "number") return;
    for (let j = 0; j < 8; j++) if ((bits >> j) & 1) fns.push(8 * i + j + 1);
  });
  return fns;
}

export interface MeterItems {
  readonly current: readonly CatalogItem[];
  readonly daily: readonly CatalogItem[];
  readonly monthly: readonly CatalogItem[];
  /** AFN0D reading-day items (F9–F12, F169–F176, F189–F192), frozen on the F33 reading days. */
  readonly readingDay: readonly CatalogItem[];
  /** AFN0D curves (F81…) F39 enables for the class; none by default (curves cost bandwidth). */
  readonly curve: readonly CurveItem[];
}

/** The catalogue items to collect for a meter: its class's Fn (or the defaults) that its edition can fill. */
export function itemsFor(target: ReadTarget, f38: unknown, f39: unknown): MeterItems {
  const class1 = new Set(configuredFns(f38, target.bigClass, target.smallClass) ?? DEFAULT_CLASS1_FNS);
  const class2 = new Set(configuredFns(f39, target.bigClass, target.smallClass) ?? DEFAULT_CLASS2_FNS);
  const has = (item: CatalogItem, edition: Dlt645Edition): boolean => item.sources[edition] !== undefined;
  const pick = (afn: number, fns: Set<number>, kind: CatalogItem["kind"]): CatalogItem[] =>
    CATALOG.filter((i) => i.afn === afn && i.kind === kind && fns.has(i.fn) && has(i, target.edition));
  return {
    current: pick(0x0c, class1, "current"),
    daily: pick(0x0d, class2, "daily"),
    monthly: pick(0x0d, class2, "monthly"),
    readingDay: pick(0x0d, class2, "readingDay"),
    curve: CURVE_ITEMS.filter((i) => class2.has(i.fn) && curveReadable(i, target.edition)),
  };
}
