/**
 * The catalogue's curve rows (AFN0D Td_c items, shared/protocol/gw1376-1.md §4.7): which DL/T 645 identifier
 * gives one point of each curve and how its value becomes the point's 1376.1 value. Meters keep no curve
 * the terminal can read back (DL/T 645 load records are optional and vendor-shaped), so the terminal builds
 * curves itself: it reads the current value each curve interval and files it under the interval's start.
 *
 *   meter answer (DI → DL/T value) ──pick──► number ──fit(format)──► one curve point `{ value }`
 *
 * A curve point is stored as ONE entry of the Td_c item's `values` array (terminal/data-service conventions),
 * so its format is the curve row's point format in protocol/gw1376-1/afn0d.ts (`CURVES` there).
 *
 * Energy amounts (F97–F100) are not read: each is the difference of two consecutive points of the matching
 * energy-reading curve (F101–F104), derived by the collector (`amountOf`). The amount at point T is the
 * energy of the interval that ENDS at T (reading at T minus reading at T − density) [L: the reference does
 * not say which side of the interval labels it].
 */

import type { Dlt645Edition } from "../protocol/dlt645/functions.ts";
import type { FormatId, Value } from "../protocol/gw1376-1/layout.ts";
import { KIND_97, KIND_DI2 } from "./catalog.ts";
import { type Answer, fit, list, num } from "./values.ts";

/** How one edition gives one curve point: the identifier to read and the number taken from its answer. */
export interface CurveSource {
  readonly di: number;
  readonly pick: (answer: Answer) => number | undefined;
  readonly confidence?: "M" | "L";
}

export interface CurveItem {
  readonly fn: number;
  /** Store key in the curves repository: "0D:F81". */
  readonly key: string;
  /** 1376.1 format of one point (the afn0d.ts curve row's). */
  readonly format: FormatId;
  /** Read items: one source per edition that can fill the curve. */
  readonly sources: Readonly<Partial<Record<Dlt645Edition, CurveSource>>>;
  /** Derived items: the Fn of the reading curve whose consecutive points give this amount. */
  readonly amountOf?: number;
}

/** Element `i` of a block answer (2007 instantaneous blocks: total, A, B, C or A, B, C). */
const element =
  (i: number) =>
  (answer: Answer): number | undefined =>
    num(list(answer)?.[i]);

/** A plain numeric answer (single identifiers, 1997 items). */
const plain = (answer: Answer): number | undefined => num(answer);

/** Power factor as DL/T gives it (X.XXX) → A.5 in percent, as AFN0C F25 does [L: unit of the curve]. */
const percent =
  (pick: (answer: Answer) => number | undefined) =>
  (answer: Answer): number | undefined => {
    const v = pick(answer);
    return v === undefined ? undefined : Math.round(v * 1000) / 10;
  };

const items: CurveItem[] = [];

function add(
  fn: number,
  format: FormatId,
  sources: Partial<Record<Dlt645Edition, CurveSource | undefined>>,
  amountOf?: number,
): void {
  const clean: Partial<Record<Dlt645Edition, CurveSource>> = {};
  for (const edition of ["2007", "1997"] as const) {
    const s = sources[edition];
    if (s !== undefined) clean[edition] = s;
  }
  const row: CurveItem = { fn, key: `0D:F${fn}`, format, sources: clean };
  items.push(amountOf === undefined ? row : { ...row, amountOf });
}

/** 2007 instantaneous block (DI2 = variable) and the 1997 B6xx base of the same variable [H identifiers]. */
const INSTANT: readonly {
  readonly firstFn: number;
  readonly format: FormatId;
  readonly block: number;
  readonly base97: number;
  /** Block / B6xx index of the curve's first point: power lists start with the total, voltage with A. */
  readonly withTotal: boolean;
  readonly count: number;
  readonly scale?: "percent";
  readonly confidence?: "M" | "L";
}[] = [
  // F81–F84 active power total, A, B, C (A.9, kW).
  { firstFn: 81, format: "A.9", block: 0x0203ff00, base97: 0xb630, withTotal: true, count: 4 },
  // F85–F88 reactive power total, A, B, C (A.9, kvar) [M: the codec's format is M].
  {
    firstFn: 85,
    format: "A.9",
    block: 0x0204ff00,
    base97: 0xb640,
    withTotal: true,
    count: 4,
    confidence: "M",
  },
  // F89–F91 voltage A, B, C (A.7, V).
  { firstFn: 89, format: "A.7", block: 0x0201ff00, base97: 0xb610, withTotal: false, count: 3 },
  // F92–F94 current A, B, C (A.25, A).
  { firstFn: 92, format: "A.25", block: 0x0202ff00, base97: 0xb620, withTotal: false, count: 3 },
  // F105–F108 power factor total, A, B, C (A.5, %) [L: the codec's format is L].
  {
    firstFn: 105,
    format: "A.5",
    block: 0x0206ff00,
    base97: 0xb650,
    withTotal: true,
    count: 4,
    scale: "percent",
    confidence: "L",
  },
];

for (const v of INSTANT) {
  for (let i = 0; i < v.count; i++) {
    const scaled = (pick: (answer: Answer) => number | undefined) =>
      v.scale === "percent" ? percent(pick) : pick;
    const confidence = v.confidence === undefined ? {} : { confidence: v.confidence };
    add(v.firstFn + i, v.format, {
      "2007": { di: v.block, pick: scaled(element(i)), ...confidence },
      // 1997 numbers phases 1..3 and the total 0 in the last digit.
      "1997": { di: v.base97 | (v.withTotal ? i : i + 1), pick: scaled(plain), confidence: "M" },
    });
  }
}

// F95 zero-sequence current: the 2007 neutral current (02800001) [M: neutral read as zero-sequence].
add(95, "A.25", { "2007": { di: 0x02800001, pick: plain, confidence: "M" } });

// F101–F104 energy readings (A.11): positive active, positive reactive (combined 1), negative active, negative
// reactive (combined 2) — the 1376.1 energy order of KIND_DI2 / KIND_97, current total only (DI1 DI0 = 00 00).
for (let i = 0; i < 4; i++) {
  const d97 = KIND_97[i];
  add(101 + i, "A.11", {
    "2007": { di: (KIND_DI2[i] as number) << 16, pick: plain },
    "1997": d97 === undefined ? undefined : { di: 0x9000 | d97, pick: plain, confidence: "M" },
  });
}

// F97–F100 energy amounts (A.13): derived from F101–F104, nothing read for them.
for (let i = 0; i < 4; i++) add(97 + i, "A.13", {}, 101 + i);

/** Every curve row, by Fn. */
export const CURVE_ITEMS: readonly CurveItem[] = items.sort((a, b) => a.fn - b.fn);

const BY_FN = new Map(CURVE_ITEMS.map((item) => [item.fn, item]));

/** The curve row of AFN0D `fn`, or undefined when that curve is not built from meter data. */
export function findCurveItem(fn: number): CurveItem | undefined {
  return BY_FN.get(fn);
}

/** True when a meter of `edition` can give the curve (read directly or derived from a curve it can read). */
export function curveReadable(item: CurveItem, edition: Dlt645Edition): boolean {
  if (item.amountOf !== undefined) {
    const reading = findCurveItem(item.amountOf);
    return reading !== undefined && reading.sources[edition] !== undefined;
  }
  return item.sources[edition] !== undefined;
}

/** The identifiers to read for `items` of one edition, each once, in first-use order (amounts: their reading's). */
export function curveIdentifiers(items: readonly CurveItem[], edition: Dlt645Edition): number[] {
  const seen = new Set<number>();
  for (const item of items) {
    const source = (item.amountOf === undefined ? item : findCurveItem(item.amountOf))?.sources[edition];
    if (source !== undefined) seen.add(source.di);
  }
  return [...seen];
}

/**
 * One curve point of a read item from the meter's answers: the 1376.1 value (null when the format cannot
 * hold it), or undefined when the meter gave nothing for it.
 */
export function curvePoint(
  item: CurveItem,
  edition: Dlt645Edition,
  answers: (di: number) => Answer,
): Value | undefined {
  const source = item.sources[edition];
  if (source === undefined) return undefined;
  const value = source.pick(answers(source.di));
  return value === undefined ? undefined : fit(item.format, value);
}

/**
 * An energy amount from two consecutive reading points (kWh / kvarh): null when either is missing, or when the
 * register went backwards (meter cleared or rolled over: the amount is unknown, not negative).
 */
export function energyAmount(item: CurveItem, before: unknown, after: unknown): Value {
  if (typeof before !== "number" || typeof after !== "number" || after < before) return null;
  // Readings carry 2 decimals; round away the binary noise of the subtraction.
  return fit(item.format, Math.round((after - before) * 100) / 100);
}
