/**
 * The meters the engine reads, from the AFN04 F10 archive: one read target per entry whose protocol is a
 * DL/T 645 edition, with its measurement point, port and user class (which picks its data items, F38/F39).
 */
import type { MeterTarget } from "../channels/meter-channel.ts";
import type { Dlt645Edition } from "../protocol/dlt645/functions.ts";
import type { MeterEntry } from "../store/meters-repo.ts";

export interface ReadTarget extends MeterTarget {
  readonly point: number;
  readonly serial: number;
  /** User class from F10: D7..D4 big class, D3..D0 small class. */
  readonly bigClass: number;
  readonly smallClass: number;
}

/**
 * F10 protocol byte → DL/T 645 edition (shared/protocol/gw1376-1.md §4.3.1): 1 = 1997, 30 = 2007; 31 ("PLC
 * module serial protocol") is read as 2007 through the module [L]; 0 (do not read), 2 (AC sampling) and
 * reserved values are not read.
 */
export function editionOf(protocol: number): Dlt645Edition | undefined {
  if (protocol === 1) return "1997";
  if (protocol === 30 || protocol === 31) return "2007";
  return undefined;
}

export function readTarget(entry: MeterEntry): ReadTarget | undefined {
  const edition = editionOf(entry.protocol);
  if (edition === undefined) return undefined;
  return {
    address: entry.address,
    edition,
    port: entry.port,
    point: entry.point,
    serial: entry.serial,
    bigClass: entry.userClass >> 4,
    smallClass: entry.userClass & 0x0f,
  };
}

/** The readable meters of an archive, in serial order. */
export function readTargets(entries: readonly MeterEntry[]): ReadTarget[] {
  const out: ReadTarget[] = [];
  for (const entry of entries) {
    const target = readTarget(entry);
    if (target !== undefined) out.push(target);
  }
  return out;
}
