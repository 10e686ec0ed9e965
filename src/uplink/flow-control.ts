/**
 * Flow control by the monthly traffic threshold (AFN04 F36, 4 BIN bytes, 0 = no limit; shared/protocol/
 * gw1376-1.md §3.1 [H]): when this month's traffic with the master exceeds it, ERC32 is recorded once per
 * month and active reports are suspended until the month ends or the master raises (or clears) the limit.
 * Link maintenance (login, heartbeat) and answers to the master's own requests are never suspended: the
 * master must still be able to reach the terminal to change F36.
 *
 * The gate for the active-reporting code is `reportsAllowed()`.
 */
import type { Logger } from "../common/logger.ts";

export interface FlowControlOptions {
  /** AFN04 F36 in bytes (0 or unset = no limit). */
  readonly threshold: () => number;
  /** This month's bytes in + out, including counts not yet flushed to the store. */
  readonly monthTotal: () => number;
  /** The current local month key (YYYYMM). */
  readonly month: () => number;
  /** Persistent memory of the month ERC32 was last raised for (so a restart does not raise it again). */
  readonly alertedMonth: () => number | undefined;
  readonly setAlertedMonth: (month: number) => void;
  /** Records ERC32 (traffic this month, threshold). */
  readonly onExceeded: (monthBytes: number, threshold: number) => void;
  readonly logger: Logger;
}

export class FlowControl {
  readonly #o: FlowControlOptions;

  constructor(options: FlowControlOptions) {
    this.#o = options;
  }

  /** True while this month's traffic is over a non-zero F36 threshold. */
  get exceeded(): boolean {
    const threshold = this.#o.threshold();
    return threshold > 0 && this.#o.monthTotal() > threshold;
  }

  /** The gate active reports consult before sending: false while the monthly limit is exceeded. */
  reportsAllowed(): boolean {
    return !this.exceeded;
  }

  /** Raises ERC32 the first time in a month the threshold is exceeded. Called after each traffic flush. */
  check(): void {
    const threshold = this.#o.threshold();
    if (threshold <= 0) return;
    const total = this.#o.monthTotal();
    if (total <= threshold) return;
    const month = this.#o.month();
    if (this.#o.alertedMonth() === month) return;
    this.#o.setAlertedMonth(month);
    this.#o.logger.warn(
      { monthBytes: total, threshold },
      "monthly traffic threshold exceeded: reports suspended",
    );
    this.#o.onExceeded(total, threshold);
  }
}
