/**
 * How far the master has read the important-event ring, for ACD/EC on replies (shared/protocol/gw1376-1.md
 * §2.4, §3.5 [H]): ACD=1 while important events exist that the master has not read; reading them with AFN0E
 * F1 (or confirming their active report) clears it.
 *
 * Kept as a count in the ring's running total (not as an EC1 pointer), so that 256 unread events — a full lap
 * of the pointer — still count as unread. Persisted in kv: a restart does not raise ACD for events already read.
 */
import { EVENT_RING_SIZE } from "../../store/events-repo.ts";
import type { Store } from "../../store/store.ts";

/** kv key: number of important events (in the ring's running total) the master has read. */
export const IMPORTANT_READ_KEY = "uplink.importantReadTotal";

/** Important events not yet read by the master (at most the 256 the ring still holds). */
export function unreadImportantEvents(store: Store): number {
  const total = store.events.counters().importantTotal;
  return total - readTotal(store, total);
}

/** True when ACD must be set on replies. */
export function importantEventsPending(store: Store): boolean {
  return unreadImportantEvents(store) > 0;
}

/**
 * The master has read (or received) the important records in Pm..Pn (Pm inclusive, Pn exclusive, wrapping;
 * Pm = Pn is a whole lap, §3.6). The read mark moves over the unread records that this range covers, oldest
 * first, and stops at the first unread record it does not cover. Returns the number still unread.
 */
export function markImportantRead(store: Store, pm: number, pn: number): number {
  const { ec1, importantTotal: total } = store.events.counters();
  const read = readTotal(store, total);
  const unread = total - read;
  const covered = pm < pn ? pn - pm : EVENT_RING_SIZE + pn - pm;
  const oldestUnread = (((ec1 - unread) % EVENT_RING_SIZE) + EVENT_RING_SIZE) % EVENT_RING_SIZE;
  let k = 0;
  while (k < unread && (oldestUnread + k - pm + 2 * EVENT_RING_SIZE) % EVENT_RING_SIZE < covered) k++;
  if (k > 0 || read !== store.kv.getNumber(IMPORTANT_READ_KEY, 0)) store.kv.set(IMPORTANT_READ_KEY, read + k);
  return unread - k;
}

function readTotal(store: Store, total: number): number {
  const stored = store.kv.getNumber(IMPORTANT_READ_KEY, 0);
  // AFN01 F2–F4 clear the rings and restart the totals at 0: a mark beyond the total belongs to the old rings.
  if (stored > total) return 0;
  // Records overwritten before anyone read them cannot be read any more; they do not keep ACD set.
  return Math.max(stored, total - EVENT_RING_SIZE);
}
