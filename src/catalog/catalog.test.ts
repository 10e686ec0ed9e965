/**
 * Every catalogue row, for every edition it has a source for: a virtual meter's answers (real DL/T 645
 * frames through `VirtualMeter.handleFrame`) built through the catalogue give a data object that the 1376.1
 * codec encodes and decodes back unchanged, and whose values equal the meter model's own (oracles below read
 * the model directly, not through the catalogue's conversions).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { exchangeWithMeter } from "../../test/support/memory-channel.ts";
import { ManualClock } from "../common/clock.ts";
import { decodeDiData } from "../protocol/dlt645/data.ts";
import type { Dlt645Edition } from "../protocol/dlt645/functions.ts";
import { findFnRow } from "../protocol/gw1376-1/fn-table.ts";
import type { Record_ } from "../protocol/gw1376-1/layout.ts";
import { decodeBody, encodeBody } from "../protocol/gw1376-1/layout-codec.ts";
import type { DemandValue, EnergySet, FrozenRecord, MeterModel, WallTime } from "../sim/meter-model.ts";
import { VirtualMeter } from "../sim/virtual-meter.ts";
import { addDays } from "../store/calendar.ts";
import {
  type Answers,
  buildItem,
  CATALOG,
  type CatalogItem,
  closedDayOf,
  findItem,
  identifiersFor,
  RECORDS,
  uplinkObject,
} from "./catalog.ts";
import type { Answer } from "./values.ts";

const OFFSET = 480;
/** 2026-11-26 10:30 local (UTC+8). */
const NOW = Date.UTC(2026, 10, 26, 2, 30);
const READ_AT = "2026-11-26 10:30:00";

const pad = (n: number): string => String(n).padStart(2, "0");
const wallText = (w: WallTime): string =>
  `${w.year}-${pad(w.month)}-${pad(w.day)} ${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}`;
const a17 = (w: WallTime): string => `${pad(w.month)}-${pad(w.day)} ${pad(w.hour)}:${pad(w.minute)}`;
const round2 = (v: number): number => Math.round(v * 100) / 100;
const entries = (values: readonly (number | null)[]): { value: number | null }[] =>
  values.map((value) => ({ value }));
const combined1 = (e: EnergySet): number[] => e.reactiveQ1.map((v, i) => round2(v + (e.reactiveQ2[i] ?? 0)));
const combined2 = (e: EnergySet): number[] => e.reactiveQ3.map((v, i) => round2(v + (e.reactiveQ4[i] ?? 0)));

/** The eight energies in 1376.1 order (F129–F136) from a model energy set. */
function energyKinds(e: EnergySet): number[][] {
  return [
    e.positiveActive,
    combined1(e),
    e.reverseActive,
    combined2(e),
    e.reactiveQ1,
    e.reactiveQ2,
    e.reactiveQ3,
    e.reactiveQ4,
  ];
}

// Both editions carry the four quadrants (1997: 913x Q1, 914x Q4, 915x Q2, 916x Q3).
function f33(e: EnergySet): Record_ {
  return {
    positiveActive: entries(e.positiveActive),
    positiveReactive: entries(combined1(e)),
    quadrant1Reactive: entries(e.reactiveQ1),
    quadrant4Reactive: entries(e.reactiveQ4),
  };
}

function f34(e: EnergySet): Record_ {
  return {
    negativeActive: entries(e.reverseActive),
    negativeReactive: entries(combined2(e)),
    quadrant2Reactive: entries(e.reactiveQ2),
    quadrant3Reactive: entries(e.reactiveQ3),
  };
}

function demandPairs(list: readonly DemandValue[]): Record_ {
  return { maxDemand: list.map((d) => ({ demand: d.kw, time: a17(d.at) })) };
}

function demandGroups(list: readonly DemandValue[]): Record_ {
  return {
    activeMaxDemand: list.map((d) => ({ value: d.kw })),
    activeMaxDemandTime: list.map((d) => ({ value: a17(d.at) })),
  };
}

function lastEventTime(model: MeterModel, kind: Parameters<MeterModel["events"]["get"]>[0]): unknown {
  const event = model.events.get(kind)?.[0];
  return event === undefined ? "unset" : { time: wallText(event.at), weekday: 0 };
}

/** What the meter model says each item must hold (a subset of its fields), per edition. */
type Oracle = (model: MeterModel, edition: Dlt645Edition) => Record_;

const daily = (m: MeterModel): FrozenRecord => m.daily[0] as FrozenRecord;
const settled = (m: MeterModel): FrozenRecord => m.settlements[0] as FrozenRecord;

const ORACLES: Record<string, Oracle> = {
  "0C:F25": (m, edition) => {
    const v = m.instant();
    const seven = edition === "2007";
    return {
      activePower: v.activeKw[0] ?? null,
      activePowerA: v.activeKw[1] ?? null,
      reactivePower: seven ? (v.reactiveKvar[0] ?? null) : round2(v.reactiveKvar[0] ?? 0),
      powerFactor: Math.round((v.powerFactor[0] ?? 0) * 1000) / 10,
      voltageA: seven ? (v.voltage[0] ?? null) : Math.round(v.voltage[0] ?? 0),
      currentA: seven ? (v.current[0] ?? null) : round2(v.current[0] ?? 0),
      apparentPower: seven ? (v.apparentKva[0] ?? null) : null,
    };
  },
  "0C:F33": (m) => f33(m.energies()),
  "0C:F34": (m) => f34(m.energies()),
  "0C:F27": (m, edition) => {
    const count = (kind: Parameters<MeterModel["events"]["get"]>[0]) => m.eventCounts.get(kind) ?? 0;
    const w = m.wallNow();
    const base = {
      meterClock: { time: wallText(w), weekday: w.weekday === 0 ? 7 : w.weekday },
      batteryMinutes: null,
      programmingCount: count("programming"),
      demandClearCount: count("maximum demand clear"),
    };
    if (edition === "1997") {
      // 1997 times are MMDDhhmm: no seconds, the year taken from the meter's date.
      const e = m.events.get("programming")?.[0];
      return {
        ...base,
        lastProgrammingTime:
          e === undefined ? "unset" : { time: wallText({ ...e.at, second: 0 }), weekday: 0 },
        meterClearCount: null,
        clockSetCount: null,
      };
    }
    const before = m.events.get("clock set")?.[0]?.timeBefore;
    return {
      ...base,
      lastProgrammingTime: lastEventTime(m, "programming") as Record_,
      lastDemandClearTime: lastEventTime(m, "maximum demand clear") as Record_,
      meterClearCount: count("meter clear"),
      eventClearCount: count("event clear"),
      clockSetCount: count("clock set"),
      lastClockSetTime: before === undefined ? "unset" : { time: wallText(before), weekday: 0 },
    };
  },
  "0C:F35": (m) => demandGroups(m.demand().positive),
  "0C:F36": (m) => demandGroups(m.demand().reverse),
  "0C:F37": (m) => f33(settled(m).energies),
  "0C:F38": (m) => f34(settled(m).energies),
  "0C:F39": (m) => demandGroups(settled(m).positiveDemand),
  "0C:F40": (m) => demandGroups(settled(m).reverseDemand),
  "0C:F145": (m) => demandPairs(m.demand().positive),
  "0C:F147": (m) => demandPairs(m.demand().reverse),
  "0C:F149": (m) => demandPairs(settled(m).positiveDemand),
  "0C:F151": (m) => demandPairs(settled(m).reverseDemand),
  "0C:F161": (m) => ({
    switchState: m.relayOpen ? 1 : 0,
    lastCloseTime: lastEventTime(m, "close") as Record_,
    lastTripTime: lastEventTime(m, "trip") as Record_,
  }),
  "0C:F162": (m) => {
    const w = m.wallNow();
    return { meterClock: { time: wallText(w), weekday: w.weekday === 0 ? 7 : w.weekday } };
  },
  "0C:F165": (m, edition) => {
    if (edition === "1997") {
      // MMDDhhmm: no seconds; no cover record in 1997.
      const e = m.events.get("programming")?.[0];
      return {
        programSwitchCount: m.eventCounts.get("programming") ?? 0,
        lastProgramSwitchTime:
          e === undefined ? "unset" : { time: wallText({ ...e.at, second: 0 }), weekday: 0 },
        coverOpenCount: null,
        lastCoverOpenTime: null,
      };
    }
    return {
      programSwitchCount: m.eventCounts.get("programming") ?? 0,
      lastProgramSwitchTime: lastEventTime(m, "programming") as Record_,
      coverOpenCount: m.eventCounts.get("terminal-block cover open") ?? 0,
      lastCoverOpenTime: lastEventTime(m, "terminal-block cover open") as Record_,
    };
  },
  "0C:F166": (m) => {
    const last = m.events.get("clock set")?.[0];
    const t = (w: WallTime | undefined) => (w === undefined ? "unset" : { time: wallText(w), weekday: 0 });
    return {
      clockChangeCount: m.eventCounts.get("clock set") ?? 0,
      lastClockChangeBefore: t(last?.timeBefore),
      lastClockChangeAfter: t(last?.timeAfter),
    };
  },
  "0C:F177": (m) => ({
    energy: entries(
      m.energies().positiveActive.map((v, i) => round2(v + (m.energies().reverseActive[i] ?? 0))),
    ),
  }),
  "0C:F178": (m) => ({
    energy: entries(
      settled(m).energies.positiveActive.map((v, i) =>
        round2(v + (settled(m).energies.reverseActive[i] ?? 0)),
      ),
    ),
  }),
  "0D:F1": (m, e) => f33(e === "2007" ? daily(m).energies : m.energies()),
  "0D:F2": (m, e) => f34(e === "2007" ? daily(m).energies : m.energies()),
  "0D:F3": (m) => demandGroups(daily(m).positiveDemand),
  "0D:F4": (m) => demandGroups(daily(m).reverseDemand),
  // Reading-day items: the meter's current values (the terminal freezes them at the reading-day time).
  "0D:F9": (m) => f33(m.energies()),
  "0D:F10": (m) => f34(m.energies()),
  "0D:F11": (m) => demandGroups(m.demand().positive),
  "0D:F12": (m) => demandGroups(m.demand().reverse),
  "0D:F189": (m) => demandPairs(m.demand().positive),
  "0D:F191": (m) => demandPairs(m.demand().reverse),
  "0D:F17": (m) => f33(settled(m).energies),
  "0D:F18": (m) => f34(settled(m).energies),
  "0D:F185": (m) => demandPairs(daily(m).positiveDemand),
  "0D:F187": (m) => demandPairs(daily(m).reverseDemand),
  "0D:F193": (m) => demandPairs(settled(m).positiveDemand),
  "0D:F195": (m) => demandPairs(settled(m).reverseDemand),
};
// One energy quantity per Fn: current, last settlement, daily frozen, monthly frozen.
for (let i = 0; i < 8; i++) {
  ORACLES[`0C:F${129 + i}`] = (m) => ({ energy: entries(energyKinds(m.energies())[i] as number[]) });
  ORACLES[`0C:F${137 + i}`] = (m) => ({ energy: entries(energyKinds(settled(m).energies)[i] as number[]) });
  ORACLES[`0D:F${161 + i}`] = (m, e) => ({
    energy: entries(energyKinds(e === "2007" ? daily(m).energies : m.energies())[i] as number[]),
  });
  ORACLES[`0D:F${169 + i}`] = (m) => ({ energy: entries(energyKinds(m.energies())[i] as number[]) });
  ORACLES[`0D:F${177 + i}`] = (m) => ({ energy: entries(energyKinds(settled(m).energies)[i] as number[]) });
}
// Daily increments F5–F8: +P, +Q, −P, −Q of the newest record minus the one before.
for (const [i, kind] of [0, 1, 2, 3].entries()) {
  ORACLES[`0D:F${5 + i}`] = (m) => {
    const pick = (r: FrozenRecord) => energyKinds(r.energies)[[0, 1, 2, 3][kind] as number] as number[];
    const now = pick(m.daily[0] as FrozenRecord);
    const before = pick(m.daily[1] as FrozenRecord);
    return { energy: entries(now.map((v, t) => round2(v - (before[t] ?? 0)))) };
  };
}

function makeMeter(edition: Dlt645Edition, busy: boolean, clock: ManualClock): VirtualMeter {
  const meter = VirtualMeter.create(edition === "2007" ? "000000000017" : "000000000097", clock, {
    edition,
    utcOffsetMinutes: OFFSET,
    historyDays: 70,
  });
  if (busy) {
    const m = meter.model;
    m.trip(0x12);
    m.close(0x12);
    m.openCover("terminal-block cover open");
    m.programmed([0x04000b01]);
    const w = m.wallNow();
    m.setTime({ ...w, second: (w.second + 30) % 60 });
  }
  return meter;
}

/** Reads every identifier through real frames; a "no such data" answer is null. */
function answersFrom(meter: VirtualMeter, edition: Dlt645Edition, dis: readonly number[]): Answers {
  const out = new Map<number, Answer>();
  for (const di of dis) {
    const result = exchangeWithMeter(meter, edition, meter.address, di);
    if (!result.ok) {
      assert.equal(result.reason, "denied", `DI ${di.toString(16)}: ${result.reason} ${result.detail ?? ""}`);
      out.set(di, null);
      continue;
    }
    const decoded = decodeDiData(edition, di, result.data);
    assert.ok(decoded.ok, decoded.ok ? "" : decoded.error.message);
    out.set(di, decoded.value.value);
  }
  return (di) => out.get(di);
}

/** The period of record 1 for a frozen item, as the engine finds it. */
function periodFor(item: CatalogItem, edition: Dlt645Edition, meter: VirtualMeter): number | undefined {
  if (item.kind === "current") return undefined;
  // Reading-day items are the terminal's freeze of current values, filed under the reading day.
  if (item.kind === "readingDay") return 20261126;
  const locator = RECORDS[item.kind][edition];
  if (locator.marker === undefined) return addDays(20261126, -1);
  const marker = locator.marker(1);
  return locator.periodOf?.(answersFrom(meter, edition, [marker])(marker), 1);
}

function subset(actual: Record_, expected: Record_): Record<string, unknown> {
  return Object.fromEntries(Object.keys(expected).map((k) => [k, actual[k]]));
}

describe("the data-item catalogue", () => {
  it("every row is a known 1376.1 uplink layout, has a source and a test oracle", () => {
    for (const item of CATALOG) {
      assert.ok(findFnRow(item.afn, item.fn)?.up, `${item.key}: no 1376.1 layout`);
      assert.ok(Object.keys(item.sources).length > 0, `${item.key}: no source`);
      assert.ok(ORACLES[item.key], `${item.key}: no oracle in this test`);
    }
    assert.equal(findItem(0x0c, 129)?.key, "0C:F129");
    assert.equal(findItem(0x0d, 161)?.kind, "daily");
    assert.equal(findItem(0x0d, 177)?.kind, "monthly");
    assert.equal(findItem(0x0d, 169)?.kind, "readingDay");
    // Twins share the current item's source: the same identifiers, the same conversion.
    assert.equal(findItem(0x0d, 169)?.sources["2007"], findItem(0x0c, 129)?.sources["2007"]);
    assert.equal(findItem(0x0d, 190), undefined, "no reactive demand source");
    assert.equal(findItem(0x0c, 2), undefined, "terminal data is not meter data");
  });

  it("1997 meters fill every item DL/T 645-1997 has data for; the rest are listed here", () => {
    const without97 = CATALOG.filter((item) => item.sources["1997"] === undefined).map((item) => item.key);
    // No 1997 identifier: relay state and its records (F161), clock / tariff-schedule changes (F166), combined active energy (F177/F178), daily records (F3–F8, F185/F187: a 1997 meter keeps no
    // daily demand and the terminal cannot freeze a day's maximum from the month's).
    assert.deepEqual(without97, [
      "0C:F161",
      "0C:F166",
      "0C:F177",
      "0C:F178",
      "0D:F3",
      "0D:F4",
      "0D:F5",
      "0D:F6",
      "0D:F7",
      "0D:F8",
      "0D:F185",
      "0D:F187",
    ]);
  });

  for (const edition of ["2007", "1997"] as const) {
    for (const busy of [true, false]) {
      const label = `${edition} meter${busy ? " with events" : " without events"}`;
      it(`${label}: each item encodes, round-trips and equals the meter model`, () => {
        const clock = new ManualClock(NOW);
        const meter = makeMeter(edition, busy, clock);
        let checked = 0;
        for (const item of CATALOG) {
          const source = item.sources[edition];
          if (source === undefined) continue;
          const answers = answersFrom(meter, edition, source.dis(1));
          const period = periodFor(item, edition, meter);
          const stored = buildItem(item, edition, answers, { readAt: READ_AT, record: 1 });
          assert.ok(stored, `${item.key}: nothing built`);
          assert.ok(!("Td_d" in stored) && !("Td_m" in stored), `${item.key}: stored with its label`);
          const data = uplinkObject(item, stored, period);
          const layout = findFnRow(item.afn, item.fn)?.up ?? [];
          const bytes = encodeBody(layout, data);
          const back = decodeBody(layout, bytes);
          assert.ok(back.ok, `${item.key}: ${back.ok ? "" : back.error.message}`);
          assert.deepEqual(back.value, data, `${item.key}: codec round trip`);
          const expected = (ORACLES[item.key] as Oracle)(meter.model, edition);
          assert.deepEqual(
            subset(data, expected),
            expected,
            `${item.key}: values differ from the meter model`,
          );
          if (item.kind === "daily") assert.equal(data.Td_d, "2026-11-25", `${item.key}: closed day`);
          if (item.kind === "readingDay") assert.equal(data.Td_d, "2026-11-26", `${item.key}: reading day`);
          if (item.kind === "monthly") assert.equal(data.Td_m, "2026-10", `${item.key}: settled month`);
          checked++;
        }
        assert.ok(checked >= (edition === "2007" ? 60 : 50), `only ${checked} rows checked`);
      });
    }
  }

  it("a meter that answers 'no such data' for the essential block builds nothing", () => {
    const item = findItem(0x0c, 129) as CatalogItem;
    assert.equal(
      buildItem(item, "2007", () => null, { readAt: READ_AT }),
      undefined,
    );
    assert.equal(
      buildItem(item, "2007", () => undefined, { readAt: READ_AT }),
      undefined,
    );
  });

  it("values the 1376.1 format cannot hold become 'no data' instead of an exception", () => {
    const item = findItem(0x0c, 130) as CatalogItem; // combined reactive 1: signed in DL/T, A.11 unsigned
    const data = buildItem(item, "2007", () => [-12.5, 3, 4], { readAt: READ_AT });
    assert.deepEqual(data?.energy, [{ value: null }, { value: 3 }, { value: 4 }]);
  });

  it("identifiers are shared: F1 and F161 of one record read 0506 01 NN once", () => {
    const dis = identifiersFor(
      [findItem(0x0d, 1) as CatalogItem, findItem(0x0d, 161) as CatalogItem],
      "2007",
      2,
    );
    assert.deepEqual(
      dis.map((d) => d.toString(16)),
      ["5060102", "5060302", "5060502", "5060802"],
    );
  });

  it("a record frozen at 00:00 closes the day before; invalid freeze times have no day", () => {
    assert.equal(closedDayOf("2026-12-01 00:00"), 20261130);
    assert.equal(closedDayOf("2027-01-01 00:00"), 20261231);
    assert.equal(closedDayOf("2026-11-25 23:59"), 20261125);
    assert.equal(closedDayOf("2026-02-31 00:00"), undefined);
    assert.equal(closedDayOf("2026-13-01 00:00"), undefined);
    assert.equal(closedDayOf(null), undefined);
  });

  it("daily increments need two consecutive records", () => {
    const item = findItem(0x0d, 5) as CatalogItem;
    const answers =
      (times: [string, string]): Answers =>
      (di) => {
        if (di === 0x05060001) return times[0];
        if (di === 0x05060002) return times[1];
        if (di === 0x05060101) return [10.5, 10.5];
        if (di === 0x05060102) return [8.25, 8.25];
        return undefined;
      };
    const ok = buildItem(item, "2007", answers(["2026-11-26 00:00", "2026-11-25 00:00"]), {
      readAt: READ_AT,
    });
    assert.deepEqual(ok?.energy, [{ value: 2.25 }, { value: 2.25 }]);
    const gap = buildItem(item, "2007", answers(["2026-11-26 00:00", "2026-11-23 00:00"]), {
      readAt: READ_AT,
    });
    assert.deepEqual(gap?.energy, [{ value: null }, { value: null }]);
  });
});
