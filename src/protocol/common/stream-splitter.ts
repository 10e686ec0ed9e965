/**
 * The stateful side of frame splitting, shared by every codec (conventions §7): each codec provides a pure
 * split function over "previous rest + new bytes"; this class keeps the carry-over between chunks and counts
 * what was dropped, so every link reports drops the same way.
 */

/** What one pure split pass over a buffer yields. */
export interface SplitResult {
  /** Complete, valid frames. */
  readonly frames: Uint8Array[];
  /** Bytes dropped as garbage, preamble noise or corrupt frames. */
  readonly discarded: number;
  /** The unconsumed tail to prepend to the next chunk (bounded by each codec's maximum frame). */
  readonly rest: Uint8Array;
}

export type SplitFunction = (buffer: Uint8Array) => SplitResult;

const EMPTY = new Uint8Array(0);

export class StreamSplitter {
  readonly #split: SplitFunction;
  #carry: Uint8Array = EMPTY;
  #discarded = 0;

  constructor(split: SplitFunction) {
    this.#split = split;
  }

  /** Feeds a chunk; returns the frames it completed. */
  push(chunk: Uint8Array): Uint8Array[] {
    let buffer = chunk;
    if (this.#carry.length > 0) {
      buffer = new Uint8Array(this.#carry.length + chunk.length);
      buffer.set(this.#carry);
      buffer.set(chunk, this.#carry.length);
    }
    const result = this.#split(buffer);
    this.#carry = result.rest;
    this.#discarded += result.discarded;
    return result.frames;
  }

  /** Bytes waiting for the rest of a frame. */
  get pending(): number {
    return this.#carry.length;
  }

  /** Total bytes dropped since creation, including partial frames dropped by `reset`. */
  get discarded(): number {
    return this.#discarded;
  }

  /** Drops a partial frame (a link calls this when a frame has not completed within its timeout). */
  reset(): void {
    this.#discarded += this.#carry.length;
    this.#carry = EMPTY;
  }
}
