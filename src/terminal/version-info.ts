/**
 * AFN09 F1 terminal version (41 bytes, shared/protocol/gw1376-1.md §4.5 [H]) from package metadata, and the
 * configuration answers derived from what the code supports (the Fn table and the ERCs the terminal raises),
 * so they never claim more than exists.
 *
 *   vendor ASCII 4 | device no. ASCII 8 | sw version ASCII 4 | sw date A.20 | capacity ASCII 11 |
 *   protocol version ASCII 4 | hw version ASCII 4 | hw date A.20
 */
import pkg from "../../package.json" with { type: "json" };
import { ALL_FN_ROWS, findFnRow } from "../protocol/gw1376-1/fn-table.ts";
import { FORMATS } from "../protocol/gw1376-1/formats.ts";
import { encodeBody } from "../protocol/gw1376-1/layout-codec.ts";

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

/**
 * ERCs the running terminal raises (src/terminal/erc-records.ts): initialisation/version (1), parameter change
 * (3), power off/on (14), self-check fault (21), clock set (41), and the reading engine's meter reading failure
 * (31) and supplementary reading failure (39). ERC20 joins when the uplink checks PW.
 */
export const TERMINAL_ERCS: readonly number[] = [1, 3, 12, 14, 20, 21, 27, 30, 31, 32, 33, 37, 38, 39, 41];

/** Fn numbers of an AFN that the shared table supports in the downlink direction (or uplink for data). */
export function supportedFns(afn: number): number[] {
  return ALL_FN_ROWS.filter((r) => r.afn === afn)
    .map((r) => r.fn)
    .sort((a, b) => a - b);
}

function fnGroups(fns: readonly number[]): { fns: number }[] {
  const max = fns.reduce((m, f) => Math.max(m, f), 0);
  const groups = Array.from({ length: Math.ceil(max / 8) }, () => ({ fns: 0 }));
  for (const fn of fns) {
    if (fn < 1) continue;
    const group = groups[(fn - 1) >> 3];
    if (group !== undefined) group.fns |= 1 << ((fn - 1) & 7);
  }
  return groups;
}

export interface SupportedFunctions {
  /** AFN04 parameters accepted (AFN09 F4). */
  readonly parameters: readonly number[];
  /** AFN05 controls handled (AFN09 F5). */
  readonly controls: readonly number[];
  /** AFN0C Fn answered (AFN09 F6). */
  readonly class1: readonly number[];
  /** AFN0D Fn answered (AFN09 F7). */
  readonly class2: readonly number[];
  /** ERCs the terminal can record (AFN09 F8). */
  readonly ercs: readonly number[];
}

/**
 * What the code supports by default: the Fn rows of the shared table and the ERCs raised here. The uplink
 * should pass the Fn lists its handlers really answer, so the configuration never claims more.
 */
export function tableSupport(): SupportedFunctions {
  return {
    parameters: supportedFns(0x04),
    controls: supportedFns(0x05),
    class1: supportedFns(0x0c),
    class2: supportedFns(0x0d),
    ercs: TERMINAL_ERCS,
  };
}

/**
 * AFN09 F4–F8 answer bodies, encoded by the shared AFN09 rows (layouts [M]). F6/F7 declare every user big
 * class 0..15 with the same Fn set, because the terminal does not answer differently per class [L].
 */
export function encodeConfigInfo(fn: 4 | 5 | 6 | 7 | 8, support: SupportedFunctions): Uint8Array {
  const row = findFnRow(0x09, fn);
  if (row?.up === undefined) throw new Error(`AFN09 F${fn} has no answer layout in the Fn table`);
  switch (fn) {
    case 4:
      return encodeBody(row.up, { groups: fnGroups(support.parameters) });
    case 5:
      return encodeBody(row.up, { groups: fnGroups(support.controls) });
    case 6:
    case 7: {
      const groups = fnGroups(fn === 6 ? support.class1 : support.class2);
      const blocks = Array.from({ length: 16 }, () => ({ groups }));
      return encodeBody(row.up, { bigClasses: 0xffff, blocks });
    }
    case 8: {
      let hex = "";
      const bits = new Uint8Array(8);
      for (const erc of support.ercs) {
        if (erc >= 1 && erc <= 64)
          bits[(erc - 1) >> 3] = (bits[(erc - 1) >> 3] as number) | (1 << ((erc - 1) & 7));
      }
      // "bits" above 4 bytes is a hex string, most significant byte first (layout.ts)
      for (let i = 7; i >= 0; i--) hex += (bits[i] as number).toString(16).padStart(2, "0").toUpperCase();
      return encodeBody(row.up, { ercs: hex });
    }
  }
}
