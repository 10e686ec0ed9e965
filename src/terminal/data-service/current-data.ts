/**
 * Serves AFN0C requests from the item sources (item-sources.ts): p0 items computed now, per-point items from
 * the readings repo. When live access to the meters is present, a named point whose stored reading is older
 * than the freshness window (or missing) is read live, all such reads of one request running together under
 * one deadline; a read that does not answer in time falls back to the stored value.
 *
 *   request items ─► plan (pn, Fn) ─► stored readings ──────────────┐
 *                                   └► stale & named ─► field.readCurrent ─► answer (request order)
 *
 * The handler never writes readings: the reading engine stores what it reads.
 */
import { ALL_POINTS } from "../../protocol/gw1376-1/dadt.ts";
import type { DataItem } from "../../protocol/gw1376-1/data-units.ts";
import type { Reading } from "../../store/readings-repo.ts";
import { AFN0C_SOURCES } from "./current-sources.ts";
import { encodableItem } from "./encodable.ts";
import {
  type CurrentItemSource,
  DEFAULT_LIVE_READ_POLICY,
  itemKey,
  type LiveReadPolicy,
  type SourceContext,
} from "./item-sources.ts";

const AFN0C = 0x0c;

/** One (pn, Fn) answer slot: a computed value, or a stored reading that a live read may replace. */
type Slot =
  | { readonly kind: "value"; readonly pn: number; readonly fn: number; readonly data: unknown }
  | {
      readonly kind: "point";
      readonly pn: number;
      readonly fn: number;
      readonly stored: Reading | undefined;
      /** A named point (not "all points") whose item may be read live. */
      readonly liveAllowed: boolean;
      live?: Promise<DataItem | undefined>;
    };

export interface CurrentDataOptions {
  readonly sources?: ReadonlyMap<number, CurrentItemSource>;
  readonly policy?: LiveReadPolicy;
}

/** The AFN0C answer items for `items` (left out: points and Fn without data). Never rejects on bad data. */
export async function serveCurrentData(
  ctx: SourceContext,
  items: readonly DataItem[],
  options: CurrentDataOptions = {},
): Promise<DataItem[]> {
  const sources = options.sources ?? AFN0C_SOURCES;
  const policy = options.policy ?? DEFAULT_LIVE_READ_POLICY;
  const slots: Slot[] = [];
  for (const item of items) {
    const source = sources.get(item.fn);
    if (source === undefined) continue;
    if (source.scope === "terminal") {
      if (item.pn !== 0) continue;
      const produced = await source.read(ctx);
      for (const data of Array.isArray(produced) ? produced : [produced])
        slots.push({ kind: "value", pn: 0, fn: item.fn, data });
      continue;
    }
    if (item.pn === 0) continue;
    const key = itemKey(AFN0C, item.fn);
    if (item.pn === ALL_POINTS) {
      for (const stored of ctx.core.store.readings.forItem(key))
        slots.push({ kind: "point", pn: stored.point, fn: item.fn, stored, liveAllowed: false });
      continue;
    }
    slots.push({
      kind: "point",
      pn: item.pn,
      fn: item.fn,
      stored: ctx.core.store.readings.get(item.pn, key),
      liveAllowed: source.live !== false,
    });
  }
  await readLive(ctx, slots, policy);

  const answers: DataItem[] = [];
  for (const slot of slots) {
    const data = slot.kind === "value" ? slot.data : ((await slot.live)?.data ?? slot.stored?.value);
    if (data === undefined) continue;
    const item = encodableItem(AFN0C, slot.pn, slot.fn, data, ctx.logger);
    if (item !== undefined) answers.push(item);
  }
  return answers;
}

/** Starts the live reads (stale or missing readings of named points, up to the cap) and waits for them. */
async function readLive(ctx: SourceContext, slots: Slot[], policy: LiveReadPolicy): Promise<void> {
  const field = ctx.field;
  if (field === undefined) return;
  const now = ctx.core.clock.now();
  const candidates = slots.filter(
    (s): s is Slot & { kind: "point" } =>
      s.kind === "point" &&
      s.liveAllowed &&
      (s.stored === undefined || now - s.stored.readAt > policy.freshnessMs),
  );
  if (candidates.length === 0) return;
  // FieldAccess deadlines are host time; the terminal clock may carry an offset the master set.
  const deadline = now - ctx.core.clock.offsetMs + policy.timeoutMs;
  let expire: () => void = () => undefined;
  const expired = new Promise<undefined>((resolve) => {
    expire = () => resolve(undefined);
  });
  // Our own timer as well: a field implementation that overruns its deadline must not hold the link.
  const timer = ctx.core.clock.setTimer(policy.timeoutMs + 1000, expire);
  try {
    for (const slot of candidates.slice(0, policy.maxReadsPerRequest)) {
      const read = field.readCurrent(slot.pn, slot.fn, deadline).then(
        (item) => (item !== undefined && item.pn === slot.pn && item.fn === slot.fn ? item : undefined),
        (error: unknown) => {
          ctx.logger?.warn({ pn: slot.pn, fn: slot.fn, error: String(error) }, "live read failed");
          return undefined;
        },
      );
      slot.live = Promise.race([read, expired]);
    }
    await Promise.all(slots.map((s) => (s.kind === "point" ? s.live : undefined)));
  } finally {
    timer.cancel();
    expire();
  }
}
