/**
 * The bounded priority queue every channel serves its work from (conventions §15): live requests (a master
 * is waiting) before scheduled work before supplementary re-reads, first-in first-out within a priority.
 *
 * When full, a newcomer with a higher priority than the lowest queued one takes the place of the newest
 * entry of that lowest priority (which the caller fails as "queue full"); otherwise the newcomer itself is
 * refused. Both cases are counted, so an overloaded port is visible, never silently unbounded.
 */
import type { ReadPriority } from "./meter-channel.ts";

/** Priority order, most urgent first. */
export const PRIORITIES: readonly ReadPriority[] = ["live", "scheduled", "supplementary"];

export interface Queued {
  readonly priority: ReadPriority;
}

export type EnqueueResult<T> =
  | { readonly accepted: true; readonly evicted?: T }
  | { readonly accepted: false };

export class RequestQueue<T extends Queued> {
  readonly capacity: number;
  /** Entries refused or evicted because the queue was full. */
  dropped = 0;
  readonly #lanes = new Map<ReadPriority, T[]>(PRIORITIES.map((p) => [p, []]));
  #size = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`queue capacity ${capacity} is not a positive integer`);
    this.capacity = capacity;
  }

  get size(): number {
    return this.#size;
  }

  #lane(priority: ReadPriority): T[] {
    const lane = this.#lanes.get(priority);
    if (lane === undefined) throw new RangeError(`unknown priority ${String(priority)}`);
    return lane;
  }

  push(item: T): EnqueueResult<T> {
    const lane = this.#lane(item.priority);
    if (this.#size < this.capacity) {
      lane.push(item);
      this.#size++;
      return { accepted: true };
    }
    const rank = PRIORITIES.indexOf(item.priority);
    for (let r = PRIORITIES.length - 1; r > rank; r--) {
      const victims = this.#lane(PRIORITIES[r] as ReadPriority);
      const evicted = victims.pop();
      if (evicted !== undefined) {
        lane.push(item);
        this.dropped++;
        return { accepted: true, evicted };
      }
    }
    this.dropped++;
    return { accepted: false };
  }

  /** The most urgent entry, removed from the queue. */
  shift(): T | undefined {
    for (const p of PRIORITIES) {
      const item = this.#lane(p).shift();
      if (item !== undefined) {
        this.#size--;
        return item;
      }
    }
    return undefined;
  }

  /** Removes one entry (a request whose deadline passed while queued); false if it was not queued. */
  remove(item: T): boolean {
    const lane = this.#lane(item.priority);
    const at = lane.indexOf(item);
    if (at < 0) return false;
    lane.splice(at, 1);
    this.#size--;
    return true;
  }

  /** Removes and returns every entry for which `select` is true (pause: the non-live work). */
  takeWhere(select: (item: T) => boolean): T[] {
    const out: T[] = [];
    for (const p of PRIORITIES) {
      const lane = this.#lane(p);
      const keep: T[] = [];
      for (const item of lane) (select(item) ? out : keep).push(item);
      lane.splice(0, lane.length, ...keep);
    }
    this.#size -= out.length;
    return out;
  }
}
