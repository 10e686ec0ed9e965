/**
 * Duplicate suppression with FCB/FCV (shared/protocol/gw1376-1.md §1.3 [H]): a master that sets FCV=1 toggles
 * FCB for every new request and keeps it for a retransmission (which also keeps the PSEQ, §2.2). So a frame
 * from the same master (MSA) with FCV=1 and the same FCB, PSEQ and AFN as the previous one is a repeat: it
 * gets the cached answer again instead of being executed twice (a retried AFN04/AFN05 must not act twice).
 * Frames with FCV=0 are always new.
 *
 * Bounded: one entry per MSA, at most `maxEntries` MSAs (least recently used dropped first) and `maxBytes` of
 * cached frames in total; an answer larger than `maxBytes / 4` is not cached (large answers are queries, for
 * which executing twice is harmless).
 */
import type { Message } from "../protocol/gw1376-1/message.ts";

export interface RepeatFilterOptions {
  readonly maxEntries?: number;
  readonly maxBytes?: number;
}

interface Entry {
  readonly fcb: number;
  readonly pseq: number;
  readonly afn: number;
  /** Undefined while the original request is still being served. */
  frames: readonly Uint8Array[] | undefined;
  /** The answer was too large to keep: a repeat is executed again. */
  uncached: boolean;
  bytes: number;
}

export type RepeatVerdict =
  /** A new request: serve it, then `remember` the answer. */
  | { readonly kind: "new" }
  /** A repeat whose answer is cached: send these frames again. */
  | { readonly kind: "resend"; readonly frames: readonly Uint8Array[] }
  /** A repeat of a request still being served: drop it (the answer is on its way). */
  | { readonly kind: "in-flight" };

const NEW: RepeatVerdict = { kind: "new" };

export class RepeatFilter {
  readonly #entries = new Map<number, Entry>();
  readonly #maxEntries: number;
  readonly #maxBytes: number;
  #bytes = 0;

  constructor(options: RepeatFilterOptions = {}) {
    this.#maxEntries = options.maxEntries ?? 16;
    this.#maxBytes = options.maxBytes ?? 64 * 1024;
  }

  /** Bytes of cached answers held now. */
  get bytes(): number {
    return this.#bytes;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Classifies a master-initiated request; a new FCV=1 request becomes this master's current entry. */
  check(request: Message): RepeatVerdict {
    if (request.control.fcv !== 1) return NEW;
    const msa = request.address.master;
    const previous = this.#entries.get(msa);
    if (
      previous !== undefined &&
      previous.fcb === request.control.fcbAcd &&
      previous.pseq === request.seq.seq &&
      previous.afn === request.afn &&
      !previous.uncached
    ) {
      // Refresh recency (Map keeps insertion order: delete + set moves it to the end).
      this.#entries.delete(msa);
      this.#entries.set(msa, previous);
      return previous.frames === undefined
        ? { kind: "in-flight" }
        : { kind: "resend", frames: previous.frames };
    }
    this.#drop(msa);
    this.#entries.set(msa, {
      fcb: request.control.fcbAcd,
      pseq: request.seq.seq,
      afn: request.afn,
      frames: undefined,
      uncached: false,
      bytes: 0,
    });
    while (this.#entries.size > this.#maxEntries) this.#dropOldest();
    return NEW;
  }

  /** Stores the answer of a request `check` called new (ignored for FCV=0 or a superseded entry). */
  remember(request: Message, frames: readonly Uint8Array[]): void {
    if (request.control.fcv !== 1) return;
    const entry = this.#entries.get(request.address.master);
    if (
      entry === undefined ||
      entry.frames !== undefined ||
      entry.fcb !== request.control.fcbAcd ||
      entry.pseq !== request.seq.seq ||
      entry.afn !== request.afn
    ) {
      return;
    }
    const size = frames.reduce((sum, f) => sum + f.length, 0);
    if (size > this.#maxBytes / 4) {
      entry.uncached = true;
      entry.frames = [];
      return;
    }
    entry.frames = frames;
    entry.bytes = size;
    this.#bytes += size;
    while (this.#bytes > this.#maxBytes && this.#entries.size > 0) this.#dropOldest();
  }

  /** Forgets the in-flight entry of a request that was dropped unserved (its retransmission is then new). */
  forget(request: Message): void {
    const entry = this.#entries.get(request.address.master);
    if (
      entry?.frames === undefined &&
      entry?.fcb === request.control.fcbAcd &&
      entry.pseq === request.seq.seq
    ) {
      this.#drop(request.address.master);
    }
  }

  clear(): void {
    this.#entries.clear();
    this.#bytes = 0;
  }

  #drop(msa: number): void {
    const entry = this.#entries.get(msa);
    if (entry === undefined) return;
    this.#bytes -= entry.bytes;
    this.#entries.delete(msa);
  }

  #dropOldest(): void {
    const oldest = this.#entries.keys().next();
    if (!oldest.done) this.#drop(oldest.value);
  }
}
