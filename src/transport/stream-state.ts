/**
 * The bookkeeping every `ByteStream` implementation shares: the data listeners, the open flag and the
 * `closed` promise. Transports keep only what is specific to their medium.
 */
export class StreamState {
  readonly closed: Promise<void>;
  readonly #listeners = new Set<(chunk: Uint8Array) => void>();
  #open: boolean;
  #resolveClosed!: () => void;

  constructor(open = true) {
    this.#open = open;
    this.closed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
    if (!open) this.#resolveClosed();
  }

  get isOpen(): boolean {
    return this.#open;
  }

  onData(listener: (chunk: Uint8Array) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Hands a received chunk to every listener (nothing once closed). */
  emit(chunk: Uint8Array): void {
    if (!this.#open) return;
    for (const listener of this.#listeners) listener(chunk);
  }

  /** Marks the stream closed and resolves `closed`; false when it already was closed. */
  finish(): boolean {
    if (!this.#open) return false;
    this.#open = false;
    this.#listeners.clear();
    this.#resolveClosed();
    return true;
  }
}
