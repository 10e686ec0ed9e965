/**
 * ERC records raised from what meters report (shared/protocol/gw1376-1.md §4.8), built as values of the
 * shared ERC table and encoded by it (protocol/gw1376-1/erc.ts), so layout and codec cannot drift apart:
 *   ERC12 meter clock deviation        time, pn + occurred
 *   ERC27 energy reading decreased     time, pn + occurred, before A.14, after A.14
 *   ERC30 meter stopped                time, pn + occurred, energy A.14, threshold BIN 1 (× 15 min) [M]
 *   ERC33 run-status word change       time, pn, 7 × change flags BS16, 7 × status words BS16
 *   ERC37 / ERC38 cover opened         time, pn, open count A.10, start/end A.1, 2 × six energies A.11
 * Values a format cannot hold (an energy beyond A.14, a meter time of month 00) are sent as "no data" (EE),
 * never made up.
 */
import { type Answer, eventTimeA1, fit, num, part } from "../catalog/values.ts";
import { encodeErcRecord } from "../protocol/gw1376-1/erc.ts";
import type { Value } from "../protocol/gw1376-1/layout.ts";
import { localTimeText } from "../terminal/local-time.ts";

export const ERC_CLOCK_DEVIATION = 12;
export const ERC_ENERGY_DECREASED = 27;
export const ERC_METER_STOPPED = 30;
export const ERC_STATUS_WORD_CHANGE = 33;
export const ERC_METER_COVER = 37;
export const ERC_TERMINAL_COVER = 38;

function encode(erc: number, data: Record<string, Value>): Uint8Array {
  const encoded = encodeErcRecord({ erc, data });
  // Every value below is fitted to its format first; a failure here is a bug in this file.
  if (!encoded.ok) throw new Error(`ERC${erc} cannot be encoded: ${encoded.error.message}`);
  return encoded.value;
}

const time = (now: number, offset: number): Value => localTimeText(now, offset, false);
const point = (pn: number, occurred: boolean): Value => ({
  pn: pn & 0x0fff,
  reserved: 0,
  occurred: occurred ? 1 : 0,
});

export function erc12(now: number, offset: number, pn: number, occurred: boolean): Uint8Array {
  return encode(ERC_CLOCK_DEVIATION, { time: time(now, offset), point: point(pn, occurred) });
}

export function erc27(now: number, offset: number, pn: number, before: number, after: number): Uint8Array {
  return encode(ERC_ENERGY_DECREASED, {
    time: time(now, offset),
    point: point(pn, true),
    before: fit("A.14", before),
    after: fit("A.14", after),
  });
}

/** `thresholdMinutes` is sent in 15-minute units (BIN 1, capped at 255) [M]. */
export function erc30(
  now: number,
  offset: number,
  pn: number,
  occurred: boolean,
  energy: number,
  thresholdMinutes: number,
): Uint8Array {
  return encode(ERC_METER_STOPPED, {
    time: time(now, offset),
    point: point(pn, occurred),
    energy: fit("A.14", energy),
    threshold: Math.min(255, Math.max(0, Math.round(thresholdMinutes / 15))),
  });
}

/** ERC33: the words the meter has now and which bits changed since the last poll (7 words each). */
export function erc33(
  now: number,
  offset: number,
  pn: number,
  previous: readonly number[],
  current: readonly number[],
): Uint8Array {
  const word = (list: readonly number[], i: number): number => (list[i] ?? 0) & 0xffff;
  return encode(ERC_STATUS_WORD_CHANGE, {
    time: time(now, offset),
    pn: pn & 0xffff,
    changeFlags: Array.from({ length: 7 }, (_, i) => ({ word: word(previous, i) ^ word(current, i) })),
    statusWords: Array.from({ length: 7 }, (_, i) => ({ word: word(current, i) })),
  });
}

const SNAPSHOT = [
  ["PositiveActive", "positiveActive"],
  ["NegativeActive", "reverseActive"],
  ["Quadrant1", "reactiveQ1"],
  ["Quadrant2", "reactiveQ2"],
  ["Quadrant3", "reactiveQ3"],
  ["Quadrant4", "reactiveQ4"],
] as const;

/**
 * ERC37 (meter cover) or ERC38 (terminal-block cover) from the meter's own DL/T 645-2007 record
 * (open time, close time, six energies before and after: di-table.ts) and the meter's open count.
 */
export function coverRecord(
  erc: typeof ERC_METER_COVER | typeof ERC_TERMINAL_COVER,
  now: number,
  offset: number,
  pn: number,
  openCount: number,
  record: Answer,
): Uint8Array {
  const data: Record<string, Value> = {
    time: time(now, offset),
    pn: pn & 0xffff,
    openCount: fit("A.10", openCount),
    start: eventTimeA1(record, "openTime"),
    end: eventTimeA1(record, "closeTime"),
  };
  for (const side of ["before", "after"] as const) {
    const energies = part(record, side);
    for (const [name, dl] of SNAPSHOT) data[`${side}${name}`] = fit("A.11", num(part(energies, dl)) ?? null);
  }
  return encode(erc, data);
}
