/**
 * Which downlink frames are meant for this terminal (shared/protocol/gw1376-1.md §1.4 [M]): its own A1/A2,
 * one of its group addresses (AFN04 F6) with A3.D0 set, or the system broadcast A2=FFFF with D0 set. A
 * broadcast must carry this terminal's A1 unless A1 is 0000 (NUC) or FFFF (handheld tools, vector X2).
 */
import type { Address } from "../protocol/gw1376-1/frame.ts";

export interface TerminalIdentity {
  /** A1 as 4 digits, most significant first ("4403"). */
  readonly area: string;
  /** A2, 1..65535. */
  readonly terminal: number;
  /** Group addresses this terminal belongs to (AFN04 F6). */
  readonly groups?: readonly number[];
}

export type AddressMatch = "own" | "group" | "broadcast";

/** How `address` names this terminal, or undefined when the frame is for someone else. */
export function matchAddress(address: Address, identity: TerminalIdentity): AddressMatch | undefined {
  const area = address.area.toUpperCase();
  const sameArea = area === identity.area.toUpperCase();
  if (address.group) {
    if (address.terminal === 0xffff) {
      return sameArea || area === "0000" || area === "FFFF" ? "broadcast" : undefined;
    }
    return sameArea && (identity.groups ?? []).includes(address.terminal) ? "group" : undefined;
  }
  return sameArea && address.terminal === identity.terminal ? "own" : undefined;
}
