/**
 * AFN0C — class-1 (current) data: one row per Fn, the body of ONE data unit (one pn, one Fn) in each
 * direction. Requests carry no body; answers carry the layouts of shared/protocol/gw1376-1.md §4.6.
 *
 * Families that share a shape (energy readings, max demand, F33/F34 four-energy blocks) declare the shape
 * once here; the rows are built from small tables of (Fn, name, format). AFN0D reuses the same shapes
 * behind its time labels (afn0d.ts).
 */

import { raise } from "../common/decode-error.ts";
import { toHex } from "../common/hex.ts";
import { FORMATS } from "./formats.ts";
import type { Field, FnRow, FormatId, PnKind } from "./layout.ts";
import type { DescribedCustomCodec } from "./layout-codec.ts";

// ---- field helpers (keep the row declarations one line each) -------------------------------------------

export function fmt(name: string, format: FormatId): Field {
  return { name, type: "format", format };
}

export function bin(name: string, bytes: 1 | 2 | 3 | 4): Field {
  return { name, type: "bin", bytes };
}

/** The value of a "time" field that the terminal filled with zero bytes: an event that never happened. */
export const UNSET_TIME = "unset";

/**
 * A timestamp that may be all zero bytes ("never"): vector S15 sends the last-fail time of a meter that never
 * failed as `00×6`, which is not a valid A.1 date. All-zero decodes to `"unset"` and encodes back to zeros;
 * anything else is the plain format (all-EE → null).
 */
export function timeOrUnset(format: FormatId): DescribedCustomCodec {
  const codec = FORMATS[format];
  return {
    decode(reader) {
      const at = reader.offset;
      const bytes = reader.bytesView(codec.bytes, format);
      if (bytes.every((b) => b === 0)) return UNSET_TIME;
      const value = codec.decode(bytes);
      if (value === undefined) {
        raise({
          code: "bad-value",
          field: reader.fieldName(format),
          offset: at,
          expected: `data format ${format}`,
          actual: toHex(bytes),
        });
      }
      return value;
    },
    encode(writer, value) {
      writer.bytes(value === UNSET_TIME ? new Uint8Array(codec.bytes) : codec.encode(value));
    },
    arbitrary: ({ fc, forFormat }) => fc.oneof(fc.constant(UNSET_TIME), forFormat(format)),
  };
}

/** A timestamp field that may be all zero bytes (see `timeOrUnset`). */
export function eventTime(name: string, format: FormatId = "A.1"): Field {
  return { name, type: "custom", codec: timeOrUnset(format) };
}

/** Terminal reading time: most pn measurement blocks start with it (§4.6, A.15). */
export const READ_TIME: Field = fmt("readTime", "A.15");

/** Tariff count M (BIN 1); "(M+1)" values follow: the total, then tariffs 1..M (§4.6). */
export const TARIFF_COUNT: Field = bin("tariffCount", 1);

/** Total + tariffs 1..M of one format: an array of M+1 entries `{ value }`. */
export function perTariff(name: string, format: FormatId): Field {
  return { name, type: "repeat", count: { field: "tariffCount", plus: 1 }, fields: [fmt("value", format)] };
}

/** Max demand and its time for the total and each tariff, one pair per entry (A.23 + A.17): GY `decode_afn0C_G19`. [M] */
export function perTariffDemand(name: string): Field {
  return {
    name,
    type: "repeat",
    count: { field: "tariffCount", plus: 1 },
    fields: [fmt("demand", "A.23"), fmt("time", "A.17")],
  };
}

// ---- shared shapes ----------------------------------------------------------------------------------------

/** One energy quantity for total + M tariffs: F129–F160, F177/F178; AFN0D F161–F184. 6 + w(M+1) bytes. */
export function energyShape(format: FormatId): readonly Field[] {
  return [READ_TIME, TARIFF_COUNT, perTariff("energy", format)];
}

/** Max demand + time for total + M tariffs: F145–F152; AFN0D F185–F196. 6 + 7(M+1) bytes. */
export const DEMAND_SHAPE: readonly Field[] = [READ_TIME, TARIFF_COUNT, perTariffDemand("maxDemand")];

/**
 * F33/F34 (and AFN0D F1/F2, F9/F10, F17/F18): time 5, M 1, one active block (A.14) and three reactive
 * blocks (A.11), each total + M tariffs → 6 + 17(M+1) bytes (§4.6, checked against KSY L19/L21).
 */
export function fourEnergyShape(
  active: string,
  reactive: string,
  quadA: string,
  quadB: string,
): readonly Field[] {
  return [
    READ_TIME,
    TARIFF_COUNT,
    perTariff(active, "A.14"),
    perTariff(reactive, "A.11"),
    perTariff(quadA, "A.11"),
    perTariff(quadB, "A.11"),
  ];
}

export const F33_SHAPE = fourEnergyShape(
  "positiveActive",
  "positiveReactive",
  "quadrant1Reactive",
  "quadrant4Reactive",
);
export const F34_SHAPE = fourEnergyShape(
  "negativeActive",
  "negativeReactive",
  "quadrant2Reactive",
  "quadrant3Reactive",
);

/**
 * F35/F36/F39/F40 (and AFN0D F3/F4, F11/F12): time 5, M 1, then four blocks of total + M tariffs: active
 * max demand (A.23), their times (A.17), reactive max demand (A.23), their times (A.17) → 6 + 14(M+1).
 * [M] §4.6 gives only the length; the grouping (all demands, then all times) is GY's master decoder
 * (`decode_afn0C_F35`, `de_AFN0D_FN3_4_11_12_str`). Note F145-style blocks pair demand and time instead.
 */
export const DEMAND_GROUPS_SHAPE: readonly Field[] = [
  READ_TIME,
  TARIFF_COUNT,
  perTariff("activeMaxDemand", "A.23"),
  perTariff("activeMaxDemandTime", "A.17"),
  perTariff("reactiveMaxDemand", "A.23"),
  perTariff("reactiveMaxDemandTime", "A.17"),
];

/** The eight energy quantities in the order of AFN0C F129–F136 (and AFN0D F161–F168, F169–F176, F177–F184). */
export const ENERGY_KINDS: readonly { readonly name: string; readonly format: FormatId }[] = [
  { name: "positive active energy", format: "A.14" },
  { name: "positive reactive (combined 1) energy", format: "A.11" },
  { name: "negative active energy", format: "A.14" },
  { name: "negative reactive (combined 2) energy", format: "A.11" },
  { name: "quadrant I reactive energy", format: "A.11" },
  { name: "quadrant II reactive energy", format: "A.11" },
  { name: "quadrant III reactive energy", format: "A.11" },
  { name: "quadrant IV reactive energy", format: "A.11" },
];

/** The four max-demand quantities in the order of AFN0C F145–F148 (and AFN0D F185–F188 …). */
export const DEMAND_KINDS: readonly string[] = [
  "positive active max demand",
  "positive reactive max demand",
  "negative active max demand",
  "negative reactive max demand",
];

/** Meter remote-control state (F161; AFN0D F209 behind Td_d): 18 bytes. */
export const REMOTE_CONTROL_SHAPE: readonly Field[] = [
  READ_TIME,
  bin("switchState", 1),
  eventTime("lastCloseTime"),
  eventTime("lastTripTime"),
];

/**
 * F165 meter switch operations (23 bytes): programming-switch count A.10 + last time A.1, terminal-cover
 * openings A.10 + last time A.1. [M] §4.6 gives the length; the list is GY's `decode_afn0C_F165`.
 */
export const SWITCH_OPS_SHAPE: readonly Field[] = [
  READ_TIME,
  fmt("programSwitchCount", "A.10"),
  eventTime("lastProgramSwitchTime"),
  fmt("coverOpenCount", "A.10"),
  eventTime("lastCoverOpenTime"),
];

/**
 * F166 meter parameter changes (29 bytes): clock changes A.10 + the last change's time before and after
 * (A.1 each), tariff-schedule changes A.10 + last time A.1. [M] length per §4.6, field list per GY
 * `decode_afn0C_F166`; the names of the two counters are our reading.
 */
export const PARAM_CHANGES_SHAPE: readonly Field[] = [
  READ_TIME,
  fmt("clockChangeCount", "A.10"),
  eventTime("lastClockChangeBefore"),
  eventTime("lastClockChangeAfter"),
  fmt("scheduleChangeCount", "A.10"),
  eventTime("lastScheduleChangeTime"),
];

/** F167 prepayment (purchase / use) information, 41 bytes (§4.6, KSY spec). */
export const PREPAYMENT_SHAPE: readonly Field[] = [
  READ_TIME,
  fmt("purchaseCount", "A.8"),
  fmt("balance", "A.14"),
  fmt("totalPurchasedAmount", "A.14"),
  fmt("remainingEnergy", "A.11"),
  fmt("overdraftEnergy", "A.11"),
  fmt("totalPurchasedEnergy", "A.11"),
  fmt("creditLimitEnergy", "A.11"),
  fmt("alarmEnergy", "A.11"),
  fmt("faultEnergy", "A.11"),
];

/**
 * F168 settlement information: time 5, M 2, settled total + M (A.14), unsettled total + M (A.14) →
 * 7 + 10(M+1). [M] M is A.8 per NUC/KSY (BIN per LIM; identical bytes for M ≤ 9) — §8.3. GY's master
 * decoder reads M as ONE byte (6 + 10(M+1)): a third reading, not followed here.
 */
export const SETTLEMENT_SHAPE: readonly Field[] = [
  READ_TIME,
  fmt("tariffCount", "A.8"),
  perTariff("settledActive", "A.14"),
  perTariff("unsettledActive", "A.14"),
];

// ---- rows -------------------------------------------------------------------------------------------------

function row(fn: number, name: string, pn: PnKind, up: readonly Field[], confidence?: "M" | "L"): FnRow {
  // Q/GDW 1376.1 §5.12: class-1 requests carry only DA/DT, never a body.
  const base = { afn: 0x0c, fn, name, pn, down: [], up };
  return confidence === undefined ? base : { ...base, confidence };
}

/** AFN0C F129–F136 (current) and F137–F144 (last settlement day): one energy quantity each. */
function energyRows(firstFn: number, when: string): FnRow[] {
  return ENERGY_KINDS.map((kind, i) =>
    row(firstFn + i, `${when} ${kind.name}`, "point", energyShape(kind.format)),
  );
}

/** AFN0C F145–F148 (this month) and F149–F152 (last month). */
function demandRows(firstFn: number, when: string): FnRow[] {
  return DEMAND_KINDS.map((name, i) =>
    row(firstFn + i, `${when} ${name} and time`, "point", DEMAND_SHAPE, "M"),
  );
}

/**
 * Per-phase energies of one phase in F31/F32: +P, −P (A.14), combined reactive 1 and 2 (A.11). [M] §4.6 gives
 * only "59 bytes"; the field list is GY's `decode_afn0C_F31` (5 + 3 × 18 = 59).
 */
const PHASE_ENERGY: readonly Field[] = [
  fmt("positiveActive", "A.14"),
  fmt("negativeActive", "A.14"),
  fmt("combinedReactive1", "A.11"),
  fmt("combinedReactive2", "A.11"),
];
const PER_PHASE_SHAPE: readonly Field[] = [
  READ_TIME,
  { name: "phases", type: "repeat", count: 3, fields: PHASE_ENERGY },
];

/** F11 centralised-reading status: one 19-byte entry per port. */
const READING_STATUS_ENTRY: readonly Field[] = [
  bin("port", 1),
  bin("metersToRead", 2),
  { name: "status", type: "bits", bytes: 1 },
  bin("readOkCount", 2),
  bin("keyUserOkCount", 1),
  eventTime("startTime"),
  eventTime("endTime"),
];

/**
 * F13 (2013) meters found by the meter search [L]: §4.6 gives only "count + entries (addr 6, protocol 1,
 * collector 6, port 1…)" (layout known from NUC alone, §8.3). Our reading, isolated here: a BIN 2 count, then
 * per meter its address (A.12), the AFN04 F10 protocol code (BIN 1), the collector's address (A.12, zeros when
 * the meter is not behind a collector) and the port (BIN 1) — 14 bytes. The count width and whatever the "…"
 * stands for are unconfirmed; change this one declaration when a master says otherwise.
 */
export const F13_FOUND_METER: readonly Field[] = [
  fmt("address", "A.12"),
  bin("protocol", 1),
  fmt("collector", "A.12"),
  bin("port", 1),
];
const F13_SHAPE: readonly Field[] = [
  { name: "meters", type: "list", countBytes: 2, fields: F13_FOUND_METER },
];

/** F169 relay routes: port, n routes, each route = depth m + m relay addresses (A.12). */
const ROUTE_SHAPE: readonly Field[] = [
  bin("port", 1),
  {
    name: "routes",
    type: "list",
    countBytes: 1,
    fields: [{ name: "relays", type: "list", countBytes: 1, fields: [fmt("address", "A.12")] }],
  },
];

/** F170 meter reading information (18 bytes, no read time: vector S15). */
const READING_INFO_SHAPE: readonly Field[] = [
  bin("port", 1),
  bin("relayDepth", 1),
  { name: "plcPhase", type: "bits", bytes: 1 },
  { name: "signalQuality", type: "bits", bytes: 1 },
  bin("lastResult", 1),
  eventTime("lastOkTime"),
  eventTime("lastFailTime"),
  bin("consecutiveFailures", 1),
];

/** F25: power, power factor, voltage, current, apparent power (67 bytes, KSY spec + L18). */
const F25_SHAPE: readonly Field[] = [
  READ_TIME,
  ...["activePower", "activePowerA", "activePowerB", "activePowerC"].map((n) => fmt(n, "A.9")),
  ...["reactivePower", "reactivePowerA", "reactivePowerB", "reactivePowerC"].map((n) => fmt(n, "A.9")),
  ...["powerFactor", "powerFactorA", "powerFactorB", "powerFactorC"].map((n) => fmt(n, "A.5")),
  ...["voltageA", "voltageB", "voltageC"].map((n) => fmt(n, "A.7")),
  ...["currentA", "currentB", "currentC", "currentZeroSequence"].map((n) => fmt(n, "A.25")),
  ...["apparentPower", "apparentPowerA", "apparentPowerB", "apparentPowerC"].map((n) => fmt(n, "A.9")),
];

/**
 * F27 (60 bytes): read time, meter clock, battery working time, then count + last time of programming, meter
 * clearing, demand clearing, event clearing and clock setting. [M] §4.6 gives the length; the list is GY's
 * `decode_afn0C_F27` and sums to exactly 60.
 */
const METER_CLOCK_SHAPE: readonly Field[] = [
  READ_TIME,
  eventTime("meterClock"),
  fmt("batteryMinutes", "A.27"),
  ...["programming", "meterClear", "demandClear", "eventClear", "clockSet"].flatMap((what) => [
    fmt(`${what}Count`, "A.10"),
    eventTime(`last${what[0]?.toUpperCase() ?? ""}${what.slice(1)}Time`),
  ]),
];

/** F28: 7 change-flag words then 7 run-status words, BS16 each (order as in ERC33). */
const RUN_STATUS_SHAPE: readonly Field[] = [
  READ_TIME,
  { name: "changeFlags", type: "repeat", count: 7, fields: [{ name: "word", type: "bits", bytes: 2 }] },
  { name: "statusWords", type: "repeat", count: 7, fields: [{ name: "word", type: "bits", bytes: 2 }] },
];

/** F49: phase angles Ua, Ub, Uc, Ia, Ib, Ic (A.5 each, 12 bytes, no read time). */
const PHASE_ANGLE_SHAPE: readonly Field[] = [
  "voltageA",
  "voltageB",
  "voltageC",
  "currentA",
  "currentB",
  "currentC",
].map((n) => fmt(`${n}Angle`, "A.5"));

/** AFN0C data-unit layouts (shared/protocol/gw1376-1.md §4.6). */
export const AFN0C_ROWS: readonly FnRow[] = [
  row(2, "terminal calendar clock", "p0", [fmt("clock", "A.1")]),
  // 31 bytes = 248 bits, bit k = AFN04 F(k+1) set. Kept as hex in wire order: the `bits` kind has no 31-byte size.
  row(3, "terminal parameter status", "p0", [{ name: "paramsSet", type: "bytes", bytes: 31 }]),
  row(
    4,
    "uplink communication state",
    "p0",
    [
      {
        name: "state",
        type: "bitfield",
        bytes: 1,
        parts: [
          // 1 = allowed, 2 = forbidden (NUC) [M]
          { name: "activeReport", shift: 0, width: 2 },
          { name: "talk", shift: 2, width: 2 },
          { name: "reserved", shift: 4, width: 4 },
        ],
      },
    ],
    "M",
  ),
  row(7, "current event counters", "p0", [bin("ec1", 1), bin("ec2", 1)]),
  row(8, "event flag status", "p0", [{ name: "ercFlags", type: "bits", bytes: 8 }]),
  row(
    9,
    "state inputs and change flags",
    "p0",
    [
      { name: "states", type: "bits", bytes: 1 },
      { name: "changes", type: "bits", bytes: 1 },
    ],
    "M",
  ),
  row(10, "traffic with master", "p0", [bin("todayBytes", 4), bin("monthBytes", 4)]),
  row(11, "centralised reading status", "p0", [
    { name: "ports", type: "list", countBytes: 1, fields: READING_STATUS_ENTRY },
  ]),
  row(
    12,
    "control-output switch states and change flags",
    "p0",
    [
      { name: "states", type: "bits", bytes: 1 },
      { name: "changes", type: "bits", bytes: 1 },
    ],
    "M",
  ),
  row(13, "meters found by meter search", "p0", F13_SHAPE, "L"),
  row(
    14,
    "file segments not yet received",
    "p0",
    [bin("group", 2), { name: "missing", type: "bits", bytes: 128 }],
    "L",
  ),
  row(25, "current power, power factor, voltage, current", "point", F25_SHAPE),
  // F26: §4.6 says 61 bytes, GY decodes 57 (time, 4 × A.8 counts, 4 × A.10 minutes, 4 + 4 × A.17 times):
  // the sources disagree, so the block after the read time stays opaque at the reference length.
  row(26, "phase-failure statistics", "point", [READ_TIME, { name: "data", type: "bytes", bytes: 56 }], "M"),
  row(27, "meter clock and programming/clearing counters", "point", METER_CLOCK_SHAPE, "M"),
  row(28, "meter run-status words and change flags", "point", RUN_STATUS_SHAPE, "M"),
  row(31, "current per-phase energies", "point", PER_PHASE_SHAPE, "M"),
  row(32, "last-settlement per-phase energies", "point", PER_PHASE_SHAPE, "M"),
  row(33, "current positive active/reactive and quadrant I/IV energies", "point", F33_SHAPE),
  row(34, "current negative active/reactive and quadrant II/III energies", "point", F34_SHAPE),
  // F35–F40 [M]: §4.6 lists all six as "demand + time"; GY decodes F37/F38 as last-month F33/F34 energy
  // blocks and F39/F40 as last-month demand — we follow GY (lengths: 6 + 17(M+1) vs 6 + 14(M+1)).
  row(35, "this month positive active/reactive max demand and time", "point", DEMAND_GROUPS_SHAPE, "M"),
  row(36, "this month negative active/reactive max demand and time", "point", DEMAND_GROUPS_SHAPE, "M"),
  row(37, "last month positive active/reactive and quadrant I/IV energies", "point", F33_SHAPE, "M"),
  row(38, "last month negative active/reactive and quadrant II/III energies", "point", F34_SHAPE, "M"),
  row(39, "last month positive active/reactive max demand and time", "point", DEMAND_GROUPS_SHAPE, "M"),
  row(40, "last month negative active/reactive max demand and time", "point", DEMAND_GROUPS_SHAPE, "M"),
  row(49, "voltage and current phase angles", "point", PHASE_ANGLE_SHAPE, "M"),
  ...energyRows(129, "current"),
  ...energyRows(137, "last settlement day"),
  ...demandRows(145, "this month"),
  ...demandRows(149, "last month"),
  // F153–F160: positive active energy frozen per time zone 1..8.
  ...[1, 2, 3, 4, 5, 6, 7, 8].map((zone) =>
    row(152 + zone, `time-zone ${zone} frozen positive active energy`, "point", energyShape("A.14"), "M"),
  ),
  row(161, "meter remote-control state", "point", REMOTE_CONTROL_SHAPE),
  // NUC: terminal read time (6 bytes, taken as A.1) + meter clock A.1. [M]
  row(162, "meter clock", "point", [fmt("readTime", "A.1"), fmt("meterClock", "A.1")], "M"),
  row(165, "meter switch-operation counts and times", "point", SWITCH_OPS_SHAPE, "M"),
  row(166, "meter parameter-change counts and times", "point", PARAM_CHANGES_SHAPE, "M"),
  row(167, "meter purchase and use information", "point", PREPAYMENT_SHAPE),
  row(168, "meter settlement information", "point", SETTLEMENT_SHAPE, "M"),
  row(169, "relay route information", "point", ROUTE_SHAPE),
  row(170, "meter reading information", "point", READING_INFO_SHAPE),
  row(177, "current combined active energy", "point", energyShape("A.14"), "M"),
  row(178, "last-settlement combined active energy", "point", energyShape("A.14"), "M"),
];
