/**
 * Conversions from DL/T 645 values (as `protocol/dlt645` decodes them: numbers in engineering units, times as
 * text) to 1376.1 field values (as `protocol/gw1376-1` encodes them). Every converter is total: a value the
 * meter did not give, or one the 1376.1 format cannot hold (a negative combined energy in an unsigned A.11,
 * a meter time of month 00), becomes `null`, which the codec writes as EE ("no data") — the master sees
 * "missing", never a made-up number.
 */
import type { DataValue } from "../protocol/dlt645/formats.ts";
import { FORMATS } from "../protocol/gw1376-1/formats.ts";
import type { FormatId, Value } from "../protocol/gw1376-1/layout.ts";

/** A meter answer: the decoded value, `null` when the meter said it has no such data, absent when unread. */
export type Answer = DataValue | null | undefined;

/** `value` when format `format` can encode it, else null. */
export function fit(format: FormatId, value: Value | undefined): Value {
  if (value === undefined || value === null) return null;
  try {
    FORMATS[format].encode(value);
    return value;
  } catch {
    return null;
  }
}

/** A number from an answer (a plain value or one element of a block). */
export function num(answer: Answer): number | undefined {
  return typeof answer === "number" && Number.isFinite(answer) ? answer : undefined;
}

/** The values of a block answer (total then tariffs), or undefined when the answer is not a list. */
export function list(answer: Answer): readonly DataValue[] | undefined {
  return Array.isArray(answer) ? (answer as readonly DataValue[]) : undefined;
}

/** Field `name` of a record answer. */
export function part(answer: Answer | DataValue, name: string): Answer {
  if (answer === null || answer === undefined || typeof answer !== "object" || Array.isArray(answer))
    return undefined;
  return (answer as { readonly [k: string]: DataValue })[name];
}

/** `count` entries `{ value }` from a block (missing entries null), each fitted to `format`. */
export function tariffEntries(block: Answer, count: number, format: FormatId): { value: Value }[] {
  const values = list(block) ?? [];
  return Array.from({ length: count }, (_, i) => ({ value: fit(format, num(values[i])) }));
}

/** Max demand (A.23) from a DL/T demand record `{ demand, time }`. */
export function demandOf(record: Answer | DataValue): Value {
  return fit("A.23", num(part(record, "demand")));
}

/** Max-demand time (A.17 "MM-DD hh:mm") from a DL/T demand record (time "20YY-MM-DD hh:mm"). */
export function demandTimeOf(record: Answer | DataValue): Value {
  const time = part(record, "time");
  return typeof time === "string" ? toA17(time) : null;
}

const FULL_TIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})(?::(\d{2}))?$/;

/** "20YY-MM-DD hh:mm[:ss]" → A.17 "MM-DD hh:mm"; "MM-DD hh:mm" (DL/T 645-1997 MMDDhhmm) passes through. */
export function toA17(text: string): Value {
  const m = FULL_TIME.exec(text);
  if (m !== null) return fit("A.17", `${m[2]}-${m[3]} ${m[4]}:${m[5]}`);
  return fit("A.17", text);
}

/** "20YY-MM-DD hh:mm[:ss]" → A.15 "20YY-MM-DD hh:mm". */
export function toA15(text: string): Value {
  const m = FULL_TIME.exec(text);
  return m === null ? null : fit("A.15", `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}`);
}

/** "20YY-MM-DD hh:mm[:ss]" → A.1 `{ time, weekday: 0 }` (weekday not given). */
export function toA1(text: string): Value {
  const m = FULL_TIME.exec(text);
  if (m === null) return null;
  return fit("A.1", { time: `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}:${m[6] ?? "00"}`, weekday: 0 });
}

/**
 * A.1 meter clock from the DL/T date ("20YY-MM-DD wWW", WW 0 = Sunday) and time ("hh:mm:ss") answers;
 * the A.1 weekday is 1 = Monday … 7 = Sunday.
 */
export function meterClockA1(date: Answer, time: Answer): Value {
  if (typeof date !== "string" || typeof time !== "string") return null;
  const d = /^(\d{4}-\d{2}-\d{2}) w(\d{2})$/.exec(date);
  if (d === null || !/^\d{2}:\d{2}:\d{2}$/.test(time)) return null;
  const ww = Number(d[2]);
  return fit("A.1", { time: `${d[1]} ${time}`, weekday: ww === 0 ? 7 : ww });
}

/** An event time in an A.1 field that may be "unset" (all zero: the meter never had the event). */
export function eventTimeA1(record: Answer, name: string): Value {
  if (record === null) return "unset";
  const time = part(record, name);
  return typeof time === "string" ? toA1(time) : null;
}

/**
 * A DL/T 645-1997 event time "MM-DD hh:mm" (no year) as A.1, in the year of the meter's date answer
 * ("20YY-MM-DD wWW"), or the year before when that month-day lies after the meter's date: a recorded
 * event is never in the meter's future [M].
 */
export function lastTime97(time: Answer, meterDate: Answer): Value {
  if (typeof time !== "string" || typeof meterDate !== "string") return null;
  const t = /^(\d{2})-(\d{2}) (\d{2}):(\d{2})$/.exec(time);
  const d = /^(\d{4})-(\d{2})-(\d{2})/.exec(meterDate);
  if (t === null || d === null) return null;
  const year = `${t[1]}-${t[2]}` > `${d[2]}-${d[3]}` ? Number(d[1]) - 1 : Number(d[1]);
  return toA1(`${year}-${t[1]}-${t[2]} ${t[3]}:${t[4]}`);
}
