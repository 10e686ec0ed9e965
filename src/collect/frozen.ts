/**
 * Collects a meter's frozen data (daily and monthly) for the periods still missing, from the meter's OWN
 * frozen records (catalogue `RECORDS`): read the newest record's marker (daily: its freeze time; monthly:
 * the meter date), work out which record n holds each wanted period, check that record's own marker, then
 * read the record's identifiers once for all configured items and store them together under the period the
 * meter's record says — never under the terminal's idea of the date.
 *
 *   wanted periods ─► marker(1) ─► n per period ─► marker(n) agrees? ─► identifiers of record n
 *                 ─► marker(n) still agrees? (the meter did not freeze meanwhile) ─► build items
 * The caller stores what was collected (with the reading state) in one transaction: one commit per meter.
 * A meter with no daily record (DL/T 645-1997) gets the terminal's freeze instead: its current values, read
 * only while the day that just closed is still "yesterday" [M].
 */
import { type Answers, buildItem, type CatalogItem, identifiersFor, RECORDS } from "../catalog/catalog.ts";
import type { Answer } from "../catalog/values.ts";
import type { ReadFailure } from "../channels/meter-channel.ts";
import type { FrozenRecord } from "../store/frozen-repo.ts";
import { localTimeText } from "../terminal/local-time.ts";
import { readIdentifiers } from "./meter-reads.ts";
import { type FrozenKind, periodDistance, terminalFreezePeriod } from "./periods.ts";
import type { PortWorker, Rank } from "./port-worker.ts";
import type { MeterItems } from "./reading-scheme.ts";
import type { ReadTarget } from "./targets.ts";

export interface FrozenWanted {
  readonly daily: readonly number[];
  readonly monthly: readonly number[];
}

export interface PeriodRef {
  readonly kind: FrozenKind;
  readonly period: number;
}

/** One period's items, ready to store. */
export interface CollectedPeriod extends PeriodRef {
  readonly records: readonly FrozenRecord[];
}

export interface FrozenOutcome {
  /** The meter answered at least once. */
  readonly answered: boolean;
  /** Set when a read failed (timeout, bad answer, channel unavailable); what was collected before stays. */
  readonly failure: ReadFailure | undefined;
  readonly collected: readonly CollectedPeriod[];
  /** Wanted periods the meter's records did not (yet) hold. */
  readonly absent: readonly PeriodRef[];
}

export interface FrozenContext {
  readonly worker: PortWorker;
  readonly now: () => number;
  readonly utcOffsetMinutes: number;
  /** How long after a period closes its terminal freeze may still be taken. */
  readonly terminalFreezeMinutes: number;
}

/** Collects `wanted` periods for one meter (nothing is stored here). Never throws for meter behaviour. */
export async function collectFrozen(
  ctx: FrozenContext,
  target: ReadTarget,
  items: MeterItems,
  wanted: FrozenWanted,
  rank: Rank,
): Promise<FrozenOutcome> {
  const cache = new Map<number, Answer>();
  const collected: CollectedPeriod[] = [];
  const absent: PeriodRef[] = [];
  let failure: ReadFailure | undefined;
  /** The meter answered something (the cache is cleared when its records shift). */
  let heard = false;

  const read = async (dis: readonly number[]): Promise<boolean> => {
    const outcome = await readIdentifiers(ctx.worker, target, dis, rank, cache);
    if (cache.size > 0) heard = true;
    if (!outcome.ok) failure = outcome.reason;
    return outcome.ok;
  };

  const build = (kind: FrozenKind, period: number, kindItems: readonly CatalogItem[], n: number): void => {
    const readAt = ctx.now();
    const answers: Answers = (di) => cache.get(di);
    const records: FrozenRecord[] = [];
    for (const item of kindItems) {
      const value = buildItem(item, target.edition, answers, {
        readAt: localTimeText(readAt, ctx.utcOffsetMinutes),
        record: n,
      });
      if (value !== undefined) records.push({ point: target.point, item: item.key, period, readAt, value });
    }
    if (records.length === 0) absent.push({ kind, period });
    else collected.push({ kind, period, records });
  };

  for (const kind of ["daily", "monthly"] as const) {
    const kindItems = items[kind];
    const periods = [...wanted[kind]].sort((a, b) => b - a);
    if (kindItems.length === 0 || periods.length === 0) continue;
    const locator = RECORDS[kind][target.edition];
    const marker = locator.marker;
    const periodOf = locator.periodOf;
    if (marker === undefined || periodOf === undefined) {
      // The terminal freezes current values: only the period that closed last can still be had.
      const closing = terminalFreezePeriod(kind, ctx.now(), ctx.utcOffsetMinutes, ctx.terminalFreezeMinutes);
      for (const period of periods) {
        if (period !== closing) {
          absent.push({ kind, period });
          continue;
        }
        if (!(await read(identifiersFor(kindItems, target.edition, 1)))) break;
        build(kind, period, kindItems, 1);
      }
      if (failure !== undefined) break;
      continue;
    }
    if (!(await read([marker(1)]))) break;
    const newest = periodOf(cache.get(marker(1)), 1);
    for (const period of periods) {
      const n = newest === undefined ? 0 : 1 + periodDistance(kind, newest, period);
      if (n < 1 || n > locator.records) {
        absent.push({ kind, period });
        continue;
      }
      if (!(await read([marker(n)]))) break;
      // The record n back must really be that period (a meter that was off at midnight skips a freeze).
      if (periodOf(cache.get(marker(n)), n) !== period) {
        absent.push({ kind, period });
        continue;
      }
      if (!(await read(identifiersFor(kindItems, target.edition, n)))) break;
      // The meter may have frozen between the marker and the values (its midnight fell in between): its
      // records then moved one place and record n already holds the next period. Asked again, the marker
      // tells; on a change these values are dropped, every cached record number is stale, and the rest of
      // this kind is read again in a later round (periods built before were each checked the same way).
      cache.delete(marker(n));
      if (!(await read([marker(n)]))) break;
      if (periodOf(cache.get(marker(n)), n) !== period) {
        cache.clear();
        break;
      }
      build(kind, period, kindItems, n);
    }
    if (failure !== undefined) break;
  }
  // Everything neither collected nor found absent (a failed read, shifted records) is still missing.
  for (const kind of ["daily", "monthly"] as const) {
    for (const period of wanted[kind]) {
      if (
        !collected.some((c) => c.kind === kind && c.period === period) &&
        !absent.some((a) => a.kind === kind && a.period === period)
      )
        absent.push({ kind, period });
    }
  }
  return { answered: heard, failure, collected, absent };
}
