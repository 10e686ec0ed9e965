/**
 * A bounded, ordered writer for one connection (conventions §15): frames are written one after another;
 * when a slow peer lets more than `maxFrames` pile up, new frames are dropped and counted, so a master that
 * stops reading cannot grow the daemon's memory.
 */
import type { Logger } from "../common/logger.ts";
import type { ByteStream } from "../transport/byte-stream.ts";

export class OutboundQueue {
  readonly #stream: ByteStream;
  readonly #maxFrames: number;
  readonly #logger: Logger;
  readonly #onSent: (bytes: number) => void;
  #queued = 0;
  #tail: Promise<void> = Promise.resolve();
  #dropped = 0;

  constructor(stream: ByteStream, maxFrames: number, logger: Logger, onSent: (bytes: number) => void) {
    this.#stream = stream;
    this.#maxFrames = maxFrames;
    this.#logger = logger;
    this.#onSent = onSent;
  }

  /** Frames dropped because the queue was full or the link had closed. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Resolves when every frame queued so far has been written (or dropped). */
  get idle(): Promise<void> {
    return this.#tail;
  }

  /** Queues `frame`; resolves true once written, false when dropped. Never rejects. */
  send(frame: Uint8Array): Promise<boolean> {
    if (this.#queued >= this.#maxFrames || !this.#stream.isOpen) {
      this.#dropped++;
      this.#logger.warn({ queued: this.#queued, dropped: this.#dropped }, "outbound frame dropped");
      return Promise.resolve(false);
    }
    this.#queued++;
    const written = this.#tail.then(async () => {
      try {
        await this.#stream.write(frame);
        this.#onSent(frame.length);
        return true;
      } catch (error) {
        this.#dropped++;
        this.#logger.warn({ error: String(error) }, "outbound write failed");
        return false;
      } finally {
        this.#queued--;
      }
    });
    this.#tail = written.then(() => undefined);
    return written;
  }
}
