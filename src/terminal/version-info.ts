/**
 * AFN09 F1 terminal version (41 bytes, shared/protocol/gw1376-1.md §4.5 [H]) from package metadata, and the
 * configuration answers derived from what the code supports (the Fn table and the ERCs the terminal raises),
 * so they never claim more than exists.
 *
 *   vendor ASCII 4 | device no. ASCII 8 | sw version ASCII 4 | sw date A.20 | capacity ASCII 11 |
 *   protocol version ASCII 4 | hw version ASCII 4 | hw date A.20
 */
import pkg from "../../package.json" with { type: "json" };
import { ALL_FN_ROWS } from "../protocol/gw1376-1/fn-table.ts";
import { FORMATS } from "../protocol/gw1376-1/formats.ts";

/** Release date of this software version (A.20); package.json has no date field, so it lives here. */
export const SOFTWARE_RELEASE_DATE = "2026-11-26";

export interface VersionInfo {
  readonly vendor: string;
  readonly deviceNumber: string;
  readonly softwareVersion: string;
  readonly softwareDate: string;
  readonly capacity: string;
  /** NUC sends "1301" for Q/GDW 1376.1-2013. */
  readonly protocolVersion: string;
  readonly hardwareVersion: string;
  readonly hardwareDate: string;
}

/** "0.1.0" → "0100": major, minor, two-digit patch, clipped to 4 characters. */
export function softwareVersionCode(version: string): string {
  const [major = "0", minor = "0", patch = "0"] = version.split(/[.-]/);
  return `${major}${minor}${patch.padStart(2, "0")}`.slice(0, 4);
}

export function defaultVersionInfo(deviceNumber = "00000001"): VersionInfo {
  return {
    vendor: "ODCU",
    deviceNumber,
    softwareVersion: softwareVersionCode(pkg.version),
    softwareDate: SOFTWARE_RELEASE_DATE,
    capacity: "P2040-SOFT",
    protocolVersion: "1301",
    hardwareVersion: "SOFT",
    hardwareDate: SOFTWARE_RELEASE_DATE,
  };
}

function ascii(text: string, n: number): Uint8Array {
  const out = new Uint8Array(n).fill(0x20);
  for (let i = 0; i < Math.min(n, text.length); i++) out[i] = text.charCodeAt(i) & 0x7f;
  return out;
}

/** The 41-byte AFN09 F1 body. */
export function encodeVersionInfo(info: VersionInfo): Uint8Array {
  const parts = [
    ascii(info.vendor, 4),
    ascii(info.deviceNumber, 8),
    ascii(info.softwareVersion, 4),
    FORMATS["A.20"].encode(info.softwareDate),
    ascii(info.capacity, 11),
    ascii(info.protocolVersion, 4),
    ascii(info.hardwareVersion, 4),
    FORMATS["A.20"].encode(info.hardwareDate),
  ];
  const out = new Uint8Array(41);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** ERCs the terminal itself raises (src/terminal/erc-records.ts); other modules add theirs as they land. */
export const TERMINAL_ERCS: readonly number[] = [1, 3, 14, 20, 21, 41];

/** Fn numbers of an AFN that the shared table supports in the downlink direction (or uplink for data). */
export function supportedFns(afn: number): number[] {
  return ALL_FN_ROWS.filter((r) => r.afn === afn)
    .map((r) => r.fn)
    .sort((a, b) => a - b);
}

/**
 * A supported-Fn bitmap body: n(1) groups of 8 Fn + n × BS8 (bit j of group g = F(8g+j+1)).
 * Used for AFN09 F4 (parameters, AFN04) and F5 (controls, AFN05). [L: layout of F4/F5 not verified]
 */
export function encodeFnBitmap(fns: readonly number[]): Uint8Array {
  const max = fns.reduce((m, f) => Math.max(m, f), 0);
  const groups = Math.ceil(max / 8);
  const out = new Uint8Array(1 + groups);
  out[0] = groups;
  for (const fn of fns) {
    if (fn < 1) continue;
    const k = fn - 1;
    out[1 + (k >> 3)] = (out[1 + (k >> 3)] as number) | (1 << (k & 7));
  }
  return out;
}

/** AFN09 F8 supported-ERC bitmap: BS64, bit i = ERC i+1. [M] */
export function encodeErcBitmap(ercs: readonly number[]): Uint8Array {
  const out = new Uint8Array(8);
  for (const erc of ercs) {
    if (erc < 1 || erc > 64) continue;
    const i = erc - 1;
    out[i >> 3] = (out[i >> 3] as number) | (1 << (i & 7));
  }
  return out;
}
