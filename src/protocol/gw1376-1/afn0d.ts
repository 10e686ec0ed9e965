/**
 * AFN0D — class-2 (frozen / historical) data, shared/protocol/gw1376-1.md §4.7. The request body of every
 * row is its time label alone; the answer body is the same label followed by the data. The data shapes are
 * AFN0C's (afn0c.ts): daily/monthly/reading-day frozen blocks reuse them instead of re-declaring them.
 */

import {
  bin,
  DEMAND_GROUPS_SHAPE,
  DEMAND_KINDS,
  DEMAND_SHAPE,
  ENERGY_KINDS,
  energyShape,
  F33_SHAPE,
  F34_SHAPE,
  fmt,
  PARAM_CHANGES_SHAPE,
  PREPAYMENT_SHAPE,
  REMOTE_CONTROL_SHAPE,
  SETTLEMENT_SHAPE,
  SWITCH_OPS_SHAPE,
  TARIFF_COUNT,
} from "./afn0c.ts";
import type { Field, FnRow, FormatId } from "./layout.ts";

// ---- time labels (§4.7) -------------------------------------------------------------------------------------

/** Td_d: the frozen day, A.20 (3 bytes). */
export const TD_D: readonly Field[] = [fmt("Td_d", "A.20")];
/** Td_m: the frozen month, A.21 (2 bytes). */
export const TD_M: readonly Field[] = [fmt("Td_m", "A.21")];
/** Td_c: curve start A.15, density m (0 none, 1 = 15 min, 2 = 30, 3 = 60, 254 = 5, 255 = 1 min), points n. */
export const TD_C: readonly Field[] = [fmt("start", "A.15"), bin("density", 1), bin("points", 1)];

type Label = "d" | "m" | "c";
const LABELS: Readonly<Record<Label, readonly Field[]>> = { d: TD_D, m: TD_M, c: TD_C };

function row(fn: number, name: string, label: Label, data: readonly Field[], confidence?: "M" | "L"): FnRow {
  const td = LABELS[label];
  const base = { afn: 0x0d, fn, name, pn: "point" as const, down: td, up: [...td, ...data] };
  return confidence === undefined ? base : { ...base, confidence };
}

/** A curve: Td_c then n points of one format (n = the label's `points`). */
function curveRow(fn: number, name: string, format: FormatId, confidence?: "M" | "L"): FnRow {
  const values: Field = {
    name: "values",
    type: "repeat",
    count: { field: "points" },
    fields: [fmt("value", format)],
  };
  return row(fn, `${name} curve`, "c", [values], confidence);
}

/** Eight energy rows (order of ENERGY_KINDS) behind one label, starting at `firstFn`. */
function energyRows(firstFn: number, label: Label, when: string): FnRow[] {
  return ENERGY_KINDS.map((kind, i) =>
    row(firstFn + i, `${when} ${kind.name}`, label, energyShape(kind.format)),
  );
}

/** Four max-demand rows (order of DEMAND_KINDS) behind one label. [M: pairing, as AFN0C F145] */
function demandRows(firstFn: number, label: Label, when: string): FnRow[] {
  return DEMAND_KINDS.map((name, i) =>
    row(firstFn + i, `${when} ${name} and time`, label, DEMAND_SHAPE, "M"),
  );
}

/** F5–F8: daily energy increments, M 1 + A.13 ×(M+1) (no read time, §4.7). */
const INCREMENT_SHAPE: readonly Field[] = [
  TARIFF_COUNT,
  {
    name: "energy",
    type: "repeat",
    count: { field: "tariffCount", plus: 1 },
    fields: [fmt("value", "A.13")],
  },
];

/**
 * Curves the reference states a format for (F81–F95) plus, marked: F85–F88 reactive power A.9 [M: same unit
 * family as F81–F84], F97–F100 energy amounts A.13 and F101–F104 energy readings A.11 [M: GY's curve decoders
 * use A.13 / A.11], F105–F108 power factor A.5 [L].
 */
const CURVES: readonly {
  readonly fn: number;
  readonly name: string;
  readonly format: FormatId;
  readonly c?: "M" | "L";
}[] = [
  { fn: 81, name: "total active power", format: "A.9" },
  { fn: 82, name: "phase A active power", format: "A.9" },
  { fn: 83, name: "phase B active power", format: "A.9" },
  { fn: 84, name: "phase C active power", format: "A.9" },
  { fn: 85, name: "total reactive power", format: "A.9", c: "M" },
  { fn: 86, name: "phase A reactive power", format: "A.9", c: "M" },
  { fn: 87, name: "phase B reactive power", format: "A.9", c: "M" },
  { fn: 88, name: "phase C reactive power", format: "A.9", c: "M" },
  { fn: 89, name: "phase A voltage", format: "A.7" },
  { fn: 90, name: "phase B voltage", format: "A.7" },
  { fn: 91, name: "phase C voltage", format: "A.7" },
  { fn: 92, name: "phase A current", format: "A.25" },
  { fn: 93, name: "phase B current", format: "A.25" },
  { fn: 94, name: "phase C current", format: "A.25" },
  { fn: 95, name: "zero-sequence current", format: "A.25" },
  { fn: 97, name: "positive active energy amount", format: "A.13", c: "M" },
  { fn: 98, name: "positive reactive energy amount", format: "A.13", c: "M" },
  { fn: 99, name: "negative active energy amount", format: "A.13", c: "M" },
  { fn: 100, name: "negative reactive energy amount", format: "A.13", c: "M" },
  { fn: 101, name: "positive active energy reading", format: "A.11", c: "M" },
  { fn: 102, name: "positive reactive energy reading", format: "A.11", c: "M" },
  { fn: 103, name: "negative active energy reading", format: "A.11", c: "M" },
  { fn: 104, name: "negative reactive energy reading", format: "A.11", c: "M" },
  { fn: 105, name: "total power factor", format: "A.5", c: "L" },
  { fn: 106, name: "phase A power factor", format: "A.5", c: "L" },
  { fn: 107, name: "phase B power factor", format: "A.5", c: "L" },
  { fn: 108, name: "phase C power factor", format: "A.5", c: "L" },
];

/** AFN0D data-unit layouts (shared/protocol/gw1376-1.md §4.7). */
export const AFN0D_ROWS: readonly FnRow[] = [
  row(1, "daily frozen positive active/reactive and quadrant I/IV energies", "d", F33_SHAPE),
  row(2, "daily frozen negative active/reactive and quadrant II/III energies", "d", F34_SHAPE),
  // F3/F4 and F11/F12: not in §4.7; the AFN0C F35/F36 demand block behind Td_d, as GY decodes them. [M]
  row(3, "daily frozen positive max demand and time", "d", DEMAND_GROUPS_SHAPE, "M"),
  row(4, "daily frozen negative max demand and time", "d", DEMAND_GROUPS_SHAPE, "M"),
  row(5, "daily positive active energy increments", "d", INCREMENT_SHAPE, "M"),
  row(6, "daily positive reactive energy increments", "d", INCREMENT_SHAPE, "M"),
  row(7, "daily negative active energy increments", "d", INCREMENT_SHAPE, "M"),
  row(8, "daily negative reactive energy increments", "d", INCREMENT_SHAPE, "M"),
  row(9, "reading-day frozen positive active/reactive and quadrant I/IV energies", "d", F33_SHAPE),
  row(10, "reading-day frozen negative active/reactive and quadrant II/III energies", "d", F34_SHAPE),
  row(11, "reading-day frozen positive max demand and time", "d", DEMAND_GROUPS_SHAPE, "M"),
  row(12, "reading-day frozen negative max demand and time", "d", DEMAND_GROUPS_SHAPE, "M"),
  row(17, "monthly frozen positive active/reactive and quadrant I/IV energies", "m", F33_SHAPE),
  row(18, "monthly frozen negative active/reactive and quadrant II/III energies", "m", F34_SHAPE),
  row(49, "terminal daily supply time and reset count", "d", [bin("supplyMinutes", 2), bin("resetCount", 2)]),
  row(53, "terminal daily traffic with master", "d", [bin("trafficBytes", 4)]),
  row(54, "terminal monthly traffic with master", "m", [bin("trafficBytes", 4)]),
  ...CURVES.map((c) => curveRow(c.fn, c.name, c.format, c.c)),
  ...energyRows(161, "d", "daily frozen"),
  ...energyRows(169, "d", "reading-day frozen"),
  ...energyRows(177, "m", "monthly frozen"),
  ...demandRows(185, "d", "daily frozen"),
  ...demandRows(189, "d", "reading-day frozen"),
  ...demandRows(193, "m", "monthly frozen"),
  // F209, F213–F216: the AFN0C F161 / F165–F168 blocks behind a time label. [M]
  row(209, "daily frozen meter remote-control state", "d", REMOTE_CONTROL_SHAPE, "M"),
  row(213, "monthly meter switch-operation counts and times", "m", SWITCH_OPS_SHAPE, "M"),
  row(214, "monthly meter parameter-change counts and times", "m", PARAM_CHANGES_SHAPE, "M"),
  row(215, "monthly meter purchase and use information", "m", PREPAYMENT_SHAPE, "M"),
  row(216, "monthly meter settlement information", "m", SETTLEMENT_SHAPE, "M"),
];
