/**
 * A virtual DL/T 645 meter: bytes in, bytes out. It decodes one request frame, decides whether it is
 * addressed (own address, AA wildcards, 99…99 broadcast), applies it to its `MeterModel`, and encodes the
 * reply a real meter would send (FE FE FE FE preamble, its own address, normal or abnormal reply).
 *
 * Used by the RS-485 bus simulator (`meter-bus.ts`) and by the carrier-module simulator, which both only
 * need `handleFrame`.
 */
import type { Clock } from "../common/clock.ts";
import { decodeDiData, encodeDiData } from "../protocol/dlt645/data.ts";
import { EVENT_IDENTIFIERS, findDi } from "../protocol/dlt645/di-table.ts";
import { type DataValue, formatTime } from "../protocol/dlt645/formats.ts";
import {
  addressMatches,
  DEFAULT_PREAMBLE,
  decodeFrame,
  isBroadcast,
  parseControl,
  WILDCARD_ADDRESS,
} from "../protocol/dlt645/frame.ts";
import { ERR_NO_DATA, ERR_OTHER, ERR_PASSWORD } from "../protocol/dlt645/functions.ts";
import {
  type Dlt645Message,
  decodeMessage,
  encodeMessage,
  type FieldValue,
  message,
  type Password,
} from "../protocol/dlt645/message.ts";
import {
  type DemandValue,
  type EnergySet,
  hashUnit,
  type MeterEdition,
  type MeterEvent,
  type MeterEventKind,
  MeterModel,
  type MeterModelOptions,
  type WallTime,
} from "./meter-model.ts";

/** Faults to inject, per meter (conventions §30). Probabilities are 0..1, drawn deterministically. */
export interface MeterFaults {
  /** Probability of not answering an addressed request (1 = dead meter). */
  noAnswer?: number;
  /** Extra delay before the answer, ms (applied by the bus, which owns real time). */
  replyDelayMs?: number;
  /** Probability of one corrupted byte in an answer. */
  corruptByte?: number;
  /** Answer every addressed request with this abnormal-reply error byte. */
  abnormal?: number;
  /** Answer with this address instead of the meter's own. */
  wrongAddress?: string;
  /** Identifiers read requests get no answer for (an old meter silent to what it lacks, not refusing it). */
  silentTo?: readonly number[];
}

export interface VirtualMeterOptions extends MeterModelOptions {
  readonly faults?: MeterFaults;
}

/** Largest data field a meter sends in one frame; longer answers continue in subsequent frames (§7.4) [H]. */
const MAX_REPLY_DATA = 200;

function wallText(
  pattern: "YYMMDDhhmmss" | "YYMMDDhhmm" | "YYMMDDWW" | "hhmmss" | "MMDDhhmm" | "YYMMDDWWhhmmss",
  w: WallTime,
): string {
  return formatTime(pattern, w);
}

/** Energy kinds by DI2 of DL/T 645-2007 energy identifiers. */
const ENERGY_BY_DI2: readonly ((e: EnergySet, i: number) => number)[] = [
  (e, i) => (e.positiveActive[i] ?? 0) + (e.reverseActive[i] ?? 0),
  (e, i) => e.positiveActive[i] ?? 0,
  (e, i) => e.reverseActive[i] ?? 0,
  (e, i) => (e.reactiveQ1[i] ?? 0) + (e.reactiveQ2[i] ?? 0),
  (e, i) => (e.reactiveQ3[i] ?? 0) + (e.reactiveQ4[i] ?? 0),
  (e, i) => e.reactiveQ1[i] ?? 0,
  (e, i) => e.reactiveQ2[i] ?? 0,
  (e, i) => e.reactiveQ3[i] ?? 0,
  (e, i) => e.reactiveQ4[i] ?? 0,
];

const round2 = (v: number): number => Math.round(v * 100) / 100;

function sixEnergies(e: EnergySet | undefined): DataValue {
  return {
    positiveActive: round2(e?.positiveActive[0] ?? 0),
    reverseActive: round2(e?.reverseActive[0] ?? 0),
    reactiveQ1: round2(e?.reactiveQ1[0] ?? 0),
    reactiveQ2: round2(e?.reactiveQ2[0] ?? 0),
    reactiveQ3: round2(e?.reactiveQ3[0] ?? 0),
    reactiveQ4: round2(e?.reactiveQ4[0] ?? 0),
  };
}

function demandValue(d: DemandValue | undefined, fallback: WallTime): DataValue {
  return { demand: d?.kw ?? 0, time: wallText("YYMMDDhhmm", d?.at ?? fallback) };
}

export class VirtualMeter {
  readonly model: MeterModel;
  faults: MeterFaults;
  #address: string;
  #requests = 0;
  /** Continuation of a long answer: DI and the bytes still to send. */
  #pending: { di: number; rest: Uint8Array; seq: number } | undefined;
  /** Counters for tests and the CLI. */
  readonly stats = { requests: 0, answered: 0, ignored: 0, broadcasts: 0 };

  constructor(options: VirtualMeterOptions) {
    this.model = new MeterModel(options);
    this.#address = options.address;
    this.faults = options.faults ?? {};
  }

  static create(address: string, clock: Clock, options: Partial<VirtualMeterOptions> = {}): VirtualMeter {
    return new VirtualMeter({ ...options, address, clock });
  }

  get address(): string {
    return this.#address;
  }

  get protocol(): MeterEdition {
    return this.model.edition;
  }

  /** Extra answer delay requested by the fault settings (the bus applies it). */
  get replyDelayMs(): number {
    return this.faults.replyDelayMs ?? 0;
  }

  /** Would this meter act on a frame sent to `address`? (own address, wildcard match or broadcast) */
  isAddressedBy(address: string): boolean {
    return isBroadcast(address) || addressMatches(address, this.#address);
  }

  /**
   * Handles one frame (FE preamble allowed). Returns the answer bytes, or undefined when a real meter would
   * stay silent: not addressed, broadcast, garbage, a reply from another meter, an injected no-answer.
   */
  handleFrame(frame: Uint8Array): Uint8Array | undefined {
    const decoded = decodeFrame(frame);
    if (!decoded.ok) return undefined;
    const control = parseControl(decoded.value.control);
    if (control.reply) return undefined;
    const target = decoded.value.address;
    if (!this.isAddressedBy(target)) return undefined;
    const msg = decodeMessage(decoded.value, this.model.edition);
    // A request this edition does not know is ignored (a 1997 meter is silent to 2007 frames) [M].
    if (!msg.ok) {
      this.stats.ignored++;
      return undefined;
    }
    this.stats.requests++;
    const request = msg.value;
    if (isBroadcast(target)) {
      this.stats.broadcasts++;
      this.#handleBroadcast(request);
      return undefined;
    }
    const n = this.#requests++;
    if (
      (this.faults.noAnswer ?? 0) > 0 &&
      hashUnit(this.model.seed, n * 3 + 1) < (this.faults.noAnswer ?? 0)
    ) {
      return undefined;
    }
    const di = request.fields.di;
    if (typeof di === "number" && this.faults.silentTo?.includes(di)) return undefined;
    let reply: Dlt645Message | undefined;
    if (this.faults.abnormal !== undefined) reply = this.#abnormal(request, this.faults.abnormal);
    else reply = this.#handle(request, target);
    if (reply === undefined) return undefined;
    const address = this.faults.wrongAddress ?? this.#address;
    const bytes = encodeMessage({ ...reply, address }, { preamble: DEFAULT_PREAMBLE });
    if (
      (this.faults.corruptByte ?? 0) > 0 &&
      hashUnit(this.model.seed, n * 3 + 2) < (this.faults.corruptByte ?? 0)
    ) {
      const at =
        DEFAULT_PREAMBLE.length +
        Math.floor(hashUnit(this.model.seed, n * 3 + 3) * (bytes.length - DEFAULT_PREAMBLE.length));
      bytes[at] = (bytes[at] as number) ^ 0x5a;
    }
    this.stats.answered++;
    return bytes;
  }

  #handleBroadcast(request: Dlt645Message): void {
    const time = request.fields.time;
    if (request.function === "broadcast-time" && typeof time === "string") {
      const w = parseDigits(time, ["YY", "MM", "DD", "hh", "mm", "ss"]);
      if (w !== undefined) {
        this.model.broadcastTime({
          year: 2000 + (w.YY ?? 0),
          month: w.MM ?? 1,
          day: w.DD ?? 1,
          hour: w.hh ?? 0,
          minute: w.mm ?? 0,
          second: w.ss ?? 0,
        });
      }
    } else if (request.function === "freeze" && typeof time === "string") {
      this.#freeze(time);
    }
  }

  #freeze(time: string): void {
    // 99999999 = freeze now; 9999hhmm = set the daily freeze time (this model freezes at 00:00 only) [M].
    if (time === "99999999") this.model.freezeNow();
  }

  #reply(request: Dlt645Message, fields: Record<string, FieldValue>, more = false): Dlt645Message {
    return message(request.edition, this.#address, request.function, "reply", fields, { more });
  }

  #abnormal(request: Dlt645Message, error: number): Dlt645Message {
    return message(request.edition, this.#address, request.function, "reply", { error }, { abnormal: true });
  }

  #passwordOk(value: FieldValue | undefined): boolean {
    if (typeof value !== "object" || value instanceof Uint8Array) return false;
    const p = value as Password;
    // Level 02 (and 04 for ordinary parameters) with the matching code [M].
    return (
      (p.level === 0x02 || p.level === 0x04) && p.code.toUpperCase() === this.model.password.toUpperCase()
    );
  }

  #handle(request: Dlt645Message, target: string): Dlt645Message | undefined {
    const f = request.fields;
    const operator = typeof f.operator === "string" ? Number.parseInt(f.operator, 16) : 0;
    switch (request.function) {
      case "read": {
        const di = f.di;
        if (typeof di !== "number") return this.#abnormal(request, ERR_OTHER);
        return this.#read(request, di);
      }
      case "read-next": {
        const di = f.di;
        const p = this.#pending;
        if (p === undefined || p.di !== di) return this.#abnormal(request, ERR_NO_DATA);
        return this.#continue(request, p);
      }
      case "read-address":
        // Only the all-AA request asks for the address (DL/T 645-2007 §7.5) [H].
        if (target !== WILDCARD_ADDRESS) return undefined;
        return this.#reply(request, { address: this.#address });
      case "write-address": {
        if (target !== WILDCARD_ADDRESS || !this.model.programmingEnabled) return undefined;
        const next = f.newAddress;
        if (typeof next !== "string") return undefined;
        this.#address = next;
        return this.#reply(request, {});
      }
      case "write": {
        if (!this.#passwordOk(f.password)) return this.#abnormal(request, ERR_PASSWORD);
        const di = f.di;
        const data = f.data;
        if (typeof di !== "number" || !(data instanceof Uint8Array))
          return this.#abnormal(request, ERR_OTHER);
        return this.#write(request, di, data, operator)
          ? this.#reply(request, {})
          : this.#abnormal(request, ERR_OTHER);
      }
      case "freeze":
        if (typeof f.time === "string") this.#freeze(f.time);
        return this.#reply(request, {});
      case "clear-demand":
        if (!this.#passwordOk(f.password)) return this.#abnormal(request, ERR_PASSWORD);
        this.model.clearDemand(operator);
        return this.#reply(request, {});
      case "clear-meter":
        if (!this.#passwordOk(f.password)) return this.#abnormal(request, ERR_PASSWORD);
        this.model.clearMeter(operator);
        return this.#reply(request, {});
      case "clear-events": {
        if (!this.#passwordOk(f.password)) return this.#abnormal(request, ERR_PASSWORD);
        const di = typeof f.di === "number" ? f.di : 0xffffffff;
        let kind: MeterEventKind | undefined;
        if (di !== 0xffffffff) {
          // DI of an event count/record family, e.g. 03300DFF or 03300D00 → that event kind.
          const entry = Object.entries(EVENT_IDENTIFIERS).find(
            ([, ids]) => (ids.count & 0xffffff00) === (di & 0xffffff00),
          );
          if (entry === undefined) return this.#abnormal(request, ERR_OTHER);
          kind = entry[0] as MeterEventKind;
        }
        this.model.clearEvents(kind, di, operator);
        return this.#reply(request, {});
      }
      case "remote-control": {
        if (!this.#passwordOk(f.password)) return this.#abnormal(request, ERR_PASSWORD);
        const command = f.command;
        if (command === 0x1a) this.model.trip(operator);
        // 1B "close allowed" needs a button press on a real meter; the simulator closes at once [L].
        else if (command === 0x1b || command === 0x1c) this.model.close(operator);
        else if (command !== 0x2a && command !== 0x2b && command !== 0x3a && command !== 0x3b) {
          return this.#abnormal(request, ERR_OTHER);
        }
        return this.#reply(request, {});
      }
      case "change-baud":
        return this.#reply(request, { baudWord: typeof f.baudWord === "number" ? f.baudWord : 0 });
      case "change-password": {
        if (!this.#passwordOk(f.oldPassword)) return this.#abnormal(request, ERR_PASSWORD);
        const next = f.newPassword;
        if (typeof next !== "object" || next instanceof Uint8Array) return this.#abnormal(request, ERR_OTHER);
        this.model.password = next.code;
        return this.#reply(request, { newPassword: next });
      }
      default:
        return this.#abnormal(request, ERR_OTHER);
    }
  }

  #read(request: Dlt645Message, di: number): Dlt645Message {
    const row = findDi(request.edition, di);
    const value = row === undefined ? undefined : this.valueOf(di);
    if (row === undefined || value === undefined) return this.#abnormal(request, ERR_NO_DATA);
    let data: Uint8Array;
    try {
      data = encodeDiData(row, value);
    } catch {
      return this.#abnormal(request, ERR_OTHER);
    }
    const diBytes = request.edition === "2007" ? 4 : 2;
    if (data.length + diBytes <= MAX_REPLY_DATA || request.edition === "1997") {
      this.#pending = undefined;
      return this.#reply(request, { di, data });
    }
    const first = data.subarray(0, MAX_REPLY_DATA - diBytes);
    this.#pending = { di, rest: data.subarray(first.length), seq: 1 };
    return this.#reply(request, { di, data: Uint8Array.from(first) }, true);
  }

  #continue(request: Dlt645Message, p: { di: number; rest: Uint8Array; seq: number }): Dlt645Message {
    const room = MAX_REPLY_DATA - 5;
    const chunk = p.rest.subarray(0, room);
    const rest = p.rest.subarray(chunk.length);
    const seq = p.seq;
    this.#pending = rest.length > 0 ? { di: p.di, rest, seq: seq + 1 } : undefined;
    return this.#reply(request, { di: p.di, data: Uint8Array.from(chunk), seq }, rest.length > 0);
  }

  #write(request: Dlt645Message, di: number, data: Uint8Array, operator: number): boolean {
    const reading = decodeDiData(request.edition, di, data);
    if (!reading.ok) return false;
    const text = reading.value.value;
    if (typeof text !== "string") return false;
    const dateDi = request.edition === "2007" ? 0x04000101 : 0xc010;
    const timeDi = request.edition === "2007" ? 0x04000102 : 0xc011;
    if (di === dateDi) {
      const d = parseDigits(text.replace(/\D/g, "").slice(2), ["YY", "MM", "DD", "WW"]);
      if (d === undefined) return false;
      this.model.setDate(2000 + (d.YY ?? 0), d.MM ?? 1, d.DD ?? 1, operator);
      return true;
    }
    if (di === timeDi) {
      const t = parseDigits(text.replace(/\D/g, ""), ["hh", "mm", "ss"]);
      if (t === undefined) return false;
      this.model.setTimeOfDay(t.hh ?? 0, t.mm ?? 0, t.ss ?? 0, operator);
      return true;
    }
    if (di === 0x0400010c) {
      const d = parseDigits(text.replace(/\D/g, "").slice(2), ["YY", "MM", "DD", "WW", "hh", "mm", "ss"]);
      if (d === undefined) return false;
      this.model.setTime(
        {
          year: 2000 + (d.YY ?? 0),
          month: d.MM ?? 1,
          day: d.DD ?? 1,
          hour: d.hh ?? 0,
          minute: d.mm ?? 0,
          second: d.ss ?? 0,
        },
        operator,
      );
      return true;
    }
    if (di === 0x04000b01) {
      const d = parseDigits(text.replace(/\D/g, ""), ["DD", "hh"]);
      if (d === undefined || (d.DD ?? 0) < 1 || (d.DD ?? 0) > 28) return false;
      this.model.settlementDay = d.DD ?? 1;
      this.model.settlementHour = d.hh ?? 0;
      this.model.programmed([di], operator);
      return true;
    }
    return false;
  }

  /** The value this meter reports for an identifier of its edition, or undefined (no such data). */
  valueOf(di: number): DataValue | undefined {
    // Bring the model up to now first: frozen records and settlements are made as time passes, and a read of
    // a daily record right after midnight must see the freeze that just happened.
    this.model.advance();
    return this.model.edition === "2007" ? this.#value2007(di) : this.#value1997(di);
  }

  #energyList(energies: EnergySet, di2: number, di1: number): DataValue | undefined {
    const pick = ENERGY_BY_DI2[di2];
    if (pick === undefined) return undefined;
    if (di1 === 0xff)
      return Array.from({ length: this.model.tariffs + 1 }, (_, i) => round2(pick(energies, i)));
    if (di1 > this.model.tariffs) return undefined;
    return round2(pick(energies, di1));
  }

  #value2007(di: number): DataValue | undefined {
    const di3 = di >>> 24;
    const di2 = (di >>> 16) & 0xff;
    const di1 = (di >>> 8) & 0xff;
    const di0 = di & 0xff;
    const m = this.model;
    if (di3 === 0x00) {
      const energies = di0 === 0 ? m.energies() : m.settlements[di0 - 1]?.energies;
      return energies === undefined ? undefined : this.#energyList(energies, di2, di1);
    }
    if (di3 === 0x01) {
      const now = m.wallNow();
      const record = di0 === 0 ? undefined : m.settlements[di0 - 1];
      if (di0 !== 0 && record === undefined) return undefined;
      const demand =
        record === undefined
          ? m.demand()
          : { positive: record.positiveDemand, reverse: record.reverseDemand };
      const list = di2 === 0x01 ? demand.positive : demand.reverse;
      if (di1 === 0xff) return list.map((d) => demandValue(d, now));
      return di1 <= m.tariffs ? demandValue(list[di1], now) : undefined;
    }
    if (di3 === 0x02) return this.#instant2007(di2, di1, di);
    if (di3 === 0x04) return this.#parameter2007(di);
    if (di3 === 0x05 && di2 === 0x06) return this.#daily(di1, di0);
    return this.#event(di);
  }

  #instant2007(di2: number, di1: number, di: number): DataValue | undefined {
    const v = this.model.instant();
    if (di === 0x02800002) return v.frequency;
    if (di === 0x02800001) return 0;
    const series: Record<number, number[]> = {
      1: v.voltage,
      2: v.current,
      3: v.activeKw,
      4: v.reactiveKvar,
      5: v.apparentKva,
      6: v.powerFactor,
    };
    const list = series[di2];
    if (list === undefined) return undefined;
    if (di1 === 0xff) return list;
    // Voltage/current lists are A, B, C (DI1 01..03); power lists are total, A, B, C (DI1 00..03).
    return di2 <= 2 ? list[di1 - 1] : list[di1];
  }

  #parameter2007(di: number): DataValue | undefined {
    const m = this.model;
    switch (di) {
      case 0x04000101:
        return wallText("YYMMDDWW", m.wallNow());
      case 0x04000102:
        return wallText("hhmmss", m.wallNow());
      case 0x0400010c:
        return wallText("YYMMDDWWhhmmss", m.wallNow());
      case 0x04000401:
      case 0x04000402:
        return this.#address;
      case 0x04000b01:
        return `${String(m.settlementDay).padStart(2, "0")} ${String(m.settlementHour).padStart(2, "0")}h`;
      case 0x040005ff:
        return m.statusWords();
      default:
        if ((di & 0xffffff00) === 0x04000500) return m.statusWords()[(di & 0xff) - 1];
        return undefined;
    }
  }

  #daily(di1: number, day: number): DataValue | undefined {
    const record = this.model.daily[day - 1];
    if (record === undefined) return undefined;
    if (di1 === 0x00) return wallText("YYMMDDhhmm", record.at);
    if (di1 >= 0x01 && di1 <= 0x08) return this.#energyList(record.energies, di1, 0xff);
    if (di1 === 0x09) return record.positiveDemand.map((d) => demandValue(d, record.at));
    if (di1 === 0x0a) return record.reverseDemand.map((d) => demandValue(d, record.at));
    return undefined;
  }

  #event(di: number): DataValue | undefined {
    const m = this.model;
    for (const [kind, ids] of Object.entries(EVENT_IDENTIFIERS) as [
      MeterEventKind,
      { count: number; first: number },
    ][]) {
      if (di === ids.count) return m.eventCounts.get(kind) ?? 0;
      const n = di - ids.first + 1;
      if (n >= 1 && n <= 10) {
        const event = m.events.get(kind)?.[n - 1];
        return event === undefined ? undefined : eventValue(event);
      }
    }
    return undefined;
  }

  #value1997(di: number): DataValue | undefined {
    const m = this.model;
    const hi = di >> 12;
    if (hi === 0x9) {
      // DI1 low digit: 0/1 current active/reactive, 4/5 last month active/reactive (bit 2 = last month);
      // other digits (8/9: the month before last) are not kept by this model.
      const period = (di >> 8) & 0xf;
      if ((period & 0xa) !== 0) return undefined;
      const tariff = di & 0xf;
      // 1997 kind digits → the 2007 DI2 of the same quantity (ENERGY_BY_DI2); quadrants run Q1, Q4, Q2, Q3.
      const kinds: Record<number, number> = {
        16: 1,
        32: 2,
        272: 3,
        288: 4,
        304: 5,
        320: 8,
        336: 6,
        352: 7,
      };
      const di2 = kinds[di & 0x1f0];
      const energies = (period & 0x4) === 0 ? m.energies() : m.settlements[0]?.energies;
      if (di2 === undefined || energies === undefined) return undefined;
      return this.#energyList(energies, di2, tariff === 0xf ? 0xff : tariff);
    }
    if (hi === 0xa || hi === 0xb) {
      const demand = this.#demand1997(di);
      if (demand !== null) return demand;
    }
    const v = m.instant();
    const p = di & 0xf;
    switch (di & 0xfff0) {
      case 0xb610:
        return Math.round(v.voltage[p - 1] ?? 0);
      case 0xb620:
        return Math.round((v.current[p - 1] ?? 0) * 100) / 100;
      case 0xb630:
        return v.activeKw[p];
      case 0xb640:
        return Math.round((v.reactiveKvar[p] ?? 0) * 100) / 100;
      case 0xb650:
        return v.powerFactor[p];
      default:
        break;
    }
    const last = (kind: MeterEventKind): DataValue => {
      const e = m.events.get(kind)?.[0];
      return wallText(
        "MMDDhhmm",
        e?.at ?? { year: 2000, month: 0, day: 0, weekday: 0, hour: 0, minute: 0, second: 0 },
      );
    };
    switch (di) {
      case 0xc010:
        return wallText("YYMMDDWW", m.wallNow());
      case 0xc011:
        return wallText("hhmmss", m.wallNow());
      case 0xc020:
        return m.relayOpen ? 0x40 : 0;
      case 0xc032:
        return this.#address;
      case 0xb210:
        return last("programming");
      case 0xb211:
        return last("maximum demand clear");
      case 0xb212:
        return Math.min(9999, m.eventCounts.get("programming") ?? 0);
      case 0xb213:
        return Math.min(9999, m.eventCounts.get("maximum demand clear") ?? 0);
      default:
        return undefined;
    }
  }

  /**
   * 1997 maximum demand A [0 current / 4 last month] [1 positive / 2 reverse] t and its time B… (same
   * digits); null when `di` is not a demand identifier, undefined when the meter has no such value. Last
   * month is the newest settlement's demand, the same record the 2007 01xxxx01 identifiers answer from.
   */
  #demand1997(di: number): DataValue | undefined | null {
    const period = (di >> 8) & 0xf;
    const kind = (di >> 4) & 0xf;
    if ((period !== 0 && period !== 4) || (kind !== 1 && kind !== 2)) return null;
    const m = this.model;
    const record = period === 0 ? undefined : m.settlements[0];
    if (period === 4 && record === undefined) return undefined;
    const demand =
      record === undefined ? m.demand() : { positive: record.positiveDemand, reverse: record.reverseDemand };
    const d = (kind === 1 ? demand.positive : demand.reverse)[di & 0xf];
    if (d === undefined) return undefined;
    return di >> 12 === 0xa ? d.kw : wallText("MMDDhhmm", d.at);
  }
}

/** The DL/T 645-2007 record value of a model event (field names follow `di-table.ts`). */
function eventValue(event: MeterEvent): DataValue {
  const time = (w: WallTime | undefined): string => wallText("YYMMDDhhmmss", w ?? event.at);
  switch (event.kind) {
    case "programming": {
      const ids = [...(event.identifiers ?? [])].slice(0, 10);
      while (ids.length < 10) ids.push(0xffffffff);
      return { time: time(event.at), operator: event.operator, identifiers: ids };
    }
    case "meter clear": {
      const zero = sixEnergies(undefined);
      return {
        time: time(event.at),
        operator: event.operator,
        energies: [sixEnergies(event.before), sixEnergies(event.before), zero, zero],
      };
    }
    case "maximum demand clear": {
      const demands = (event.demands ?? []).map((d) => demandValue(d, event.at));
      while (demands.length < 24) demands.push(demandValue(undefined, event.at));
      return { time: time(event.at), operator: event.operator, demands: demands.slice(0, 24) };
    }
    case "event clear":
      return {
        time: time(event.at),
        operator: event.operator,
        identifier: event.identifiers?.[0] ?? 0xffffffff,
      };
    case "clock set":
      return { operator: event.operator, before: time(event.timeBefore), after: time(event.timeAfter) };
    case "meter cover open":
    case "terminal-block cover open":
      return {
        openTime: time(event.at),
        closeTime: time(event.end),
        before: sixEnergies(event.before),
        after: sixEnergies(event.after),
      };
    case "trip":
    case "close":
      return { time: time(event.at), operator: event.operator, energies: sixEnergies(event.before) };
    case "power down":
      return { start: time(event.at), end: time(event.end) };
  }
}

/** Splits a digit string into two-digit tokens; undefined when the length does not match. */
function parseDigits(digits: string, tokens: readonly string[]): Record<string, number> | undefined {
  if (digits.length !== tokens.length * 2 || !/^\d+$/.test(digits)) return undefined;
  const out: Record<string, number> = {};
  tokens.forEach((t, i) => {
    out[t] = Number(digits.slice(2 * i, 2 * i + 2));
  });
  return out;
}
