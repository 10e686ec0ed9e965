/**
 * FieldAccess (src/terminal/field-access.ts) served by the engine: a master's AFN0C request for a meter's
 * data reads the meter now, through the same per-channel queue as collection but ahead of it (rank "live"),
 * and AFN10 F1 forwarding sends the master's frame the same way. Deadlines are times of the engine's clock
 * (the terminal clock the uplink uses too). A fresh value is also stored as the item's current reading.
 */
import { buildItem, findItem } from "../catalog/catalog.ts";
import type { Answer } from "../catalog/values.ts";
import type { DataItem } from "../protocol/gw1376-1/data-units.ts";
import type { Record_ } from "../protocol/gw1376-1/layout.ts";
import type { FieldAccess, ForwardRequest } from "../terminal/field-access.ts";
import { localTimeText } from "../terminal/local-time.ts";
import type { CollectEngine, EngineTerminal } from "./engine.ts";
import { readIdentifiers } from "./meter-reads.ts";
import { RANK } from "./port-worker.ts";
import { readingStatusItem } from "./status.ts";

export class EngineFieldAccess implements FieldAccess {
  readonly #engine: CollectEngine;
  readonly #terminal: EngineTerminal;

  constructor(engine: CollectEngine, terminal: EngineTerminal) {
    this.#engine = engine;
    this.#terminal = terminal;
  }

  async readCurrent(point: number, fn: number, deadline: number): Promise<DataItem | undefined> {
    const target = this.#engine.targets().find((t) => t.point === point);
    const item = findItem(0x0c, fn);
    const source = target === undefined ? undefined : item?.sources[target.edition];
    const worker = target === undefined ? undefined : this.#engine.worker(target.port);
    if (target === undefined || item === undefined || source === undefined || worker === undefined)
      return undefined;
    const cache = new Map<number, Answer>();
    const outcome = await readIdentifiers(worker, target, source.dis(1), RANK.live, cache, deadline);
    if (!outcome.ok) return undefined;
    const now = this.#terminal.clock.now();
    const value = buildItem(item, target.edition, (di) => cache.get(di), {
      readAt: localTimeText(now, this.#terminal.utcOffsetMinutes),
    });
    if (value === undefined) return undefined;
    if (this.#engine.running)
      this.#terminal.store.readings.put({ point, item: item.key, readAt: now, value });
    return { pn: point, fn, data: value };
  }

  readingStatus(): Record_ {
    return readingStatusItem(this.#engine, this.#terminal);
  }

  async forward(request: ForwardRequest): Promise<Uint8Array | undefined> {
    const worker = this.#engine.worker(request.port);
    if (worker === undefined) return undefined;
    return worker.forward(undefined, request.frame, request.timeoutMs, RANK.live);
  }
}
