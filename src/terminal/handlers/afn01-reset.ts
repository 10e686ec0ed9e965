/**
 * AFN01 reset (shared/protocol/gw1376-1.md §3.8): F2/F3/F4 clear data / parameters through TerminalCore and
 * are confirmed. F1 (hardware restart) needs the daemon to restart after the answer: not in this slice, so it
 * is denied rather than confirmed and silently ignored.
 */
import { type AfnHandler, replyForOutcomes, type UnitOutcome } from "./handler.ts";

export const handleAfn01: AfnHandler = ({ core, items }) => {
  const outcomes: UnitOutcome[] = items.map((item) => {
    if (item.pn === 0 && (item.fn === 2 || item.fn === 3 || item.fn === 4)) {
      core.initialise(item.fn);
      return { pn: 0, fn: item.fn, err: 0 };
    }
    return { pn: item.pn, fn: item.fn, err: 1 };
  });
  return replyForOutcomes(outcomes);
};
