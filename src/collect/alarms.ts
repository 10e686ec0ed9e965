/**
 * Reading alarms (shared/protocol/gw1376-1.md §4.8): ERC31 "meter reading failure" and ERC39 "supplementary
 * reading failure", both 21 bytes: time, pn + occurred flag, last successful read time and the last known
 * positive active / reactive energy. Policy [M — the reference gives the records, not the rules]:
 *   ERC39 once per (meter, day) whose daily frozen data is still missing when the cut-off hour passes;
 *   ERC31 "occurred" at the cut-off for a meter that answered nothing all day, "restored" (D15 = 0) at its
 *   next successful read.
 * The event and its mark in `collect_alarms` are written in one transaction, so a restart at any instant
 * neither repeats nor loses an alarm.
 */
import type { Logger } from "../common/logger.ts";
import { encodeErcRecord } from "../protocol/gw1376-1/erc.ts";
import type { Value } from "../protocol/gw1376-1/layout.ts";
import { addDays, dayKey } from "../store/calendar.ts";
import { ALARM_STATE } from "../store/collect-alarms-repo.ts";
import type { Store } from "../store/store.ts";
import type { EventRecorder } from "../terminal/event-recorder.ts";
import { localTimeText } from "../terminal/local-time.ts";

export const ERC_READ_FAILURE = 31;
export const ERC_SUPPLEMENTARY_FAILURE = 39;

export interface AlarmContext {
  readonly store: Store;
  readonly events: EventRecorder;
  readonly utcOffsetMinutes: number;
  readonly logger: Logger;
}

const field = (v: unknown, ...path: (string | number)[]): unknown => {
  let at = v;
  for (const p of path) {
    if (typeof at !== "object" || at === null) return undefined;
    at = (at as Record<string | number, unknown>)[p];
  }
  return at;
};
const numberOr = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

/** The meter's last known positive active and reactive energy totals: current readings, else daily frozen. */
export function lastKnownEnergy(
  store: Store,
  point: number,
  now: number,
  offset: number,
): [number | null, number | null] {
  const f33 = store.readings.get(point, "0C:F33")?.value;
  let active = numberOr(field(f33, "positiveActive", 0, "value"));
  let reactive = numberOr(field(f33, "positiveReactive", 0, "value"));
  active ??= numberOr(field(store.readings.get(point, "0C:F129")?.value, "energy", 0, "value"));
  reactive ??= numberOr(field(store.readings.get(point, "0C:F130")?.value, "energy", 0, "value"));
  if (active === null || reactive === null) {
    const today = dayKey(now, offset);
    const from = addDays(today, -62);
    const latest = (item: string, ...path: (string | number)[]): number | null => {
      const rows = store.daily.forPointRange(point, item, from, today);
      for (let i = rows.length - 1; i >= 0; i--) {
        const v = numberOr(field(rows[i]?.value, ...path));
        if (v !== null) return v;
      }
      return null;
    };
    active ??= latest("0D:F1", "positiveActive", 0, "value") ?? latest("0D:F161", "energy", 0, "value");
    reactive ??= latest("0D:F1", "positiveReactive", 0, "value") ?? latest("0D:F162", "energy", 0, "value");
  }
  return [active, reactive];
}

function failureRecord(
  ctx: AlarmContext,
  erc: number,
  point: number,
  occurred: boolean,
  now: number,
): Uint8Array {
  const state = ctx.store.readingState.get(point);
  const [active, reactive] = lastKnownEnergy(ctx.store, point, now, ctx.utcOffsetMinutes);
  const lastOk = state?.lastSuccessAt ?? null;
  const data: Record<string, Value> = {
    time: localTimeText(now, ctx.utcOffsetMinutes, false),
    point: { pn: point & 0x0fff, reserved: 0, occurred: occurred ? 1 : 0 },
    lastOkTime: lastOk === null ? null : localTimeText(lastOk, ctx.utcOffsetMinutes, false),
    positiveActive: active,
    positiveReactive: reactive,
  };
  const encoded = encodeErcRecord({ erc, data });
  if (!encoded.ok) {
    // A value out of format range (e.g. an energy above 999999.9999) is sent as "no data", never dropped.
    ctx.logger.warn({ erc, point, error: encoded.error.message }, "alarm value out of range");
    const fallback = encodeErcRecord({
      erc,
      data: { ...data, positiveActive: null, positiveReactive: null },
    });
    if (!fallback.ok) throw new Error(`ERC${erc} cannot be encoded: ${fallback.error.message}`);
    return fallback.value;
  }
  return encoded.value;
}

/** ERC39 for (point, day) unless already raised. Returns whether an event was recorded. */
export function raiseSupplementaryFailure(
  ctx: AlarmContext,
  point: number,
  day: number,
  now: number,
): boolean {
  return ctx.store.transaction(() => {
    if (!ctx.store.collectAlarms.mark(point, ERC_SUPPLEMENTARY_FAILURE, day, now)) return false;
    ctx.events.record(failureRecord(ctx, ERC_SUPPLEMENTARY_FAILURE, point, true, now));
    return true;
  });
}

/** ERC31 "occurred" unless the failure is already active. */
export function raiseReadFailure(ctx: AlarmContext, point: number, now: number): boolean {
  return ctx.store.transaction(() => {
    if (!ctx.store.collectAlarms.mark(point, ERC_READ_FAILURE, ALARM_STATE, now)) return false;
    ctx.events.record(failureRecord(ctx, ERC_READ_FAILURE, point, true, now));
    return true;
  });
}

/** ERC31 "restored" when the failure was active (called after a successful read was recorded). */
export function restoreReadFailure(ctx: AlarmContext, point: number, now: number): boolean {
  return ctx.store.transaction(() => {
    if (!ctx.store.collectAlarms.unmark(point, ERC_READ_FAILURE, ALARM_STATE)) return false;
    ctx.events.record(failureRecord(ctx, ERC_READ_FAILURE, point, false, now));
    return true;
  });
}
