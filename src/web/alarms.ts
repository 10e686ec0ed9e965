/**
 * The alarm indicator: lit while the self-check reports a fault, or while alarm events (ERCs in
 * `ALARM_ERCS`) have been recorded since the operator last acknowledged. Acknowledgement is remembered as the
 * two rings' write totals at that moment (kv), which — unlike times — do not move when the clock is set.
 */
import { findErcRow } from "../protocol/gw1376-1/erc.ts";
import { EVENT_RING_SIZE, type EventRing, type StoredEvent } from "../store/events-repo.ts";
import type { TerminalCore } from "../terminal/terminal-core.ts";

/**
 * ERCs that light the alarm (a local-interface choice, not a protocol fact): authentication errors, terminal
 * faults, meter clock deviation and faults, reading failures, cover openings, battery failure.
 */
export const ALARM_ERCS: ReadonlySet<number> = new Set([12, 13, 20, 21, 31, 37, 38, 39, 45]);

const KEY_ACK = "web.alarmsAcknowledged";

interface Acknowledged {
  important: number;
  general: number;
}

export class AlarmState {
  readonly #core: TerminalCore;

  constructor(core: TerminalCore) {
    this.#core = core;
  }

  #acknowledged(): Acknowledged {
    const v = this.#core.store.kv.get(KEY_ACK) as Partial<Acknowledged> | undefined;
    return {
      important: typeof v?.important === "number" ? v.important : 0,
      general: typeof v?.general === "number" ? v.general : 0,
    };
  }

  /** Alarm events recorded since the last acknowledgement (newest last). */
  unacknowledged(): StoredEvent[] {
    const counters = this.#core.store.events.counters();
    const ack = this.#acknowledged();
    // Totals reset to 0 by initialisation: then everything in the ring is new.
    const fresh = (ring: EventRing, total: number, acked: number): StoredEvent[] => {
      const n = Math.min(EVENT_RING_SIZE, total >= acked ? total - acked : total);
      return n === 0 ? [] : this.#core.store.events.latest(ring, n);
    };
    return [
      ...fresh("important", counters.importantTotal, ack.important),
      ...fresh("general", counters.generalTotal, ack.general),
    ]
      .filter((e) => ALARM_ERCS.has(e.erc))
      .sort((a, b) => a.recordedAt - b.recordedAt);
  }

  acknowledge(): number {
    const count = this.unacknowledged().length;
    const c = this.#core.store.events.counters();
    this.#core.store.kv.set(KEY_ACK, { important: c.importantTotal, general: c.generalTotal });
    return count;
  }

  activeFaults(): readonly number[] {
    return this.#core.activeFaults();
  }

  isLit(): boolean {
    return this.activeFaults().length > 0 || this.unacknowledged().length > 0;
  }
}

/** "ERC21 terminal fault" style label of an ERC number. */
export function ercName(erc: number): string {
  return findErcRow(erc)?.name ?? "unknown";
}
