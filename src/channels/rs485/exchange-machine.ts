/**
 * One request/answer exchange on an RS-485 line as a pure state machine (conventions §14): inputs are
 * "sent", "bytes" and "timer" with the time they happened; outputs are "arm the timer" and "done". Timers
 * and I/O belong to the channel, so the timing rules are unit-tested without time passing.
 *
 *   sending ──sent──► waiting ──first non-echo byte──► receiving ──complete answer frame──► done(frame)
 *                        │  ▲                            │    │
 *                        │  └──only echo / a preamble────┘    └──inter-byte silence──► done(garbage)
 *                        └──response timeout──► done(silence | garbage)
 *
 * Echo tolerance: a half-duplex adapter hands back what we sent. Frames in the request direction (D7 = 0)
 * are never an answer; they are counted and skipped, and their bytes do not start the answer clock.
 */
import { FrameSplitter } from "../../protocol/dlt645/splitter.ts";

export interface ExchangeTimeouts {
  /** From the end of our transmission to the first answer byte. */
  readonly responseMs: number;
  /** Longest silence between two bytes of one answer. */
  readonly interByteMs: number;
  /** Longest answer, first byte to last (bounds a line that trickles bytes for ever). */
  readonly maxAnswerMs: number;
}

export type ExchangeOutcome =
  /** The first complete frame in the answer direction (not judged here: address and content are the caller's). */
  | { readonly kind: "frame"; readonly frame: Uint8Array }
  /** Nothing but echo (or nothing at all) within the response timeout. */
  | { readonly kind: "silence" }
  /** Bytes arrived but no valid frame: noise, a collision, a cut-off frame. */
  | { readonly kind: "garbage"; readonly bytes: number };

export type ExchangeInput =
  | { readonly kind: "sent"; readonly at: number }
  | { readonly kind: "bytes"; readonly chunk: Uint8Array; readonly at: number }
  | { readonly kind: "timer"; readonly id: number; readonly at: number };

export type ExchangeEffect =
  /** (Re)arm the one timer of the exchange; it fires back as `{ kind: "timer", id }`. */
  | { readonly kind: "timer"; readonly id: number; readonly ms: number }
  | { readonly kind: "done"; readonly outcome: ExchangeOutcome };

type State = "sending" | "waiting" | "receiving" | "done";

export class ExchangeMachine {
  readonly timeouts: ExchangeTimeouts;
  /** Request-direction frames seen (echoes of our own request). */
  echoes = 0;
  #state: State = "sending";
  readonly #splitter = new FrameSplitter();
  #timerId = 0;
  #sentAt = 0;
  #firstByteAt: number | undefined;
  /** When the armed timer is meant to fire (a host timer may fire early by the loop's stale time). */
  #timerDue = 0;

  constructor(timeouts: ExchangeTimeouts) {
    this.timeouts = timeouts;
  }

  get state(): State {
    return this.#state;
  }

  /** Garbage so far: dropped bytes plus an incomplete frame. */
  get garbageBytes(): number {
    return this.#splitter.discarded + this.#splitter.pending;
  }

  handle(input: ExchangeInput): ExchangeEffect[] {
    if (this.#state === "done") return [];
    switch (input.kind) {
      case "sent":
        return this.#sent(input.at);
      case "bytes":
        return this.#bytes(input.chunk, input.at);
      case "timer":
        return input.id === this.#timerId ? this.#timer(input.at) : [];
    }
  }

  #arm(ms: number, at: number): ExchangeEffect {
    this.#timerId++;
    this.#timerDue = at + Math.max(0, ms);
    return { kind: "timer", id: this.#timerId, ms: Math.max(0, ms) };
  }

  #finish(outcome: ExchangeOutcome): ExchangeEffect[] {
    this.#state = "done";
    this.#timerId++;
    return [{ kind: "done", outcome }];
  }

  #sent(at: number): ExchangeEffect[] {
    if (this.#state !== "sending") return [];
    this.#sentAt = at;
    if (this.garbageBytes > 0) {
      this.#state = "receiving";
      return [this.#arm(this.timeouts.interByteMs, at)];
    }
    this.#state = "waiting";
    return [this.#arm(this.timeouts.responseMs, at)];
  }

  #bytes(chunk: Uint8Array, at: number): ExchangeEffect[] {
    const garbageBefore = this.#splitter.discarded;
    const frames = this.#splitter.push(chunk);
    for (const frame of frames) {
      if (isAnswerDirection(frame)) return this.#finish({ kind: "frame", frame });
      this.echoes++;
    }
    // Anything but complete echo frames (a preamble, part of a frame, noise) may be the answer starting.
    const activity =
      frames.length === 0 || this.#splitter.pending > 0 || this.#splitter.discarded > garbageBefore;
    // While our own bytes are still going out, whatever comes back waits for "sent" to be judged.
    if (this.#state === "sending") return [];
    if (activity) {
      this.#firstByteAt ??= at;
      this.#state = "receiving";
      const answerLeft = this.#firstByteAt + this.timeouts.maxAnswerMs - at;
      return [this.#arm(Math.min(this.timeouts.interByteMs, answerLeft), at)];
    }
    return this.#state === "receiving" && this.garbageBytes === 0 ? this.#backToWaiting(at) : [];
  }

  /** Only echo (or a bare preamble) came in: wait for the meter on the original response clock. */
  #backToWaiting(at: number): ExchangeEffect[] {
    const left = this.#sentAt + this.timeouts.responseMs - at;
    if (left <= 0) return this.#finish({ kind: "silence" });
    this.#state = "waiting";
    this.#firstByteAt = undefined;
    return [this.#arm(left, at)];
  }

  #timer(at: number): ExchangeEffect[] {
    if (this.#state === "sending") return [];
    // Measured silence, not the timer's word: a timer that fired early is re-armed for the rest.
    if (at < this.#timerDue) return [this.#arm(this.#timerDue - at, at)];
    const garbage = this.garbageBytes;
    if (garbage > 0) return this.#finish({ kind: "garbage", bytes: garbage });
    return this.#state === "receiving" ? this.#backToWaiting(at) : this.#finish({ kind: "silence" });
  }
}

/** D7 of the control byte of a frame cut by the splitter (starts at 68; C is at offset 8). */
function isAnswerDirection(frame: Uint8Array): boolean {
  return ((frame[8] ?? 0) & 0x80) !== 0;
}
