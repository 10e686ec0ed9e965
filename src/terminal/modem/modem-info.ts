/**
 * What the terminal knows about its cellular (public network) module, read over the AT port with the 3GPP
 * TS 27.007 identification commands: manufacturer AT+CGMI, model AT+CGMM, firmware AT+CGMR, IMEI AT+CGSN,
 * SIM ICCID AT+CCID (AT+ICCID on modems that use that spelling), signal AT+CSQ. Answers are parsed
 * defensively: vendors prefix some lines (`+CGMM: `, `Revision: `, `+CCID: `) and pad others.
 */
import { definedOnly } from "../../common/defined.ts";
import type { AtClient, AtResult } from "./at-client.ts";

export interface ModemInfo {
  readonly manufacturer?: string;
  readonly model?: string;
  readonly firmware?: string;
  readonly imei?: string;
  readonly iccid?: string;
  /** AT+CSQ RSSI 0..31, 99 = not known. */
  readonly rssi?: number;
  /** RSSI in dBm (27.007: 0 → −113 dBm or less, 31 → −51 dBm or more, 2 dB steps). */
  readonly signalDbm?: number;
  /** Signal quality 0..100 % as ModemManager reports it (no dBm there without signal polling set up). */
  readonly signalPercent?: number;
  /** Host time of the refresh that produced this. */
  readonly updatedAt: number;
  /** Why the last refresh failed (the other fields are from the last success). */
  readonly error?: string;
}

/** Printable ASCII only, bounded: what a modem sends is outside input. */
export function clean(text: string, max = 64): string {
  let out = "";
  for (const ch of text) {
    const c = ch.charCodeAt(0);
    if (c >= 0x20 && c < 0x7f) out += ch;
  }
  return out.trim().slice(0, max);
}

/** The first information line of an answer, without a `+CMD:` or `Label:` prefix. */
export function infoLine(result: AtResult): string | undefined {
  if (!result.ok) return undefined;
  for (const raw of result.lines) {
    const line = clean(raw).replace(/^(\+[A-Z]+|Revision|Model|Manufacturer):\s*/i, "");
    if (line !== "") return line;
  }
  return undefined;
}

export function parseImei(result: AtResult): string | undefined {
  const line = infoLine(result);
  return line === undefined ? undefined : /\b(\d{14,17})\b/.exec(line)?.[1];
}

/** ICCID: 18–20 digits, some SIMs end in an F filler nibble. */
export function parseIccid(result: AtResult): string | undefined {
  const line = infoLine(result);
  return line === undefined ? undefined : /\b(\d{18,20})F?\b/i.exec(line)?.[1];
}

export function parseCsq(result: AtResult): { rssi: number; signalDbm?: number } | undefined {
  if (!result.ok) return undefined;
  for (const line of result.lines) {
    const m = /^\+CSQ:\s*(\d{1,2})\s*,\s*(\d{1,2})/.exec(line.trim());
    if (m === null) continue;
    const rssi = Number(m[1]);
    if (rssi === 99) return { rssi };
    if (rssi > 31) return undefined;
    return { rssi, signalDbm: -113 + 2 * rssi };
  }
  return undefined;
}

/** Reads everything once; fields the modem does not answer are left out. */
export async function readModemInfo(at: AtClient, now: () => number): Promise<ModemInfo> {
  const alive = await at.command("AT");
  if (!alive.ok) throw new Error(`modem does not answer AT (${alive.reason})`);
  const manufacturer = infoLine(await at.command("AT+CGMI"));
  const model = infoLine(await at.command("AT+CGMM"));
  const firmware = infoLine(await at.command("AT+CGMR"));
  const imei = parseImei(await at.command("AT+CGSN"));
  const iccid = parseIccid(await at.command("AT+CCID")) ?? parseIccid(await at.command("AT+ICCID"));
  const csq = parseCsq(await at.command("AT+CSQ"));
  return modemInfo({ manufacturer, model, firmware, imei, iccid, ...csq }, now());
}

type Maybe<T> = { [K in keyof T]?: T[K] | undefined };

/** A ModemInfo from what a source could read: the fields it could not are left out, not undefined. */
export function modemInfo(fields: Maybe<Omit<ModemInfo, "updatedAt">>, updatedAt: number): ModemInfo {
  return { ...definedOnly(fields), updatedAt };
}
