/**
 * The data-item catalogue (architecture: "one table per protocol concept"): for every Q/GDW 1376.1 data item
 * filled from meter data, which DL/T 645-2007 / -1997 identifiers fill it and how their values become the
 * 1376.1 data object. One row per (AFN, Fn); a row has one source per meter edition that can fill it.
 *
 *   meter answers (DI → DL/T value) ──source.build──► data object (uplink body of AFN0C/0D Fn, the value
 *                                                     stored under `key`: "0C:F129", "0D:F161" …)
 *
 * Frozen items (AFN0D) come from the meter's OWN frozen records, never from re-reading current values
 * (DL/T 645-2007: daily frozen 0506xxNN, NN = last 1..62 days; settlement data 00xxxxNN / 01xxxxNN, NN =
 * last 1..12 settlements). A source's `dis(n)` names the identifiers of record n (1 = newest); `RECORDS`
 * says how the engine finds which record holds which period. DL/T 645-1997 meters keep no daily record:
 * their "daily frozen" values are current values read on the day after (the terminal freezes them) [M] —
 * see `RECORDS.daily["1997"]`.
 *
 * Identifier facts: src/protocol/dlt645/di-table.ts (confidence marks there). 1376.1 layouts:
 * src/protocol/gw1376-1/afn0c.ts / afn0d.ts. Mapping choices with their confidence are marked per row.
 */

import type { Dlt645Edition } from "../protocol/dlt645/functions.ts";
import { UNSET_TIME } from "../protocol/gw1376-1/afn0c.ts";
import type { Record_, Value } from "../protocol/gw1376-1/layout.ts";
import { addDays, addMonths } from "../store/calendar.ts";
import {
  type Answer,
  demandOf,
  demandTimeOf,
  eventTimeA1,
  fit,
  lastTime97,
  list,
  meterClockA1,
  num,
  tariffEntries,
  toA1,
} from "./values.ts";

/** "readingDay": AFN0D reading-day frozen items (Td_d = the reading day), frozen by the terminal. */
export type ItemKind = "current" | "daily" | "monthly" | "readingDay";

/** Looks up the meter's answer to an identifier (see `Answer`). */
export type Answers = (di: number) => Answer;

export interface BuildContext {
  /** Terminal-local time of the read, "20YY-MM-DD hh:mm:ss". */
  readonly readAt: string;
}

export interface ItemSource {
  /** The identifiers this item needs from the meter; for frozen items, those of record `n` (1 = newest). */
  readonly dis: (n: number) => readonly number[];
  /**
   * The 1376.1 data object without the AFN0D time label (the catalogue adds it), or undefined when the
   * meter does not have the essential value (it answered "no such data").
   */
  readonly build: (answers: Answers, ctx: BuildContext, n: number) => Record_ | undefined;
  /** Confidence of the mapping when not high (shared/protocol conventions). */
  readonly confidence?: "M" | "L";
}

export interface CatalogItem {
  readonly afn: 0x0c | 0x0d;
  readonly fn: number;
  /** Store key: "0C:F129" (readings), "0D:F161" (daily/monthly frozen repositories). */
  readonly key: string;
  readonly kind: ItemKind;
  readonly sources: Readonly<Partial<Record<Dlt645Edition, ItemSource>>>;
}

// ---- DL/T 645 identifiers ------------------------------------------------------------------------------

/** 1376.1 energy order (ENERGY_KINDS in afn0c.ts) → DL/T 645-2007 DI2 of the energy family [H]. */
export const KIND_DI2 = [0x01, 0x03, 0x02, 0x04, 0x05, 0x06, 0x07, 0x08] as const;
/**
 * 1376.1 energy order → DL/T 645-1997 energy digits (9 p a d F). The 1997 quadrant reactive energies run
 * 913x Q1, 914x Q4, 915x Q2, 916x Q3 (DL/T 645-1997 Appendix A) [M: not every 1997 meter keeps them; one
 * that does not answers "no such data" and the item goes out as EE, as for any missing block].
 */
export const KIND_97: readonly (number | undefined)[] = [
  0x10, 0x110, 0x20, 0x120, 0x130, 0x150, 0x160, 0x140,
];

/**
 * Identifiers some meters of an edition lack and may not even refuse: an old DL/T 645-1997 meter without
 * quadrant registers can stay silent to 913x–916x / 953x–956x where the standard asks for an abnormal answer
 * [M]. A read treats silence to one of these as "no such data" once the meter has answered something else in
 * the same read (see collect/meter-reads.ts), so such a meter still has its other values collected.
 */
export function mayStaySilent(edition: "2007" | "1997", di: number): boolean {
  if (edition !== "1997") return false;
  return KIND_97.slice(4).some(
    (digits) => digits !== undefined && (di === energy97(digits, false) || di === energy97(digits, true)),
  );
}

/** 2007 energy block (total + tariffs), settlement `n` (0 = current). */
const energy07 = (di2: number, n: number): number => (di2 << 16) | 0xff00 | n;
/** 2007 maximum-demand block, DI2 01 positive / 02 reverse active, settlement `n`. */
const demand07 = (di2: number, n: number): number => 0x01000000 | (di2 << 16) | 0xff00 | n;
/** 2007 daily frozen item `di1` of the record `n` days back. */
const daily07 = (di1: number, n: number): number => 0x05060000 | (di1 << 8) | n;
/** 1997 energy block: `digits` of KIND_97, current (`last` false) or last month. */
const energy97 = (digits: number, last: boolean): number => 0x9000 | (last ? 0x400 : 0) | digits | 0x0f;

const DAILY_TIME = 0x00;
const DAILY_POSITIVE_DEMAND = 0x09;
const DAILY_REVERSE_DEMAND = 0x0a;
/**
 * 1997 maximum demand A[p][k]t and its time B[p][k]t, tariff t = 0..4: p 0 current, 4 last month; k 1
 * positive, 2 reverse active [M].
 */
const demandDis97 = (k: 1 | 2, lastMonth: boolean): { demand: number[]; time: number[] } => {
  const digits = (lastMonth ? 0x400 : 0) | (k << 4);
  return {
    demand: [0, 1, 2, 3, 4].map((t) => 0xa000 | digits | t),
    time: [0, 1, 2, 3, 4].map((t) => 0xb000 | digits | t),
  };
};

// ---- source builders -----------------------------------------------------------------------------------

const readTime = (ctx: BuildContext): Value => fit("A.15", ctx.readAt.slice(0, 16));

/** M from a primary block: its length minus the total; undefined when the meter gave no block. */
function tariffsOf(block: Answer): number | undefined {
  const values = list(block);
  return values === undefined || values.length === 0 ? undefined : values.length - 1;
}

/** One energy quantity (F129-style): time, M, total + M tariffs. */
function energySource(
  di: (n: number) => number | undefined,
  format: "A.14" | "A.11",
): ItemSource | undefined {
  if (di(1) === undefined) return undefined;
  return {
    dis: (n) => [di(n) as number],
    build: (answers, ctx, n) => {
      const block = answers(di(n) as number);
      const m = tariffsOf(block);
      if (m === undefined) return undefined;
      return { readTime: readTime(ctx), tariffCount: m, energy: tariffEntries(block, m + 1, format) };
    },
  };
}

/** F33/F34-style: the active block fixes M; the three reactive blocks follow (missing ones as EE). */
function fourEnergySource(
  names: readonly [string, string, string, string],
  dis: (n: number) => readonly (number | undefined)[],
  confidence?: "M",
): ItemSource {
  const source: ItemSource = {
    dis: (n) => dis(n).filter((d): d is number => d !== undefined),
    build: (answers, ctx, n) => {
      const blocks = dis(n).map((d) => (d === undefined ? undefined : answers(d)));
      const m = tariffsOf(blocks[0]);
      if (m === undefined) return undefined;
      const out: Record<string, Value> = { readTime: readTime(ctx), tariffCount: m };
      names.forEach((name, i) => {
        out[name] = tariffEntries(blocks[i], m + 1, i === 0 ? "A.14" : "A.11");
      });
      return out;
    },
  };
  return confidence === undefined ? source : { ...source, confidence };
}

const F33_NAMES = ["positiveActive", "positiveReactive", "quadrant1Reactive", "quadrant4Reactive"] as const;
const F34_NAMES = ["negativeActive", "negativeReactive", "quadrant2Reactive", "quadrant3Reactive"] as const;
/** Indexes into KIND_DI2 / KIND_97 for the F33 and F34 groups. */
const F33_KINDS = [0, 1, 4, 7] as const;
const F34_KINDS = [2, 3, 5, 6] as const;

/** Demand answers of one quantity as a list of DL/T demand records `{ demand, time }`. */
type DemandReader = (answers: Answers, n: number) => readonly Answer[] | undefined;

const demandBlock07 =
  (di: (n: number) => number): DemandReader =>
  (answers, n) =>
    list(answers(di(n)));

/** 1997: demand and its time are separate identifiers per tariff; missing tariffs are "no data". */
const demand97 =
  (dis: { demand: readonly number[]; time: readonly number[] }): DemandReader =>
  (answers) => {
    if (num(answers(dis.demand[0] as number)) === undefined) return undefined;
    return dis.demand.map((di, t) => {
      const demand = num(answers(di));
      const time = answers(dis.time[t] as number);
      return demand === undefined ? null : { demand, time: typeof time === "string" ? time : "" };
    });
  };

/** The identifiers and reader of one 1997 demand quantity, for the F35 / F145-style sources. */
function demand97Of(k: 1 | 2, lastMonth: boolean): [() => readonly number[], DemandReader] {
  const dis = demandDis97(k, lastMonth);
  return [() => [...dis.demand, ...dis.time], demand97(dis)];
}

/** F145-style: time, M, (demand, time) per tariff. */
function demandPairSource(
  dis: (n: number) => readonly number[],
  read: DemandReader,
  confidence?: "M",
): ItemSource {
  const source: ItemSource = {
    dis,
    build: (answers, ctx, n) => {
      const records = read(answers, n);
      if (records === undefined || records.length === 0) return undefined;
      return {
        readTime: readTime(ctx),
        tariffCount: records.length - 1,
        maxDemand: records.map((r) => ({ demand: demandOf(r), time: demandTimeOf(r) })),
      };
    },
  };
  return confidence === undefined ? source : { ...source, confidence };
}

/**
 * F35-style: active demands, their times, reactive demands, their times. DL/T 645 has no reactive maximum
 * demand in the identifiers we hold, so those are EE (no data) [M].
 */
function demandGroupSource(dis: (n: number) => readonly number[], read: DemandReader): ItemSource {
  return {
    dis,
    confidence: "M",
    build: (answers, ctx, n) => {
      const records = read(answers, n);
      if (records === undefined || records.length === 0) return undefined;
      const none = records.map(() => ({ value: null }));
      return {
        readTime: readTime(ctx),
        tariffCount: records.length - 1,
        activeMaxDemand: records.map((r) => ({ value: demandOf(r) })),
        activeMaxDemandTime: records.map((r) => ({ value: demandTimeOf(r) })),
        reactiveMaxDemand: none,
        reactiveMaxDemandTime: none,
      };
    },
  };
}

/**
 * F5–F8 daily increments: the difference of two consecutive daily records (n and n+1), only when their freeze
 * times are exactly one day apart; a decrease (meter cleared) is "no data" [M: derived by the terminal].
 */
function incrementSource(di1: number): ItemSource {
  return {
    confidence: "M",
    dis: (n) => [daily07(DAILY_TIME, n), daily07(DAILY_TIME, n + 1), daily07(di1, n), daily07(di1, n + 1)],
    build: (answers, _ctx, n) => {
      const day = closedDayOf(answers(daily07(DAILY_TIME, n)));
      const before = closedDayOf(answers(daily07(DAILY_TIME, n + 1)));
      const now = list(answers(daily07(di1, n)));
      const then = list(answers(daily07(di1, n + 1)));
      if (day === undefined || now === undefined || now.length === 0) return undefined;
      const consecutive = before !== undefined && addDays(before, 1) === day;
      return {
        tariffCount: now.length - 1,
        energy: now.map((v, i) => {
          const a = num(v);
          const b = num(then?.[i]);
          const delta = a === undefined || b === undefined || !consecutive ? undefined : a - b;
          return {
            value: delta === undefined || delta < 0 ? null : fit("A.13", Math.round(delta * 100) / 100),
          };
        }),
      };
    },
  };
}

/** F25 from DL/T 645-2007 instantaneous blocks. Power factor: DL/T X.XXX → A.5 in percent [M]. */
const F25_2007: ItemSource = {
  dis: () => [0x0203ff00, 0x0204ff00, 0x0206ff00, 0x0201ff00, 0x0202ff00, 0x02800001, 0x0205ff00],
  build: (answers, ctx) => {
    const active = list(answers(0x0203ff00));
    if (active === undefined) return undefined;
    const at = (di: number, i: number): number | undefined => num(list(answers(di))?.[i]);
    const pf = (i: number): Value => {
      const v = at(0x0206ff00, i);
      return v === undefined ? null : fit("A.5", Math.round(v * 1000) / 10);
    };
    return {
      readTime: readTime(ctx),
      activePower: fit("A.9", num(active[0])),
      activePowerA: fit("A.9", num(active[1])),
      activePowerB: fit("A.9", num(active[2])),
      activePowerC: fit("A.9", num(active[3])),
      reactivePower: fit("A.9", at(0x0204ff00, 0)),
      reactivePowerA: fit("A.9", at(0x0204ff00, 1)),
      reactivePowerB: fit("A.9", at(0x0204ff00, 2)),
      reactivePowerC: fit("A.9", at(0x0204ff00, 3)),
      powerFactor: pf(0),
      powerFactorA: pf(1),
      powerFactorB: pf(2),
      powerFactorC: pf(3),
      voltageA: fit("A.7", at(0x0201ff00, 0)),
      voltageB: fit("A.7", at(0x0201ff00, 1)),
      voltageC: fit("A.7", at(0x0201ff00, 2)),
      currentA: fit("A.25", at(0x0202ff00, 0)),
      currentB: fit("A.25", at(0x0202ff00, 1)),
      currentC: fit("A.25", at(0x0202ff00, 2)),
      currentZeroSequence: fit("A.25", num(answers(0x02800001))),
      apparentPower: fit("A.9", at(0x0205ff00, 0)),
      apparentPowerA: fit("A.9", at(0x0205ff00, 1)),
      apparentPowerB: fit("A.9", at(0x0205ff00, 2)),
      apparentPowerC: fit("A.9", at(0x0205ff00, 3)),
    };
  },
  confidence: "M",
};

/** F25 from DL/T 645-1997 B6xx items (no zero-sequence current, no apparent power) [M]. */
const F25_1997: ItemSource = {
  dis: () => [
    ...[0, 1, 2, 3].map((p) => 0xb630 | p),
    ...[0, 1, 2, 3].map((p) => 0xb640 | p),
    ...[0, 1, 2, 3].map((p) => 0xb650 | p),
    ...[1, 2, 3].map((p) => 0xb610 | p),
    ...[1, 2, 3].map((p) => 0xb620 | p),
  ],
  build: (answers, ctx) => {
    const v = (di: number): number | undefined => num(answers(di));
    if (v(0xb630) === undefined) return undefined;
    const pf = (di: number): Value => {
      const x = v(di);
      return x === undefined ? null : fit("A.5", Math.round(x * 1000) / 10);
    };
    return {
      readTime: readTime(ctx),
      activePower: fit("A.9", v(0xb630)),
      activePowerA: fit("A.9", v(0xb631)),
      activePowerB: fit("A.9", v(0xb632)),
      activePowerC: fit("A.9", v(0xb633)),
      reactivePower: fit("A.9", v(0xb640)),
      reactivePowerA: fit("A.9", v(0xb641)),
      reactivePowerB: fit("A.9", v(0xb642)),
      reactivePowerC: fit("A.9", v(0xb643)),
      powerFactor: pf(0xb650),
      powerFactorA: pf(0xb651),
      powerFactorB: pf(0xb652),
      powerFactorC: pf(0xb653),
      voltageA: fit("A.7", v(0xb611)),
      voltageB: fit("A.7", v(0xb612)),
      voltageC: fit("A.7", v(0xb613)),
      currentA: fit("A.25", v(0xb621)),
      currentB: fit("A.25", v(0xb622)),
      currentC: fit("A.25", v(0xb623)),
      currentZeroSequence: null,
      apparentPower: null,
      apparentPowerA: null,
      apparentPowerB: null,
      apparentPowerC: null,
    };
  },
  confidence: "M",
};

/**
 * F161 remote-control state: run-status word 3 bit 4 (relay open) as the switch state (0 closed, 1 open) [L],
 * last close / trip record times (1E000101 / 1D000101) [M]. A meter without such records answers "no data",
 * which 1376.1 carries as an all-zero time ("unset").
 */
const F161_2007: ItemSource = {
  dis: () => [0x04000503, 0x1e000101, 0x1d000101],
  build: (answers, ctx) => {
    const word3 = num(answers(0x04000503));
    if (word3 === undefined) return undefined;
    return {
      readTime: readTime(ctx),
      switchState: (word3 >> 4) & 1,
      lastCloseTime: eventTimeA1(answers(0x1e000101), "time"),
      lastTripTime: eventTimeA1(answers(0x1d000101), "time"),
    };
  },
  confidence: "L",
};

/** F162 meter clock: terminal read time and the meter's date + time identifiers. */
function meterClockSource(dateDi: number, timeDi: number): ItemSource {
  return {
    dis: () => [dateDi, timeDi],
    build: (answers, ctx) => {
      const clock = meterClockA1(answers(dateDi), answers(timeDi));
      if (clock === null) return undefined;
      return { readTime: toA1(ctx.readAt), meterClock: clock };
    },
    confidence: "M",
  };
}

/** Count + last record time of a DL/T 645-2007 event family; "unset" when the meter never had one. */
function countAndLast(
  answers: Answers,
  countDi: number,
  recordDi: number,
  timeField: string,
): [Value, Value] {
  const count = num(answers(countDi));
  const record = answers(recordDi);
  return [fit("A.10", count), count === 0 ? UNSET_TIME : eventTimeA1(record, timeField)];
}

/**
 * F165: programming count/last time (03300000/01) and terminal-block (tail) cover openings (03300E00/01).
 * "Programming switch operations" read as programming events, the cover as the terminal-block cover [L].
 */
const F165_2007: ItemSource = {
  dis: () => [0x03300000, 0x03300001, 0x03300e00, 0x03300e01],
  build: (answers, ctx) => {
    if (num(answers(0x03300000)) === undefined) return undefined;
    const [programCount, programTime] = countAndLast(answers, 0x03300000, 0x03300001, "time");
    const [coverCount, coverTime] = countAndLast(answers, 0x03300e00, 0x03300e01, "openTime");
    return {
      readTime: readTime(ctx),
      programSwitchCount: programCount,
      lastProgramSwitchTime: programTime,
      coverOpenCount: coverCount,
      lastCoverOpenTime: coverTime,
    };
  },
  confidence: "L",
};

/**
 * F165 from DL/T 645-1997: programming count (B212) and last programming time (B210, year from the meter
 * date C010 as in F27) read as the programming-switch operations, like the 2007 source [L]. 1997 has no
 * cover-opening record: EE.
 */
const F165_1997: ItemSource = {
  dis: () => [0xb212, 0xb210, 0xc010],
  build: (answers, ctx) => {
    const count = num(answers(0xb212));
    if (count === undefined) return undefined;
    return {
      readTime: readTime(ctx),
      programSwitchCount: fit("A.10", count),
      lastProgramSwitchTime: count === 0 ? UNSET_TIME : lastTime97(answers(0xb210), answers(0xc010)),
      coverOpenCount: null,
      lastCoverOpenTime: null,
    };
  },
  confidence: "L",
};

/** F166: clock changes (03300400/01, before and after); tariff-schedule changes have no identifier here. */
const F166_2007: ItemSource = {
  dis: () => [0x03300400, 0x03300401],
  build: (answers, ctx) => {
    const count = num(answers(0x03300400));
    if (count === undefined) return undefined;
    const record = answers(0x03300401);
    return {
      readTime: readTime(ctx),
      clockChangeCount: fit("A.10", count),
      lastClockChangeBefore: count === 0 ? UNSET_TIME : eventTimeA1(record, "before"),
      lastClockChangeAfter: count === 0 ? UNSET_TIME : eventTimeA1(record, "after"),
      scheduleChangeCount: null,
      lastScheduleChangeTime: null,
    };
  },
  confidence: "L",
};

/**
 * F27 from DL/T 645-2007: the meter date + time, then count and last record time of programming (033000xx),
 * meter clearing (033001xx), demand clearing (033002xx), event clearing (033003xx) and clock setting
 * (033004xx; the time before the setting, i.e. when it happened by the meter's clock [M]). The battery
 * working time (DL/T 645-2007 0280000A) is not in our identifier table and goes out as EE.
 */
const F27_EVENTS_2007 = [
  { what: "programming", count: 0x03300000, timeField: "time" },
  { what: "meterClear", count: 0x03300100, timeField: "time" },
  { what: "demandClear", count: 0x03300200, timeField: "time" },
  { what: "eventClear", count: 0x03300300, timeField: "time" },
  { what: "clockSet", count: 0x03300400, timeField: "before" },
] as const;

/** `lastProgrammingTime` for "programming": the F27 field names (afn0c.ts METER_CLOCK_SHAPE). */
const lastTimeField = (what: string): string => `last${what.slice(0, 1).toUpperCase()}${what.slice(1)}Time`;

const F27_2007: ItemSource = {
  dis: () => [0x04000101, 0x04000102, ...F27_EVENTS_2007.flatMap((e) => [e.count, e.count + 1])],
  build: (answers, ctx) => {
    const clock = meterClockA1(answers(0x04000101), answers(0x04000102));
    if (clock === null) return undefined;
    const out: Record<string, Value> = { readTime: readTime(ctx), meterClock: clock, batteryMinutes: null };
    for (const e of F27_EVENTS_2007) {
      const [count, last] = countAndLast(answers, e.count, e.count + 1, e.timeField);
      out[`${e.what}Count`] = count;
      out[lastTimeField(e.what)] = last;
    }
    return out;
  },
  confidence: "M",
};

/**
 * F27 from DL/T 645-1997: meter date + time, programming count (B212) and last time (B210), demand-clear
 * count (B213) and last time (B211); the 1997 times carry no year, so it is the meter's year, or the year
 * before when the month-day lies after the meter's date [M]. Meter clearing, event clearing and clock
 * setting have no 1997 identifier: EE.
 */
const F27_1997: ItemSource = {
  dis: () => [0xc010, 0xc011, 0xb212, 0xb210, 0xb213, 0xb211],
  build: (answers, ctx) => {
    const date = answers(0xc010);
    const clock = meterClockA1(date, answers(0xc011));
    if (clock === null) return undefined;
    const counted = (countDi: number, timeDi: number): [Value, Value] => {
      const count = num(answers(countDi));
      if (count === 0) return [0, UNSET_TIME];
      return [fit("A.10", count), lastTime97(answers(timeDi), date)];
    };
    const [programmingCount, lastProgrammingTime] = counted(0xb212, 0xb210);
    const [demandClearCount, lastDemandClearTime] = counted(0xb213, 0xb211);
    return {
      readTime: readTime(ctx),
      meterClock: clock,
      batteryMinutes: null,
      programmingCount,
      lastProgrammingTime,
      meterClearCount: null,
      lastMeterClearTime: null,
      demandClearCount,
      lastDemandClearTime,
      eventClearCount: null,
      lastEventClearTime: null,
      clockSetCount: null,
      lastClockSetTime: null,
    };
  },
  confidence: "M",
};

// ---- frozen-record locators ------------------------------------------------------------------------------

const METER_TIME = /^(\d{4})-(\d{2})-(\d{2})(?: (\d{2}):(\d{2}))?/;

/**
 * The day a frozen record closes, as a day key: the date of (freeze time − 1 minute). A meter freezing at
 * 00:00 on the 26th holds the values at the end of the 25th, and 1376.1 labels it Td_d = 25th (NUC files daily
 * frozen data under "the day before the clock's current day" [M]). A meter set to freeze at 23:59 labels
 * its own day.
 */
export function closedDayOf(answer: Answer): number | undefined {
  if (typeof answer !== "string") return undefined;
  const m = METER_TIME.exec(answer);
  if (m === null) return undefined;
  const [y, mo, d, h, mi] = [m[1], m[2], m[3], m[4] ?? "00", m[5] ?? "00"].map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59) return undefined;
  // Reject dates that roll over (31 February).
  if (new Date(Date.UTC(y, mo - 1, d)).getUTCDate() !== d) return undefined;
  const x = new Date(Date.UTC(y, mo - 1, d, h, mi) - 60_000);
  return x.getUTCFullYear() * 10_000 + (x.getUTCMonth() + 1) * 100 + x.getUTCDate();
}

/** Month key of a meter date answer ("20YY-MM-DD …"). */
function monthOf(answer: Answer): number | undefined {
  if (typeof answer !== "string") return undefined;
  const m = METER_TIME.exec(answer);
  if (m === null) return undefined;
  const month = Number(m[2]);
  return month >= 1 && month <= 12 ? Number(m[1]) * 100 + month : undefined;
}

export interface RecordLocator {
  /**
   * The identifier whose answer dates record `n`; undefined: the meter keeps no such record and the terminal
   * freezes the current values itself (the engine reads them once the period has closed).
   */
  readonly marker?: (n: number) => number;
  /** The period (day key / month key) record `n` holds, from the marker's answer. */
  readonly periodOf?: (answer: Answer, n: number) => number | undefined;
  /** Records the meter keeps (newest = 1). */
  readonly records: number;
}

/** How each edition's frozen records are found, per kind. */
export const RECORDS: Readonly<Record<"daily" | "monthly", Readonly<Record<Dlt645Edition, RecordLocator>>>> =
  {
    daily: {
      // DL/T 645-2007 05060001..3E: the freeze time of the record n days back [H].
      "2007": {
        marker: (n) => daily07(DAILY_TIME, n),
        periodOf: (answer) => closedDayOf(answer),
        records: 62,
      },
      // DL/T 645-1997 keeps no daily record [M]: the terminal reads current values after the day closed.
      "1997": { records: 1 },
    },
    monthly: {
      // Settlement n (00xxFF0n) is the n-th month before the meter's current month (settlement on the 1st at
      // 00:00, the common setting; another settlement day shifts the meaning) [M]. The marker is the meter date.
      "2007": {
        marker: () => 0x04000101,
        periodOf: (answer, n) => {
          const month = monthOf(answer);
          return month === undefined ? undefined : addMonths(month, -n);
        },
        records: 12,
      },
      // DL/T 645-1997 "last month" (94xx) [M].
      "1997": {
        marker: () => 0xc010,
        periodOf: (answer, n) => {
          const month = monthOf(answer);
          return month === undefined || n !== 1 ? undefined : addMonths(month, -1);
        },
        records: 1,
      },
    },
  };

// ---- the table -------------------------------------------------------------------------------------------

const items: CatalogItem[] = [];

function add(
  afn: 0x0c | 0x0d,
  fn: number,
  kind: ItemKind,
  sources: Partial<Record<Dlt645Edition, ItemSource | undefined>>,
): void {
  const clean: Partial<Record<Dlt645Edition, ItemSource>> = {};
  for (const edition of ["2007", "1997"] as const) {
    const s = sources[edition];
    if (s !== undefined) clean[edition] = s;
  }
  const key = `${afn === 0x0c ? "0C" : "0D"}:F${fn}`;
  items.push({ afn, fn, key, kind, sources: clean });
}

const energyFormat = (i: number): "A.14" | "A.11" => (i === 0 || i === 2 ? "A.14" : "A.11");
const kind97 = (i: number, last: boolean): number | undefined => {
  const digits = KIND_97[i];
  return digits === undefined ? undefined : energy97(digits, last);
};

// AFN0C F25: instantaneous values.
add(0x0c, 25, "current", { "2007": F25_2007, "1997": F25_1997 });

// AFN0C F33/F34 current, F37/F38 last month (last settlement) four-energy blocks.
for (const [fn, names, kinds, settlement] of [
  [33, F33_NAMES, F33_KINDS, 0],
  [34, F34_NAMES, F34_KINDS, 0],
  [37, F33_NAMES, F33_KINDS, 1],
  [38, F34_NAMES, F34_KINDS, 1],
] as const) {
  add(0x0c, fn, "current", {
    "2007": fourEnergySource(names, () => kinds.map((k) => energy07(KIND_DI2[k], settlement))),
    "1997": fourEnergySource(names, () => kinds.map((k) => kind97(k, settlement === 1)), "M"),
  });
}

// AFN0C F35/F36 this month, F39/F40 last month max demand (active only, see demandGroupSource).
for (const [fn, di2, settlement] of [
  [35, 0x01, 0],
  [36, 0x02, 0],
  [39, 0x01, 1],
  [40, 0x02, 1],
] as const) {
  const sources: Partial<Record<Dlt645Edition, ItemSource>> = {
    "2007": demandGroupSource(
      () => [demand07(di2, settlement)],
      demandBlock07(() => demand07(di2, settlement)),
    ),
  };
  // 1997: A01x/A02x current, A41x/A42x last month, times in B… (no year: A.17 needs none).
  sources["1997"] = demandGroupSource(...demand97Of(di2, settlement === 1));
  add(0x0c, fn, "current", sources);
}

// AFN0C F129–F136 current, F137–F144 last settlement: one energy quantity each.
for (const [firstFn, settlement] of [
  [129, 0],
  [137, 1],
] as const) {
  KIND_DI2.forEach((di2, i) => {
    const d97 = kind97(i, settlement === 1);
    add(0x0c, firstFn + i, "current", {
      "2007": energySource(() => energy07(di2, settlement), energyFormat(i)),
      "1997": d97 === undefined ? undefined : energySource(() => d97, energyFormat(i)),
    });
  });
}

// AFN0C F145/F147 this month, F149/F151 last month active max demand + time. The reactive ones (F146, F148,
// F150, F152) have no DL/T 645 identifier in our table and are not served from meters.
for (const [fn, di2, settlement] of [
  [145, 0x01, 0],
  [147, 0x02, 0],
  [149, 0x01, 1],
  [151, 0x02, 1],
] as const) {
  const sources: Partial<Record<Dlt645Edition, ItemSource>> = {
    "2007": demandPairSource(
      () => [demand07(di2, settlement)],
      demandBlock07(() => demand07(di2, settlement)),
    ),
  };
  sources["1997"] = demandPairSource(...demand97Of(di2, settlement === 1), "M");
  add(0x0c, fn, "current", sources);
}

// F27: meter clock, programming and clearing counts with their last times.
add(0x0c, 27, "current", { "2007": F27_2007, "1997": F27_1997 });
add(0x0c, 161, "current", { "2007": F161_2007 });
add(0x0c, 162, "current", {
  "2007": meterClockSource(0x04000101, 0x04000102),
  "1997": meterClockSource(0xc010, 0xc011),
});
add(0x0c, 165, "current", { "2007": F165_2007, "1997": F165_1997 });
add(0x0c, 166, "current", { "2007": F166_2007 });
// F177/F178: combined active energy (DI2 00), current and last settlement [M].
add(0x0c, 177, "current", { "2007": energySource(() => energy07(0x00, 0), "A.14") });
add(0x0c, 178, "current", { "2007": energySource(() => energy07(0x00, 1), "A.14") });

// ---- AFN0D daily frozen (Td_d) ------------------------------------------------------------------------------

/** 2007 daily record identifiers of one F33/F34 group, record n. */
const dailyGroup = (kinds: readonly number[]) => (n: number) =>
  kinds.map((k) => daily07(KIND_DI2[k] as number, n));

add(0x0d, 1, "daily", {
  "2007": fourEnergySource(F33_NAMES, dailyGroup(F33_KINDS)),
  "1997": fourEnergySource(F33_NAMES, () => F33_KINDS.map((k) => kind97(k, false)), "M"),
});
add(0x0d, 2, "daily", {
  "2007": fourEnergySource(F34_NAMES, dailyGroup(F34_KINDS)),
  "1997": fourEnergySource(F34_NAMES, () => F34_KINDS.map((k) => kind97(k, false)), "M"),
});
add(0x0d, 3, "daily", {
  "2007": demandGroupSource(
    (n) => [daily07(DAILY_POSITIVE_DEMAND, n)],
    demandBlock07((n) => daily07(DAILY_POSITIVE_DEMAND, n)),
  ),
});
add(0x0d, 4, "daily", {
  "2007": demandGroupSource(
    (n) => [daily07(DAILY_REVERSE_DEMAND, n)],
    demandBlock07((n) => daily07(DAILY_REVERSE_DEMAND, n)),
  ),
});
// F5–F8: increments of +P, +Q (combined 1), −P, −Q (combined 2).
[0x01, 0x03, 0x02, 0x04].forEach((di1, i) => {
  add(0x0d, 5 + i, "daily", { "2007": incrementSource(di1) });
});
// F161–F168: one daily frozen energy each.
KIND_DI2.forEach((di2, i) => {
  const d97 = kind97(i, false);
  add(0x0d, 161 + i, "daily", {
    "2007": energySource((n) => daily07(di2, n), energyFormat(i)),
    "1997":
      d97 === undefined
        ? undefined
        : { ...(energySource(() => d97, energyFormat(i)) as ItemSource), confidence: "M" },
  });
});
// F185/F187: daily frozen positive / reverse active max demand (F186/F188 reactive: no identifier).
add(0x0d, 185, "daily", {
  "2007": demandPairSource(
    (n) => [daily07(DAILY_POSITIVE_DEMAND, n)],
    demandBlock07((n) => daily07(DAILY_POSITIVE_DEMAND, n)),
    "M",
  ),
});
add(0x0d, 187, "daily", {
  "2007": demandPairSource(
    (n) => [daily07(DAILY_REVERSE_DEMAND, n)],
    demandBlock07((n) => daily07(DAILY_REVERSE_DEMAND, n)),
    "M",
  ),
});

// ---- AFN0D monthly frozen (Td_m): the meter's settlement records --------------------------------------------

add(0x0d, 17, "monthly", {
  "2007": fourEnergySource(F33_NAMES, (n) => F33_KINDS.map((k) => energy07(KIND_DI2[k], n))),
  "1997": fourEnergySource(F33_NAMES, () => F33_KINDS.map((k) => kind97(k, true)), "M"),
});
add(0x0d, 18, "monthly", {
  "2007": fourEnergySource(F34_NAMES, (n) => F34_KINDS.map((k) => energy07(KIND_DI2[k], n))),
  "1997": fourEnergySource(F34_NAMES, () => F34_KINDS.map((k) => kind97(k, true)), "M"),
});
KIND_DI2.forEach((di2, i) => {
  const d97 = kind97(i, true);
  add(0x0d, 177 + i, "monthly", {
    "2007": energySource((n) => energy07(di2, n), energyFormat(i)),
    "1997":
      d97 === undefined
        ? undefined
        : { ...(energySource(() => d97, energyFormat(i)) as ItemSource), confidence: "M" },
  });
});
// F193/F195: monthly positive / reverse active max demand; 1997 from the last-month A41x/A42x (+ B4xx).
add(0x0d, 193, "monthly", {
  "2007": demandPairSource(
    (n) => [demand07(0x01, n)],
    demandBlock07((n) => demand07(0x01, n)),
    "M",
  ),
  "1997": demandPairSource(...demand97Of(1, true), "M"),
});
add(0x0d, 195, "monthly", {
  "2007": demandPairSource(
    (n) => [demand07(0x02, n)],
    demandBlock07((n) => demand07(0x02, n)),
    "M",
  ),
  "1997": demandPairSource(...demand97Of(2, true), "M"),
});

// ---- AFN0D reading-day frozen (Td_d = the reading day, AFN04 F33) ----------------------------------------

/**
 * The reading-day items are the daily items' twins — F9–F12 ↔ F1–F4, F169–F176 ↔ F161–F168, F189–F192 ↔
 * F185–F188, same bodies — but no meter keeps a record of the master's reading day: the terminal freezes the
 * meter's current values at the reading-day time (collect/reading-day.ts). So each twin takes the source of
 * the AFN0C current item whose values the daily body holds frozen (F9 ← F33, F169 ← F129, F189 ← F145 …):
 * the same identifiers and conversions, not a second table [M: reading current values at the reading-day
 * time; some terminals take the meter's settlement record when the meter settles on the reading day — see
 * collect/reading-day.ts]. F190/F192 (reactive demand) have no current source and are not filled.
 */
export const READING_DAY_TWINS: readonly {
  readonly fn: number;
  readonly daily: number;
  readonly current: number;
}[] = [
  ...[0, 1, 2, 3].map((i) => ({ fn: 9 + i, daily: 1 + i, current: 33 + i })),
  ...KIND_DI2.map((_, i) => ({ fn: 169 + i, daily: 161 + i, current: 129 + i })),
  ...[0, 1, 2, 3].map((i) => ({ fn: 189 + i, daily: 185 + i, current: 145 + i })),
];

for (const twin of READING_DAY_TWINS) {
  const current = items.find((i) => i.afn === 0x0c && i.fn === twin.current);
  if (current !== undefined) add(0x0d, twin.fn, "readingDay", current.sources);
}

/** Every catalogue row, AFN0C first, then AFN0D, each by Fn. */
export const CATALOG: readonly CatalogItem[] = items.sort((a, b) => a.afn - b.afn || a.fn - b.fn);

const BY_KEY = new Map(CATALOG.map((item) => [item.key, item]));

/** The row for (AFN, Fn), or undefined when that item is not filled from meter data. */
export function findItem(afn: 0x0c | 0x0d, fn: number): CatalogItem | undefined {
  return BY_KEY.get(`${afn === 0x0c ? "0C" : "0D"}:F${fn}`);
}

export function itemByKey(key: string): CatalogItem | undefined {
  return BY_KEY.get(key);
}

/** The AFN0D time-label field of a kind: Td_d (A.20 "20YY-MM-DD") or Td_m (A.21 "20YY-MM"). */
export function periodLabel(kind: Exclude<ItemKind, "current">, period: number): Record_ {
  const text = String(period);
  return kind !== "monthly"
    ? { Td_d: `${text.slice(0, 4)}-${text.slice(4, 6)}-${text.slice(6, 8)}` }
    : { Td_m: `${text.slice(0, 4)}-${text.slice(4, 6)}` };
}

/**
 * The stored data object of `item` from the meter's answers: the 1376.1 uplink data object, for AFN0D items
 * without the time-label field (the store period is the label; terminal/data-service/item-sources.ts).
 * Undefined when the edition has no source or the meter lacks the essential value.
 */
export function buildItem(
  item: CatalogItem,
  edition: Dlt645Edition,
  answers: Answers,
  ctx: BuildContext & { readonly record?: number },
): Record_ | undefined {
  const source = item.sources[edition];
  if (source === undefined) return undefined;
  return source.build(answers, ctx, ctx.record ?? 1);
}

/** The uplink data object of a stored value: AFN0D items get their Td_d / Td_m label back in front. */
export function uplinkObject(item: CatalogItem, stored: Record_, period?: number): Record_ {
  if (item.kind === "current" || period === undefined) return stored;
  return { ...periodLabel(item.kind, period), ...stored };
}

/** The identifiers to read for `items` of one edition, record n, each once, in first-use order. */
export function identifiersFor(items: readonly CatalogItem[], edition: Dlt645Edition, record = 1): number[] {
  const seen = new Set<number>();
  for (const item of items) for (const di of item.sources[edition]?.dis(record) ?? []) seen.add(di);
  return [...seen];
}
