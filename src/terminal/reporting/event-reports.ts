/**
 * Important events become active reports (shared/protocol/gw1376-1.md §3.5 [M-H], NUC `Terminal_AutoEvent`):
 * each new record of the important ring is queued in the outbox as one AFN0E F1 data unit,
 * `EC1 EC2 Pm Pn record` with Pm = the record's slot and Pn = the slot after it. General events are not
 * reported; the master reads them with AFN0E F2.
 *
 * Nothing is queued while the master has forbidden active reporting (AFN05 F37): the event stays in its ring
 * and ACD/EC announce it on the next reply.
 */
import type { Logger } from "../../common/logger.ts";
import { encodeDataUnits } from "../../protocol/gw1376-1/data-units.ts";
import { type Gw13761Profile, PROFILE_2013 } from "../../protocol/gw1376-1/profile.ts";
import { EVENT_RING_SIZE } from "../../store/events-repo.ts";
import { recordValue } from "../handlers/afn0e-events.ts";
import type { TerminalCore } from "../terminal-core.ts";

export const AFN0E = 0x0e;

export interface EventReportOptions {
  /** AFN05 F29/F37 state (reporting-switch.ts). */
  readonly allowed: () => boolean;
  readonly outboxMax: number;
  /** A report was queued: the reporter may send it. */
  readonly onQueued: () => void;
  readonly logger: Logger;
  readonly profile?: Gw13761Profile;
}

/** Subscribes to the event recorder; returns the unsubscribe function. */
export function queueImportantEventReports(core: TerminalCore, options: EventReportOptions): () => void {
  return core.events.onEvent((event) => {
    if (event.ring !== "important" || !options.allowed()) return;
    const { ec1, ec2 } = core.store.events.counters();
    const item = {
      pn: 0,
      fn: 1,
      data: {
        ec1,
        ec2,
        pm: event.slot,
        pn: (event.slot + 1) % EVENT_RING_SIZE,
        records: [recordValue(event)],
      },
    };
    const units = encodeDataUnits(
      AFN0E,
      1,
      [{ pns: [0], fns: [1], items: [item] }],
      options.profile ?? PROFILE_2013,
    );
    const { id, dropped } = core.store.outbox.add(
      { kind: "event", afn: AFN0E, units, eventSlot: event.slot },
      core.clock.now(),
      options.outboxMax,
    );
    if (dropped > 0) {
      options.logger.warn(
        { dropped, total: core.store.outbox.droppedTotal() },
        "report outbox full: oldest dropped",
      );
    }
    options.logger.info({ id, erc: event.erc, slot: event.slot }, "event report queued");
    options.onQueued();
  });
}
