/**
 * A Hayes AT command client over a byte stream (the cellular modem's AT port): one command at a time, the
 * answer collected line by line up to the final result code (`OK`, `ERROR`, `+CME ERROR: n`, `+CMS ERROR:
 * n`), within a timeout on the injected clock. The modem's echo of the command and unsolicited result
 * codes are tolerated: the caller picks the lines it expects. Bounded: a line longer than `maxLineBytes` or
 * more than `maxLines` lines in one answer are dropped and counted, never buffered without limit.
 *
 * A command that timed out may still be answered (a busy modem, or a host whose event loop stalled): its
 * late lines must not become the next command's answer, or every answer after it is one off (the model
 * read as "AT+CGMI"). After a timeout the client waits for that final result code, or `drainMs` of
 * nothing, before it sends the next command; and an echoed command that is not the current one starts a
 * stale answer, skipped up to its final code.
 *
 *   command() ─► queue ─► "AT+CSQ\r" ─► ByteStream ─► lines ─► final code ─► AtResult
 */
import type { Clock, TimerHandle } from "../../common/clock.ts";
import type { ByteStream } from "../../transport/byte-stream.ts";

export type AtResult =
  | { readonly ok: true; readonly lines: readonly string[] }
  | {
      readonly ok: false;
      readonly reason: "error" | "timeout" | "closed";
      readonly lines: readonly string[];
      /** The final result text for "error" (e.g. `+CME ERROR: 10`). */
      readonly detail?: string;
    };

export interface AtClientOptions {
  readonly stream: ByteStream;
  readonly clock: Clock;
  readonly timeoutMs?: number;
  readonly maxLineBytes?: number;
  readonly maxLines?: number;
  /** Commands waiting behind the current one; more are refused as "closed"-like errors. */
  readonly maxQueued?: number;
  /** After a timeout, how long to wait for the late answer's final code before the next command. */
  readonly drainMs?: number;
}

interface Pending {
  readonly command: string;
  readonly resolve: (result: AtResult) => void;
}

const FINAL_ERROR = /^(ERROR|\+CME ERROR:.*|\+CMS ERROR:.*|NO CARRIER)$/;
/** Commands are plain printable ASCII starting with AT (no CR/LF injection into the modem). */
const COMMAND = /^AT[\x20-\x7e]{0,120}$/i;

export class AtClient {
  /** Lines dropped for being too long, and answers cut at `maxLines`. */
  dropped = 0;
  readonly #stream: ByteStream;
  readonly #clock: Clock;
  readonly #timeoutMs: number;
  readonly #maxLineBytes: number;
  readonly #maxLines: number;
  readonly #maxQueued: number;
  readonly #queue: Pending[] = [];
  readonly #unsubscribe: () => void;
  #current: { pending: Pending; lines: string[]; timer: TimerHandle; skipping: boolean } | undefined;
  readonly #drainMs: number;
  /** Set while waiting out a timed-out command's late answer. */
  #draining: TimerHandle | undefined;
  #partial = "";
  #closed = false;

  constructor(options: AtClientOptions) {
    this.#stream = options.stream;
    this.#clock = options.clock;
    this.#timeoutMs = options.timeoutMs ?? 3000;
    this.#maxLineBytes = options.maxLineBytes ?? 512;
    this.#maxLines = options.maxLines ?? 32;
    this.#maxQueued = options.maxQueued ?? 16;
    this.#drainMs = options.drainMs ?? 1000;
    this.#unsubscribe = this.#stream.onData((chunk) => this.#onData(chunk));
    void this.#stream.closed.then(() => this.#onClosed());
  }

  /** Sends `command` (e.g. "AT+CSQ") and resolves with its answer; never rejects. */
  command(command: string): Promise<AtResult> {
    if (!COMMAND.test(command)) throw new RangeError(`not an AT command: ${JSON.stringify(command)}`);
    if (this.#closed) return Promise.resolve({ ok: false, reason: "closed", lines: [] });
    if (this.#queue.length >= this.#maxQueued)
      return Promise.resolve({ ok: false, reason: "closed", lines: [] });
    return new Promise((resolve) => {
      this.#queue.push({ command, resolve });
      if (this.#current === undefined && this.#draining === undefined) this.#next();
    });
  }

  close(): void {
    this.#onClosed();
    this.#unsubscribe();
  }

  #next(): void {
    const pending = this.#queue.shift();
    if (pending === undefined) return;
    const timer = this.#clock.setTimer(this.#timeoutMs, () =>
      this.#finish({ ok: false, reason: "timeout", lines: this.#current?.lines ?? [] }),
    );
    this.#current = { pending, lines: [], timer, skipping: false };
    this.#partial = "";
    this.#stream.write(new TextEncoder().encode(`${pending.command}\r`)).catch(() => {
      this.#finish({ ok: false, reason: "closed", lines: [] });
    });
  }

  #finish(result: AtResult): void {
    const current = this.#current;
    if (current === undefined) return;
    current.timer.cancel();
    this.#current = undefined;
    current.pending.resolve(result);
    if (this.#closed) return;
    if (!result.ok && result.reason === "timeout")
      this.#draining = this.#clock.setTimer(this.#drainMs, () => this.#endDrain());
    else this.#next();
  }

  #endDrain(): void {
    this.#draining?.cancel();
    this.#draining = undefined;
    if (!this.#closed) this.#next();
  }

  #onData(chunk: Uint8Array): void {
    // latin1 keeps every byte one character, so a garbage byte cannot swallow a line end
    let text = this.#partial;
    for (const byte of chunk) text += String.fromCharCode(byte);
    const parts = text.split(/\r\n|\r|\n/);
    this.#partial = parts.pop() ?? "";
    if (this.#partial.length > this.#maxLineBytes) {
      this.#partial = "";
      this.dropped++;
    }
    for (const raw of parts) this.#onLine(raw.trim());
  }

  #onLine(line: string): void {
    if (line === "") return;
    const final = line === "OK" || FINAL_ERROR.test(line);
    const current = this.#current;
    if (current === undefined) {
      // Unsolicited output between commands, or the late answer of a command that timed out.
      if (final && this.#draining !== undefined) this.#endDrain();
      return;
    }
    if (line.toUpperCase() === current.pending.command.toUpperCase()) {
      current.skipping = false; // our own echo (ATE1): what follows is our answer
      return;
    }
    if (/^AT/i.test(line)) {
      current.skipping = true; // the echo of another command: a stale answer follows
      return;
    }
    if (current.skipping) {
      if (final) current.skipping = false;
      return;
    }
    if (line === "OK") {
      this.#finish({ ok: true, lines: current.lines });
      return;
    }
    if (FINAL_ERROR.test(line)) {
      this.#finish({ ok: false, reason: "error", lines: current.lines, detail: line });
      return;
    }
    if (current.lines.length >= this.#maxLines) {
      this.dropped++;
      return;
    }
    current.lines.push(line);
  }

  #onClosed(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#draining?.cancel();
    this.#draining = undefined;
    const waiting = this.#queue.splice(0);
    this.#finish({ ok: false, reason: "closed", lines: [] });
    for (const p of waiting) p.resolve({ ok: false, reason: "closed", lines: [] });
  }
}
