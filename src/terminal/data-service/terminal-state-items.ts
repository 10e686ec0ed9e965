/**
 * The terminal's own state as AFN0C p0 items (shared/protocol/gw1376-1.md §4.6): F4 uplink communication
 * state, F8 event flags, F9 state inputs, F12 control-output loops. Each answers from what this terminal
 * really has; where the hardware does not exist (switch inputs, control outputs), the answer is the honest
 * "nothing wired": every state 0, no change.
 */
import { EVENT_RING_SIZE } from "../../store/events-repo.ts";
import type { Store } from "../../store/store.ts";
import { REPORTING_ALLOWED_KEY } from "../handlers/afn05-control.ts";

/** F4 two-bit codes (D1..D0 active reporting, D3..D2 talk with the master): 1 allowed, 2 forbidden. */
const ALLOWED = 1;
const FORBIDDEN = 2;

/**
 * F4 [M: bit layout per the shared reference and two public master decoders]. Active reporting follows
 * AFN05 F29 / F37 (stored 0x55 / 0xAA); before either was sent, `reportingByDefault` (the start-up file's
 * `reporting.allowedByDefault`) decides, as it does for the reporting itself. "Talk" is always allowed: this
 * terminal does not carry out AFN05 F27 / F35 (they are refused), so nothing can forbid it.
 */
export function uplinkCommunicationState(
  store: Store,
  reportingByDefault: boolean,
): { state: { activeReport: number; talk: number; reserved: number } } {
  const stored = store.kv.get(REPORTING_ALLOWED_KEY);
  const allowed = stored === 0x55 ? true : stored === 0xaa ? false : reportingByDefault;
  return { state: { activeReport: allowed ? ALLOWED : FORBIDDEN, talk: ALLOWED, reserved: 0 } };
}

/**
 * F8 event flag status, BS64: bit i = ERC i+1 "has occurred" [M: the reference's one-line gloss reads
 * "unread ERCs"; the terminals we could compare set the flag when the event is recorded]. Here a flag is set
 * while the event log (either ring, AFN0E) holds at least one record of that ERC, so it clears with AFN01
 * data initialisation and when the 256-entry ring has overwritten the last such record. Wire order: the
 * codec takes the 8 bytes as 16 hex digits, most significant first (ERC64 … ERC1).
 */
export function eventFlags(store: Store): { ercFlags: string } {
  let flags = 0n;
  for (const ring of ["important", "general"] as const) {
    for (const event of store.events.latest(ring, EVENT_RING_SIZE)) {
      if (event.erc >= 1 && event.erc <= 64) flags |= 1n << BigInt(event.erc - 1);
    }
  }
  return { ercFlags: flags.toString(16).padStart(16, "0") };
}

/**
 * F9 state inputs (ST, bit i = input i+1 closed) and change flags (CD, changed since the master last read
 * F9). A software DCU has no switch inputs wired (AFN04 F12 may describe some, nothing reads them), so both
 * bytes are honestly zero and no ERC4 is ever raised.
 */
export const NO_STATE_INPUTS = { states: 0, changes: 0 } as const;

/**
 * F12 control-output loop switch access states and change flags (the loops of a load-control terminal).
 * A concentrator without control outputs answers both bytes zero, as concentrators in the field do.
 */
export const NO_CONTROL_OUTPUTS = { states: 0, changes: 0 } as const;
