/**
 * Reads a list of identifiers from one meter through its port's queue and decodes each answer with the DL/T
 * 645 identifier table. A meter's abnormal answer ("no such data", DL/T 645 error byte) is an answer: the
 * value is null and the catalogue treats it as missing. A timeout, an undecodable answer or a closed channel
 * ends the read at once (a silent meter costs one exchange, not one per identifier) — except silence to an
 * identifier the catalogue says a meter may lack without refusing it, after the meter answered in this read.
 */
import { mayStaySilent } from "../catalog/catalog.ts";
import type { Answer } from "../catalog/values.ts";
import type { ReadFailure } from "../channels/meter-channel.ts";
import { decodeDiData } from "../protocol/dlt645/data.ts";
import type { PortWorker, Rank } from "./port-worker.ts";
import type { ReadTarget } from "./targets.ts";

export type ReadOutcome =
  | { readonly ok: true; readonly answers: ReadonlyMap<number, Answer> }
  | { readonly ok: false; readonly reason: ReadFailure; readonly detail?: string };

/**
 * Reads `dis` (skipping those already in `cache`, which receives every new answer). `deadline` is host time
 * after which nothing more is sent (live reads).
 */
export async function readIdentifiers(
  worker: PortWorker,
  target: ReadTarget,
  dis: readonly number[],
  rank: Rank,
  cache: Map<number, Answer> = new Map(),
  deadline?: number,
): Promise<ReadOutcome> {
  let answered = false;
  for (const di of dis) {
    if (cache.has(di)) continue;
    const result = await worker.read(
      { meter: target, di, ...(deadline === undefined ? {} : { deadline }) },
      rank,
    );
    if (!result.ok) {
      if (result.reason === "denied") {
        cache.set(di, null);
        continue;
      }
      // A meter that answered this read but is silent to an identifier it may lack: no such data.
      if (result.reason === "timeout" && answered && mayStaySilent(target.edition, di)) {
        cache.set(di, null);
        continue;
      }
      return result.detail === undefined
        ? { ok: false, reason: result.reason }
        : { ok: false, reason: result.reason, detail: result.detail };
    }
    const decoded = decodeDiData(target.edition, di, result.data);
    if (!decoded.ok) return { ok: false, reason: "bad-answer", detail: decoded.error.message };
    cache.set(di, decoded.value.value);
    answered = true;
  }
  return { ok: true, answers: cache };
}
