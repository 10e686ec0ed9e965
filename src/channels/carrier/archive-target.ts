/**
 * What the module's node archive should hold, derived from the terminal's meter archive (AFN04 F10): the
 * meters on the carrier port with a protocol the module can carry.
 */
import { PROTOCOL } from "../../protocol/gw1376-2/fn-table.ts";
import type { ArchiveNode } from "./carrier-client.ts";

/** The parts of an F10 entry this needs (store `MeterEntry` fits). */
export interface ArchiveEntryLike {
  readonly port: number;
  readonly protocol: number;
  readonly address: string;
}

/**
 * F10 protocol → 1376.2 protocol type: 1 (DL/T 645-1997) → 1, 30 (DL/T 645-2007) → 2, 31 ("narrow-band PLC
 * module serial protocol") → 2 [L: meters behind a PLC module speak DL/T 645-2007 in every source seen];
 * 0 (do not read) and 2 (AC sampling) are not put in the module's archive.
 */
export function moduleProtocol(f10Protocol: number): number | undefined {
  if (f10Protocol === 1) return PROTOCOL.dlt645_1997;
  if (f10Protocol === 30 || f10Protocol === 31) return PROTOCOL.dlt645_2007;
  return undefined;
}

/** The module archive for `port` from F10 entries (one node per address, first entry wins). */
export function archiveTarget(entries: readonly ArchiveEntryLike[], port: number): ArchiveNode[] {
  const nodes = new Map<string, ArchiveNode>();
  for (const e of entries) {
    if (e.port !== port || nodes.has(e.address)) continue;
    const protocol = moduleProtocol(e.protocol);
    if (protocol !== undefined) nodes.set(e.address, { address: e.address, protocol });
  }
  return [...nodes.values()];
}

/** An order-independent summary of an archive, to notice changes cheaply. */
export function archiveFingerprint(nodes: readonly ArchiveNode[]): string {
  return nodes
    .map((n) => `${n.address.toLowerCase()}:${n.protocol}`)
    .sort()
    .join(",");
}
