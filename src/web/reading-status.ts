/**
 * Reading status from what the store holds (the database is the truth): a meter counts as read for a day
 * when the daily frozen table has any daily frozen item of it for that day (not a reading-day item), and "missing today" lists meters to be read
 * (F10 protocol ≠ 0) without today's frozen data. The reading engine may supply a richer provider; this one
 * needs nothing but the store, so the page works before and without it.
 */
import { CATALOG } from "../catalog/catalog.ts";
import { addDays, dayKey } from "../store/calendar.ts";
import type { MeterEntry } from "../store/meters-repo.ts";
import type { Store } from "../store/store.ts";
import type { TerminalCore } from "../terminal/terminal-core.ts";
import type { MeterReadingDetail, MissingMeter, PortDaySuccess, ReadingStatusProvider } from "./providers.ts";

/** The keys of a day's frozen data (the daily table also holds reading-day items under their day). */
const DAILY_FROZEN_KEYS: readonly string[] = CATALOG.filter((i) => i.kind === "daily").map((i) => i.key);

/** F10 protocol 0 = "do not read". */
const isRead = (m: MeterEntry): boolean => m.protocol !== 0;

/** A meter's row in the "missing today" list: who it is and how its reading went lately. */
export function missingMeter(
  store: Store,
  meter: Pick<MissingMeter, "serial" | "point" | "port" | "address">,
): MissingMeter {
  const state = store.readingState.get(meter.point);
  return {
    serial: meter.serial,
    point: meter.point,
    port: meter.port,
    address: meter.address,
    lastSuccessAt: state?.lastSuccessAt ?? null,
    consecutiveFailures: state?.consecutiveFailures ?? 0,
  };
}

export class StoreReadingStatus implements ReadingStatusProvider {
  readonly #core: TerminalCore;

  constructor(core: TerminalCore) {
    this.#core = core;
  }

  #today(): number {
    return dayKey(this.#core.clock.now(), this.#core.utcOffsetMinutes);
  }

  dailySuccess(days: number): PortDaySuccess[] {
    const today = this.#today();
    const first = addDays(today, -(days - 1));
    const meters = this.#core.store.meters.list().filter(isRead);
    const byPort = new Map<number, MeterEntry[]>();
    for (const m of meters) byPort.set(m.port, [...(byPort.get(m.port) ?? []), m]);
    const read = this.#core.store.daily.pointsByPeriod(first, today, DAILY_FROZEN_KEYS);
    const out: PortDaySuccess[] = [];
    for (let day = first, i = 0; i < days; i++, day = addDays(day, 1)) {
      const points = read.get(day) ?? new Set<number>();
      for (const [port, list] of [...byPort].sort((a, b) => a[0] - b[0])) {
        out.push({ port, day, due: list.length, read: list.filter((m) => points.has(m.point)).length });
      }
    }
    return out;
  }

  missingToday(offset: number, limit: number): { total: number; meters: MissingMeter[] } {
    const today = this.#today();
    const have =
      this.#core.store.daily.pointsByPeriod(today, today, DAILY_FROZEN_KEYS).get(today) ?? new Set<number>();
    const missing = this.#core.store.meters.list().filter((m) => isRead(m) && !have.has(m.point));
    return {
      total: missing.length,
      meters: missing.slice(offset, offset + limit).map((m) => missingMeter(this.#core.store, m)),
    };
  }

  meterDetail(point: number): MeterReadingDetail | undefined {
    if (this.#core.store.meters.getByPoint(point) === undefined) return undefined;
    const state = this.#core.store.readingState.get(point);
    const today = this.#today();
    return {
      point,
      lastSuccessAt: state?.lastSuccessAt ?? null,
      lastFailureAt: state?.lastFailureAt ?? null,
      consecutiveFailures: state?.consecutiveFailures ?? 0,
      totalFailures: state?.totalFailures ?? 0,
      latest: this.#core.store.readings
        .forPoint(point)
        .map((r) => ({ item: r.item, readAt: r.readAt, value: r.value })),
      daily: this.#core.store.daily
        .forPoint(point, addDays(today, -61), today)
        .map((r) => ({ day: r.period, item: r.item, readAt: r.readAt, value: r.value })),
    };
  }
}
