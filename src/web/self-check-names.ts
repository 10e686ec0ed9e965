/** Names of the ERC21 terminal fault codes (shared/protocol/gw1376-1.md §4.8 [M]) for people. */
import { TERMINAL_FAULT } from "../terminal/erc-records.ts";

const NAMES: Readonly<Record<number, string>> = {
  [TERMINAL_FAULT.mainMemory]: "main memory / database",
  [TERMINAL_FAULT.clock]: "clock",
  [TERMINAL_FAULT.mainBoardComm]: "main board communication",
  [TERMINAL_FAULT.rs485Reading]: "RS-485 reading",
  [TERMINAL_FAULT.display]: "display",
  [TERMINAL_FAULT.plcChannel]: "carrier channel",
};

export function faultName(code: number): string {
  return NAMES[code] ?? `fault ${code}`;
}
