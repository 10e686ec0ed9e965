/**
 * Terminal-local civil time in the 1376.1 time formats (A.1 with weekday, A.15 minutes, A.20 date), built
 * on the shared format table so the byte layouts stay declared once (protocol/gw1376-1/formats.ts).
 */

import { FORMATS } from "../protocol/gw1376-1/formats.ts";
import type { Value } from "../protocol/gw1376-1/layout.ts";
import { fromLocalParts, localParts } from "../store/calendar.ts";

const pad = (n: number) => String(n).padStart(2, "0");

export function localDateText(epochMs: number, utcOffsetMinutes: number): string {
  const p = localParts(epochMs, utcOffsetMinutes);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}`;
}

export function localTimeText(epochMs: number, utcOffsetMinutes: number, seconds = true): string {
  const p = localParts(epochMs, utcOffsetMinutes);
  const base = `${p.year}-${pad(p.month)}-${pad(p.day)} ${pad(p.hour)}:${pad(p.minute)}`;
  return seconds ? `${base}:${pad(p.second)}` : base;
}

/** True when the local year fits the two-digit 20YY of the 1376.1 time formats. */
export function isEncodableTime(epochMs: number, utcOffsetMinutes: number): boolean {
  const year = localParts(epochMs, utcOffsetMinutes).year;
  return year >= 2000 && year <= 2099;
}

/** A.1 (6 bytes: ss mm hh DD week|MM YY); all EE ("no data") when the year cannot be encoded. */
export function encodeA1(epochMs: number, utcOffsetMinutes: number): Uint8Array {
  if (!isEncodableTime(epochMs, utcOffsetMinutes)) return FORMATS["A.1"].encode(null);
  const weekday = localParts(epochMs, utcOffsetMinutes).weekday;
  return FORMATS["A.1"].encode({ time: localTimeText(epochMs, utcOffsetMinutes), weekday });
}

/** A.15 (5 bytes: mm hh DD MM YY); all EE when the year cannot be encoded (e.g. an unset clock). */
export function encodeA15(epochMs: number, utcOffsetMinutes: number): Uint8Array {
  if (!isEncodableTime(epochMs, utcOffsetMinutes)) return FORMATS["A.15"].encode(null);
  return FORMATS["A.15"].encode(localTimeText(epochMs, utcOffsetMinutes, false));
}

/** A.20 (3 bytes: DD MM YY). */
export function encodeA20(epochMs: number, utcOffsetMinutes: number): Uint8Array {
  return FORMATS["A.20"].encode(localDateText(epochMs, utcOffsetMinutes));
}

/** Epoch ms of an A.1 body (6 bytes), or undefined when the bytes are not a valid A.1 time. */
export function decodeA1(bytes: Uint8Array, utcOffsetMinutes: number): number | undefined {
  const value: Value | undefined = FORMATS["A.1"].decode(bytes);
  if (value === undefined || value === null || typeof value !== "object" || Array.isArray(value)) {
    return undefined;
  }
  return parseA1Text((value as { time?: unknown }).time, utcOffsetMinutes);
}

/**
 * Epoch ms of an A.1 time as the codec writes it, "YYYY-MM-DD hh:mm:ss" local time; undefined for anything
 * else, including dates that do not exist (31 February).
 */
export function parseA1Text(time: unknown, utcOffsetMinutes: number): number | undefined {
  if (typeof time !== "string") return undefined;
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(time);
  if (m === null) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) {
    return undefined;
  }
  const epoch = fromLocalParts({ year, month, day, hour, minute, second }, utcOffsetMinutes);
  // Reject dates that rolled over (31 February → 3 March).
  return localParts(epoch, utcOffsetMinutes).day === day ? epoch : undefined;
}
