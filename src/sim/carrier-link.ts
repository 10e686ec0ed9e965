/**
 * An in-memory serial line between a DCU and a virtual carrier module, timed by an injected `Clock`:
 * with `baud` set, each byte occupies the line for `bitsPerByte / baud` seconds (9600 8E1 = 11 bits), per
 * direction, so frames queue like on a real UART. With a simulated clock the whole network runs in
 * simulated time (the benchmark); with the system clock it runs in real time.
 *
 * (The general-purpose transports live in src/transport/; this one exists because the carrier benchmark
 * needs pacing on an injected clock.)
 */
import type { Clock } from "../common/clock.ts";
import type { ByteStream } from "../transport/byte-stream.ts";

export interface CarrierLinkOptions {
  /** Line rate; omit for "as fast as possible" (delivery on the next clock turn). */
  readonly baud?: number;
  /** 11 for 8E1 (start + 8 data + parity + stop). */
  readonly bitsPerByte?: number;
}

class LinkEnd implements ByteStream {
  readonly label: string;
  peer: LinkEnd | undefined;
  readonly #clock: Clock;
  readonly #byteMs: number;
  readonly #listeners = new Set<(chunk: Uint8Array) => void>();
  #lineFreeAt = 0;
  #open = true;
  #resolveClosed: () => void = () => {};
  readonly closed: Promise<void>;
  bytesSent = 0;

  constructor(label: string, clock: Clock, byteMs: number) {
    this.label = label;
    this.#clock = clock;
    this.#byteMs = byteMs;
    this.closed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
  }

  get isOpen(): boolean {
    return this.#open;
  }

  write(bytes: Uint8Array): Promise<void> {
    if (!this.#open) return Promise.reject(new Error(`${this.label} is closed`));
    const copy = bytes.slice();
    this.bytesSent += copy.length;
    const now = this.#clock.now();
    const start = Math.max(now, this.#lineFreeAt);
    const done = start + copy.length * this.#byteMs;
    this.#lineFreeAt = done;
    return new Promise((resolve) => {
      this.#clock.setTimer(done - now, () => {
        this.peer?.deliver(copy);
        resolve();
      });
    });
  }

  deliver(chunk: Uint8Array): void {
    if (!this.#open) return;
    for (const l of this.#listeners) l(chunk);
  }

  onData(listener: (chunk: Uint8Array) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  close(): Promise<void> {
    if (this.#open) {
      this.#open = false;
      this.#listeners.clear();
      this.#resolveClosed();
      if (this.peer?.isOpen) void this.peer.close();
    }
    return Promise.resolve();
  }
}

export interface CarrierLink {
  readonly dcu: ByteStream & { readonly bytesSent: number };
  readonly module: ByteStream & { readonly bytesSent: number };
}

export function createCarrierLink(clock: Clock, options: CarrierLinkOptions = {}): CarrierLink {
  const byteMs = options.baud ? ((options.bitsPerByte ?? 11) * 1000) / options.baud : 0;
  const dcu = new LinkEnd("carrier-link:dcu", clock, byteMs);
  const module = new LinkEnd("carrier-link:module", clock, byteMs);
  dcu.peer = module;
  module.peer = dcu;
  return { dcu, module };
}

/** Time one byte occupies a serial line. */
export function byteTimeMs(baud: number, bitsPerByte = 11): number {
  return (bitsPerByte * 1000) / baud;
}
