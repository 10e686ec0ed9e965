/**
 * One simulated RS-485 line with many virtual meters on it:
 *
 *   stream ──► FrameSplitter ──► every meter.handleFrame() ──► 0 answers: silence
 *                                                          ├─► 1 answer: written (after its fault delay)
 *                                                          └─► ≥2 answers: collision, garbled bytes written
 *
 * Every meter sees every frame; only addressed meters answer; broadcasts get no answer. When a wildcard
 * address selects several meters they all drive the line at once; the bytes that reach the master are
 * the bitwise AND of the overlapping answers (a dominant-zero model of drivers fighting on the pair) [L],
 * which a receiver sees as garbage, as on a real bus. Requests are handled one at a time, in order.
 */

import { FrameSplitter } from "../protocol/dlt645/splitter.ts";
import type { ByteStream } from "../transport/byte-stream.ts";
import type { VirtualMeter } from "./virtual-meter.ts";

/** What the bus needs of a meter (a `VirtualMeter`, or a stand-in that creates one on first use). */
export interface BusMeter {
  handleFrame(frame: Uint8Array): Uint8Array | undefined;
  readonly replyDelayMs: number;
}

export interface MeterBusStats {
  frames: number;
  answers: number;
  collisions: number;
  discardedBytes: number;
}

/** Overlaps answers that start together: AND of the bytes, as long as the longest answer. */
export function collide(answers: readonly Uint8Array[]): Uint8Array {
  const length = Math.max(...answers.map((a) => a.length));
  const out = new Uint8Array(length).fill(0xff);
  for (const answer of answers)
    for (let i = 0; i < answer.length; i++) out[i] = (out[i] as number) & (answer[i] as number);
  return out;
}

export class MeterBus<M extends BusMeter = VirtualMeter> {
  readonly meters: M[];
  readonly stats: MeterBusStats = { frames: 0, answers: 0, collisions: 0, discardedBytes: 0 };
  readonly #splitter = new FrameSplitter();
  #queue: Promise<void> = Promise.resolve();
  #unsubscribe: (() => void) | undefined;
  #stream: ByteStream | undefined;

  constructor(meters: M[]) {
    this.meters = meters;
  }

  /** Answers the frames arriving on `stream` until `detach` or the stream closes. */
  attach(stream: ByteStream): void {
    this.detach();
    this.#stream = stream;
    this.#unsubscribe = stream.onData((chunk) => {
      for (const frame of this.#splitter.push(chunk)) {
        this.#queue = this.#queue.then(() => this.#serve(stream, frame)).catch(() => undefined);
      }
      this.stats.discardedBytes = this.#splitter.discarded;
    });
  }

  detach(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#stream = undefined;
    this.#splitter.reset();
  }

  /** Waits until every frame received so far has been answered. */
  idle(): Promise<void> {
    return this.#queue;
  }

  /** The answers for one frame, without I/O (also used by tests and benches). */
  answersFor(frame: Uint8Array): { meter: M; bytes: Uint8Array }[] {
    const out: { meter: M; bytes: Uint8Array }[] = [];
    for (const meter of this.meters) {
      const bytes = meter.handleFrame(frame);
      if (bytes !== undefined) out.push({ meter, bytes });
    }
    return out;
  }

  async #serve(stream: ByteStream, frame: Uint8Array): Promise<void> {
    this.stats.frames++;
    const answers = this.answersFor(frame);
    if (answers.length === 0 || !stream.isOpen || this.#stream !== stream) return;
    const delay = Math.max(...answers.map((a) => a.meter.replyDelayMs));
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    if (answers.length === 1) {
      this.stats.answers++;
      await stream.write((answers[0] as { bytes: Uint8Array }).bytes);
    } else {
      this.stats.collisions++;
      await stream.write(collide(answers.map((a) => a.bytes)));
    }
  }
}
