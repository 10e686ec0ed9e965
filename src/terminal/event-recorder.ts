/**
 * Records terminal events (ERC) into the store's two rings as AFN04 F9 says (shared/protocol/gw1376-1.md
 * §4.3 F9 [H]): the first BS64 says which ERCs are recorded (bit i = ERC i+1), the second which of those are
 * important (1) or general (0). EC1/EC2 then move as §3.6 defines (see store/events-repo.ts).
 */
import type { Clock } from "../common/clock.ts";
import type { Logger } from "../common/logger.ts";
import type { EventRing } from "../store/events-repo.ts";
import type { Store } from "../store/store.ts";

/** Until the master sets F9: record every ERC; these are important (a configuration choice, not a fact). */
export const DEFAULT_IMPORTANT_ERCS: readonly number[] = [1, 2, 3, 14, 20, 21, 31, 37, 38, 39, 41];

export interface EventConfig {
  readonly record: ReadonlySet<number>;
  readonly important: ReadonlySet<number>;
}

export interface RecordedEvent {
  readonly erc: number;
  readonly ring: EventRing;
  readonly slot: number;
  readonly record: Uint8Array;
}

export type EventListener = (event: RecordedEvent) => void;

/** Decodes an F9 body (16 bytes) into the two ERC sets; undefined when it is not 16 bytes. */
export function eventConfigFromF9(body: Uint8Array): EventConfig | undefined {
  if (body.length !== 16) return undefined;
  const bits = (offset: number): Set<number> => {
    const out = new Set<number>();
    for (let erc = 1; erc <= 64; erc++) {
      const i = erc - 1;
      if (((body[offset + (i >> 3)] as number) >> (i & 7)) & 1) out.add(erc);
    }
    return out;
  };
  return { record: bits(0), important: bits(8) };
}

/** The F9 body for a configuration (used for factory defaults and tests). */
export function f9FromEventConfig(config: EventConfig): Uint8Array {
  const out = new Uint8Array(16);
  for (const [offset, set] of [
    [0, config.record],
    [8, config.important],
  ] as const) {
    for (const erc of set) {
      if (erc < 1 || erc > 64) continue;
      const i = erc - 1;
      out[offset + (i >> 3)] = (out[offset + (i >> 3)] as number) | (1 << (i & 7));
    }
  }
  return out;
}

export const DEFAULT_EVENT_CONFIG: EventConfig = {
  record: new Set(Array.from({ length: 64 }, (_, i) => i + 1)),
  important: new Set(DEFAULT_IMPORTANT_ERCS),
};

export class EventRecorder {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #listeners = new Set<EventListener>();

  constructor(store: Store, clock: Clock, logger: Logger) {
    this.#store = store;
    this.#clock = clock;
    this.#logger = logger;
  }

  /** The configuration in force: F9 when set (and well-formed), else the defaults. */
  config(): EventConfig {
    const f9 = this.#store.parameters.get(9, 0);
    return (f9 === undefined ? undefined : eventConfigFromF9(f9.body)) ?? DEFAULT_EVENT_CONFIG;
  }

  /**
   * Stores a complete `ERC Le content` record in the ring F9 assigns; returns undefined when F9 says this
   * ERC is not recorded. Listeners (active reporting, ACD) hear about it after the commit.
   */
  record(record: Uint8Array): RecordedEvent | undefined {
    const erc = record[0] as number;
    const config = this.config();
    if (!config.record.has(erc)) {
      this.#logger.debug({ erc }, "event not recorded: disabled by AFN04 F9");
      return undefined;
    }
    const ring: EventRing = config.important.has(erc) ? "important" : "general";
    const slot = this.#store.events.append(ring, record, this.#clock.now());
    const event: RecordedEvent = { erc, ring, slot, record };
    this.#logger.info({ erc, ring, slot }, "terminal event recorded");
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        this.#logger.error({ erc, error: String(error) }, "event listener failed");
      }
    }
    return event;
  }

  /** Adds a listener; returns a function that removes it. */
  onEvent(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
