/**
 * AFN0E class-3 data: the terminal's event log (shared/protocol/gw1376-1.md §3.6, §4.8).
 *
 * F1 (important) / F2 (general) by pointers: `Pm Pn` asks for the records from Pm (inclusive) to Pn
 * (exclusive) in the 256-entry ring, wrapping; Y = Pn − Pm, or 256 + Pn − Pm when Pm ≥ Pn [H]. The answer is
 * `EC1 EC2 Pm Pn records…`. A long answer is split into several units, each naming the pointers it covers;
 * the uplink sends each as its own frame of a multi-frame reply (a unit whose records run to its end must end
 * its frame). An empty range still answers with the counters, so the master learns EC1/EC2.
 * Reading F1 moves the "read by the master" mark, which clears ACD/EC on later replies.
 *
 * F3 (2013) by ERC [M]: `ERC n` asks for the n most recent records of that ERC (n = 0: all stored), answered
 * as `n records…`, oldest first, from both rings (AFN04 F9 may have moved an ERC between them).
 */
import { toHex } from "../../protocol/common/hex.ts";
import type { DataItem } from "../../protocol/gw1376-1/data-units.ts";
import { decodeErcRecord } from "../../protocol/gw1376-1/erc.ts";
import type { Value } from "../../protocol/gw1376-1/layout.ts";
import type { EventRing, StoredEvent } from "../../store/events-repo.ts";
import type { Store } from "../../store/store.ts";
import { markImportantRead } from "./afn0e-read-pointer.ts";
import type { AfnHandler } from "./handler.ts";

export const AFN0E_FNS: readonly number[] = [1, 2, 3];

/**
 * Record bytes per answer unit. With the unit header, DA/DT, EC and Tp this stays far below the 2,048-byte
 * frame of the 2013 profile, so each unit fits one frame whatever AUX the reply carries.
 */
export const EVENT_RECORD_BYTES_PER_UNIT = 1024;
/** F3's count is one byte. */
const MAX_RECORDS_PER_F3_UNIT = 255;

export const handleAfn0E: AfnHandler = ({ core, items }) => {
  const answers: DataItem[] = [];
  for (const item of items) {
    if (item.pn !== 0 || item.raw !== undefined) continue;
    const data = item.data as { pm?: unknown; pn?: unknown; erc?: unknown; count?: unknown };
    if ((item.fn === 1 || item.fn === 2) && isByte(data.pm) && isByte(data.pn)) {
      const ring: EventRing = item.fn === 1 ? "important" : "general";
      answers.push(...pointerAnswer(core.store, ring, item.fn, data.pm, data.pn));
      if (ring === "important") markImportantRead(core.store, data.pm, data.pn);
    } else if (item.fn === 3 && isByte(data.erc) && isByte(data.count)) {
      answers.push(...ercAnswer(core.store, data.erc, data.count));
    }
  }
  return { kind: "data", items: answers };
};

function isByte(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 255;
}

/** F1/F2 answer units: consecutive chunks of Pm..Pn, each within the byte budget. */
function pointerAnswer(store: Store, ring: EventRing, fn: number, pm: number, pn: number): DataItem[] {
  const { ec1, ec2 } = store.events.counters();
  const unit = (from: number, to: number, records: Value[]): DataItem => ({
    pn: 0,
    fn,
    data: { ec1, ec2, pm: from, pn: to, records },
  });
  const units: DataItem[] = [];
  let from = pm;
  let records: Value[] = [];
  let bytes = 0;
  for (const event of store.events.read(ring, pm, pn)) {
    if (bytes + event.record.length > EVENT_RECORD_BYTES_PER_UNIT && records.length > 0) {
      // This unit ends just before the record that did not fit; the next one starts there.
      units.push(unit(from, event.slot, records));
      from = event.slot;
      records = [];
      bytes = 0;
    }
    records.push(recordValue(event));
    bytes += event.record.length;
  }
  units.push(unit(from, pn, records));
  return units;
}

/** F3 answer units: the latest `count` records of `erc` (0 = all), oldest first. */
function ercAnswer(store: Store, erc: number, count: number): DataItem[] {
  const matching = [...store.events.latest("important"), ...store.events.latest("general")]
    .filter((e) => e.erc === erc)
    .sort((a, b) => a.recordedAt - b.recordedAt);
  const chosen = count === 0 ? matching : matching.slice(Math.max(0, matching.length - count));
  const units: DataItem[] = [];
  let records: Value[] = [];
  let bytes = 0;
  for (const event of chosen) {
    const full =
      records.length === MAX_RECORDS_PER_F3_UNIT || bytes + event.record.length > EVENT_RECORD_BYTES_PER_UNIT;
    if (full && records.length > 0) {
      units.push({ pn: 0, fn: 3, data: { records } });
      records = [];
      bytes = 0;
    }
    records.push(recordValue(event));
    bytes += event.record.length;
  }
  units.push({ pn: 0, fn: 3, data: { records } });
  return units;
}

/** The stored bytes as the ERC codec's value; a record no layout explains travels raw (same bytes). */
export function recordValue(event: Pick<StoredEvent, "erc" | "record">): Value {
  const decoded = decodeErcRecord(event.record);
  return decoded.ok ? decoded.value : { erc: event.erc, raw: toHex(event.record.subarray(2)) };
}
