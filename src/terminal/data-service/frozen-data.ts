/**
 * Serves AFN0D requests from the item sources (item-sources.ts): each request item carries its time label;
 * the label picks the store period (day, month, curve minutes) and the answer carries the label back as the
 * codec expects, followed by the stored data. "All points" (DA = FF 00) is one index range read per Fn.
 */
import { ALL_POINTS } from "../../protocol/gw1376-1/dadt.ts";
import type { DataItem } from "../../protocol/gw1376-1/data-units.ts";
import type { Record_ } from "../../protocol/gw1376-1/layout.ts";
import type { FrozenRecord, FrozenRepository } from "../../store/frozen-repo.ts";
import { encodableItem, isRecord } from "./encodable.ts";
import { AFN0D_SOURCES } from "./frozen-sources.ts";
import { type FrozenItemSource, itemKey, type SourceContext, type TdKind } from "./item-sources.ts";
import { curveStepMinutes, dayKeyOfTd, minuteKeyOfA15, monthKeyOfTd } from "./period-keys.ts";

const AFN0D = 0x0d;

export interface FrozenDataOptions {
  readonly sources?: ReadonlyMap<number, FrozenItemSource>;
}

/** The AFN0D answer items for `items` (left out: points without data, unreadable labels). */
export async function serveFrozenData(
  ctx: SourceContext,
  items: readonly DataItem[],
  options: FrozenDataOptions = {},
): Promise<DataItem[]> {
  const sources = options.sources ?? AFN0D_SOURCES;
  const answers: DataItem[] = [];
  const push = (pn: number, fn: number, data: unknown) => {
    const item = encodableItem(AFN0D, pn, fn, data, ctx.logger);
    if (item !== undefined) answers.push(item);
  };
  for (const item of items) {
    const source = sources.get(item.fn);
    if (source === undefined) continue;
    if (source.label === "c") {
      if (source.scope === "point") for (const [pn, data] of curveItems(ctx, item)) push(pn, item.fn, data);
      continue;
    }
    const td = labelFields(source.label, item.data);
    const period = source.label === "d" ? dayKeyOfTd(td.Td_d) : monthKeyOfTd(td.Td_m);
    if (period === undefined) continue;
    if (source.scope === "terminal") {
      if (item.pn !== 0) continue;
      const data = await source.read(ctx, period, td);
      if (data !== undefined) push(0, item.fn, { ...td, ...data });
      continue;
    }
    if (item.pn === 0) continue;
    const repo = source.label === "d" ? ctx.core.store.daily : ctx.core.store.monthly;
    for (const record of pointRecords(repo, itemKey(AFN0D, item.fn), item.pn, period)) {
      if (isRecord(record.value)) push(record.point, item.fn, { ...td, ...record.value });
      else ctx.logger?.warn({ pn: record.point, fn: item.fn }, "stored frozen item is not an object");
    }
  }
  return answers;
}

/** The label part of a request body, copied into the answer (only the label's own fields). */
function labelFields(label: Exclude<TdKind, "c">, data: Record_): Record_ {
  return label === "d" ? { Td_d: data.Td_d ?? null } : { Td_m: data.Td_m ?? null };
}

function pointRecords(repo: FrozenRepository, key: string, pn: number, period: number): FrozenRecord[] {
  if (pn === ALL_POINTS) return repo.forPeriod(key, period);
  const one = repo.get(pn, key, period);
  return one === undefined ? [] : [one];
}

/**
 * Curve items for one request item: for each point with at least one stored value in the requested window,
 * `{ start, density, points, values }` with a null (EE) for every minute the store does not have.
 */
function curveItems(ctx: SourceContext, item: DataItem): [number, Record_][] {
  const { start, density, points } = item.data;
  const from = minuteKeyOfA15(start);
  const step = curveStepMinutes(density);
  if (from === undefined || step === undefined || typeof points !== "number" || points < 1) return [];
  if (item.pn === 0) return [];
  const to = from + (points - 1) * step;
  const key = itemKey(AFN0D, item.fn);
  const curves = ctx.core.store.curves;
  const records =
    item.pn === ALL_POINTS ? curves.forRange(key, from, to) : curves.forPointRange(item.pn, key, from, to);
  const byPoint = new Map<number, Map<number, unknown>>();
  for (const record of records) {
    if ((record.period - from) % step !== 0) continue;
    let values = byPoint.get(record.point);
    if (values === undefined) {
      values = new Map();
      byPoint.set(record.point, values);
    }
    values.set(record.period, isRecord(record.value) ? (record.value.value ?? null) : null);
  }
  const out: [number, Record_][] = [];
  for (const [pn, values] of byPoint) {
    const series = Array.from({ length: points }, (_, i) => ({ value: values.get(from + i * step) ?? null }));
    out.push([pn, { start, density, points, values: series } as Record_]);
  }
  return out;
}
