/**
 * One RS-485 port as a `MeterChannel`: a bounded priority queue in front of a line that carries one
 * exchange at a time.
 *
 *   read / forward / broadcast / probe ──► RequestQueue (live > scheduled > supplementary, bounded)
 *        │                                     │ one job at a time
 *        └── deadline timer: expired ◄──       ▼
 *                                    ensure port open (line of this meter; re-open after errors, back-off)
 *                                              │
 *                          gap ──► write FE…FE + frame ──► ExchangeMachine ◄── bytes (echo skipped)
 *                                              │                 └── timers (Clock)
 *                                  frame / silence / garbage ──► judged, retried, continued (D5)
 *
 * Pause (AFN05 F49) stops scheduled and supplementary work but still serves live requests (a master is
 * waiting for a forwarded frame or a fresh value) [L: the standard only says "pause reading"]; resume
 * (F50) lets it run again; restart (F51) also re-opens the port.
 */
import type { Clock, TimerHandle } from "../../common/clock.ts";
import { type Logger, silentLogger } from "../../common/logger.ts";
import { PREAMBLE_BYTE } from "../../protocol/dlt645/frame.ts";
import { MAX_FRAME_LENGTH } from "../../protocol/dlt645/splitter.ts";
import type { ByteStream } from "../../transport/byte-stream.ts";
import {
  joinData,
  judgeReadAnswer,
  MAX_CONTINUATION_FRAMES,
  type ReadAnswer,
  readFrame,
  readNextFrame,
} from "../dlt645-read.ts";
import type {
  ChannelStats,
  MeterChannel,
  MeterReadRequest,
  MeterReadResult,
  MeterTarget,
  ReadFailure,
  ReadPriority,
} from "../meter-channel.ts";
import { RequestQueue } from "../request-queue.ts";
import {
  type ExchangeEffect,
  ExchangeMachine,
  type ExchangeOutcome,
  type ExchangeTimeouts,
} from "./exchange-machine.ts";
import { DLT645_DEFAULT_LINE, type LineSettings, lineForMeter, sameLine } from "./line-settings.ts";
import { DEFAULT_RS485_TIMING, exchangeTimeouts, interFrameGapMs, type Rs485Timing } from "./rs485-timing.ts";

export interface Rs485ChannelOptions {
  /** 1376.1 port number (2..). */
  readonly port: number;
  /** The port's line (AFN04 F34 or the start-up file); meters with their own F10 rate override the baud. */
  readonly line?: LineSettings;
  /** Opens the port with the given line settings (serial port, socat pty, simulated bus). */
  readonly open: (line: LineSettings) => Promise<ByteStream>;
  readonly clock: Clock;
  readonly logger?: Logger;
  readonly timing?: Partial<Rs485Timing>;
  /** Requests waiting at most (default 256). */
  readonly queueCapacity?: number;
}

/** What one raw exchange (search probes, diagnostics) ended with. */
export type ProbeOutcome = ExchangeOutcome | { readonly kind: "unavailable"; readonly detail: string };

/** Counters beyond the MeterChannel stats, for logs, AFN0C status and tests. */
export interface Rs485Counters {
  attempts: number;
  retries: number;
  timeouts: number;
  garbage: number;
  wrongAnswers: number;
  denied: number;
  echoes: number;
  expired: number;
  queueDropped: number;
  portOpens: number;
  portErrors: number;
}

/** Largest frame accepted for transparent forwarding (a DL/T 645 frame with a preamble). */
const MAX_FORWARD_BYTES = MAX_FRAME_LENGTH + 4;

interface Job {
  readonly priority: ReadPriority;
  readonly deadline: number | undefined;
  readonly line: LineSettings;
  readonly execute: (stream: ByteStream) => Promise<void>;
  readonly fail: (reason: ReadFailure, detail: string) => void;
  expiry?: TimerHandle;
}

type Attempt = { readonly kind: "answer"; readonly answer: ReadAnswer } | ExchangeFailure;
type ExchangeFailure = { readonly kind: "failure"; readonly reason: ReadFailure; readonly detail: string };

export class Rs485Channel implements MeterChannel {
  readonly port: number;
  readonly kind = "rs485" as const;
  readonly counters: Rs485Counters = {
    attempts: 0,
    retries: 0,
    timeouts: 0,
    garbage: 0,
    wrongAnswers: 0,
    denied: 0,
    echoes: 0,
    expired: 0,
    queueDropped: 0,
    portOpens: 0,
    portErrors: 0,
  };
  readonly #open: (line: LineSettings) => Promise<ByteStream>;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #timing: Rs485Timing;
  readonly #queue: RequestQueue<Job>;
  #line: LineSettings;
  #stream: ByteStream | undefined;
  #streamLine: LineSettings | undefined;
  #nextOpenAt = 0;
  #reopenDelay: number;
  #quietUntil = 0;
  #paused = false;
  #closed = false;
  #pump: Promise<void> | undefined;
  #serving = false;
  /** Ends the exchange in progress when the port closes under it. */
  #abortExchange: ((detail: string) => void) | undefined;
  #stats = { requests: 0, answered: 0, failed: 0, bytesOut: 0, bytesIn: 0, busyMs: 0 };

  constructor(options: Rs485ChannelOptions) {
    this.port = options.port;
    this.#line = options.line ?? DLT645_DEFAULT_LINE;
    this.#open = options.open;
    this.#clock = options.clock;
    this.#logger = (options.logger ?? silentLogger).child({ module: "rs485", port: options.port });
    this.#timing = { ...DEFAULT_RS485_TIMING, ...options.timing };
    this.#reopenDelay = this.#timing.reopenInitialMs;
    this.#queue = new RequestQueue(options.queueCapacity ?? 256);
  }

  get paused(): boolean {
    return this.#paused;
  }

  /** The port's default line (meters without their own rate use it). */
  /** The timing in force (defaults with the start-up file's overrides). */
  get timing(): Rs485Timing {
    return this.#timing;
  }

  get line(): LineSettings {
    return this.#line;
  }

  /** Waiting requests. */
  get queued(): number {
    return this.#queue.size;
  }

  /** New port parameters (AFN04 F34 changed): used from the next exchange on. */
  configure(line: LineSettings): void {
    this.#line = line;
  }

  stats(): ChannelStats {
    return { ...this.#stats };
  }

  // -------------------------------------------------------------------------------------------------------
  // MeterChannel

  read(request: MeterReadRequest): Promise<MeterReadResult> {
    this.#stats.requests++;
    return new Promise((resolve) => {
      const settle = (result: MeterReadResult): void => {
        if (result.ok) this.#stats.answered++;
        else this.#stats.failed++;
        resolve(result);
      };
      this.#enqueue({
        priority: request.priority,
        deadline: request.deadline,
        line: this.#lineFor(request.meter),
        fail: (reason, detail) => settle({ ok: false, reason, detail }),
        execute: async () => settle(await this.#readNow(request)),
      });
    });
  }

  forward(
    meter: MeterTarget | undefined,
    frame: Uint8Array,
    timeoutMs: number,
  ): Promise<Uint8Array | undefined> {
    if (frame.length === 0 || frame.length > MAX_FORWARD_BYTES || !(timeoutMs > 0))
      return Promise.resolve(undefined);
    const bytes = frame[0] === PREAMBLE_BYTE ? frame : this.#withPreamble(frame);
    const line = meter === undefined ? this.#line : this.#lineFor(meter);
    return new Promise((resolve) => {
      this.#enqueue({
        priority: "live",
        deadline: this.#clock.now() + timeoutMs,
        line,
        fail: () => resolve(undefined),
        execute: async (stream) => {
          const timeouts = { ...exchangeTimeouts(line, this.#timing), responseMs: timeoutMs };
          const outcome = await this.#exchange(stream, bytes, timeouts);
          resolve(outcome.kind === "frame" ? outcome.frame : undefined);
        },
      });
    });
  }

  broadcast(frame: Uint8Array): Promise<void> {
    if (frame.length === 0 || frame.length > MAX_FORWARD_BYTES) return Promise.resolve();
    const bytes = frame[0] === PREAMBLE_BYTE ? frame : this.#withPreamble(frame);
    return new Promise((resolve) => {
      this.#enqueue({
        priority: "scheduled",
        deadline: undefined,
        line: this.#line,
        fail: () => resolve(),
        execute: async (stream) => {
          try {
            await stream.write(bytes);
            this.#stats.bytesOut += bytes.length;
          } catch (error) {
            this.#portFailed(error);
          }
          // Meters act on a broadcast without answering; give them the answer window to digest it.
          this.#quietUntil = this.#clock.now() + exchangeTimeouts(this.#line, this.#timing).responseMs;
          resolve();
        },
      });
    });
  }

  /**
   * One raw exchange without retries or judgement (meter search): the first answer-direction frame, silence
   * or garbage. `responseMs` overrides the line's response timeout.
   */
  probe(
    frame: Uint8Array,
    options: { priority?: ReadPriority; line?: LineSettings; responseMs?: number } = {},
  ): Promise<ProbeOutcome> {
    const line = options.line ?? this.#line;
    const bytes = frame[0] === PREAMBLE_BYTE ? frame : this.#withPreamble(frame);
    return new Promise((resolve) => {
      this.#enqueue({
        priority: options.priority ?? "scheduled",
        deadline: undefined,
        line,
        fail: (_reason, detail) => resolve({ kind: "unavailable", detail }),
        execute: async (stream) => {
          const base = exchangeTimeouts(line, this.#timing);
          const timeouts =
            options.responseMs === undefined ? base : { ...base, responseMs: options.responseMs };
          const outcome = await this.#exchange(stream, bytes, timeouts);
          if (outcome.kind === "garbage") this.counters.garbage++;
          else if (outcome.kind === "silence") this.counters.timeouts++;
          resolve(outcome.kind === "port-error" ? { kind: "unavailable", detail: outcome.detail } : outcome);
        },
      });
    });
  }

  pause(): void {
    this.#paused = true;
    for (const job of this.#queue.takeWhere((j) => j.priority !== "live"))
      this.#settleEarly(job, "unavailable", "port paused");
  }

  resume(): void {
    this.#paused = false;
  }

  /** AFN05 F51: resume and re-open the port before the next exchange. */
  async restart(): Promise<void> {
    this.#paused = false;
    const stream = this.#stream;
    this.#stream = undefined;
    this.#nextOpenAt = 0;
    this.#reopenDelay = this.#timing.reopenInitialMs;
    await stream?.close();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const job of this.#queue.takeWhere(() => true))
      this.#settleEarly(job, "unavailable", "channel closed");
    await this.#pump;
    await this.#stream?.close();
    this.#stream = undefined;
  }

  // -------------------------------------------------------------------------------------------------------
  // Queue

  #lineFor(meter: MeterTarget): LineSettings {
    return lineForMeter(this.#line, meter.baud);
  }

  #withPreamble(frame: Uint8Array): Uint8Array {
    const out = new Uint8Array(this.#timing.preambleBytes + frame.length).fill(PREAMBLE_BYTE);
    out.set(frame, this.#timing.preambleBytes);
    return out;
  }

  #settleEarly(job: Job, reason: ReadFailure, detail: string): void {
    job.expiry?.cancel();
    if (reason === "expired") this.counters.expired++;
    job.fail(reason, detail);
  }

  #enqueue(job: Job): void {
    if (this.#closed) {
      job.fail("unavailable", "channel closed");
      return;
    }
    if (this.#paused && job.priority !== "live") {
      job.fail("unavailable", "port paused");
      return;
    }
    if (job.deadline !== undefined && this.#clock.now() >= job.deadline) {
      this.#settleEarly(job, "expired", "deadline already passed");
      return;
    }
    const result = this.#queue.push(job);
    if (!result.accepted) {
      this.counters.queueDropped++;
      job.fail("unavailable", "queue full");
      return;
    }
    if (result.evicted !== undefined) {
      this.counters.queueDropped++;
      this.#settleEarly(result.evicted, "unavailable", "queue full: displaced by a more urgent request");
    }
    if (job.deadline !== undefined) {
      job.expiry = this.#clock.setTimer(job.deadline - this.#clock.now(), () => {
        if (this.#queue.remove(job)) this.#settleEarly(job, "expired", "deadline passed while queued");
      });
    }
    if (!this.#serving) {
      this.#serving = true;
      this.#pump = this.#serve();
    }
  }

  /** Serves the queue until it is empty; `#serving` drops in the same turn the queue is found empty. */
  async #serve(): Promise<void> {
    for (;;) {
      const job = this.#queue.shift();
      if (job === undefined) {
        this.#serving = false;
        return;
      }
      job.expiry?.cancel();
      if (job.deadline !== undefined && this.#clock.now() >= job.deadline) {
        this.#settleEarly(job, "expired", "deadline passed while queued");
        continue;
      }
      try {
        const stream = await this.#ensureOpen(job.line);
        if (typeof stream === "string") {
          job.fail("unavailable", stream);
          continue;
        }
        await job.execute(stream);
      } catch (error) {
        // A bug in a job must not stop the port; the job's promise is settled as a failure.
        this.#logger.error({ error: String(error) }, "rs485 job failed");
        job.fail("unavailable", `internal error: ${String(error)}`);
      }
    }
  }

  // -------------------------------------------------------------------------------------------------------
  // Port

  /** The open stream for `line`, or the reason there is none. */
  async #ensureOpen(line: LineSettings): Promise<ByteStream | string> {
    const current = this.#stream;
    if (current?.isOpen && this.#streamLine !== undefined && sameLine(this.#streamLine, line)) return current;
    if (current !== undefined) {
      this.#stream = undefined;
      await current.close();
    }
    const now = this.#clock.now();
    if (now < this.#nextOpenAt)
      return `port closed after an error; re-open in ${Math.ceil(this.#nextOpenAt - now)} ms`;
    try {
      const stream = await this.#open(line);
      this.counters.portOpens++;
      // One subscription per opened stream (not per exchange): a port that closes under an exchange ends it.
      stream.closed.then(
        () => {
          if (this.#stream === stream) this.#abortExchange?.("port closed during the exchange");
        },
        () => undefined,
      );
      this.#stream = stream;
      this.#streamLine = line;
      this.#reopenDelay = this.#timing.reopenInitialMs;
      this.#nextOpenAt = 0;
      return stream;
    } catch (error) {
      this.#nextOpenAt = this.#clock.now() + this.#reopenDelay;
      this.#logger.warn({ error: String(error), retryInMs: this.#reopenDelay }, "rs485 port open failed");
      this.#reopenDelay = Math.min(this.#timing.reopenMaxMs, this.#reopenDelay * 2);
      return `port open failed: ${String(error)}`;
    }
  }

  #portFailed(error: unknown): void {
    this.counters.portErrors++;
    this.#logger.warn({ error: String(error) }, "rs485 port error; re-opening");
    const stream = this.#stream;
    this.#stream = undefined;
    void stream?.close();
  }

  // -------------------------------------------------------------------------------------------------------
  // Exchanges

  #wait(until: number): Promise<void> {
    const ms = until - this.#clock.now();
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => this.#clock.setTimer(ms, resolve));
  }

  /** One request on the wire and its answer (or not), after the inter-frame gap. */
  async #exchange(
    stream: ByteStream,
    bytes: Uint8Array,
    timeouts: ExchangeTimeouts,
  ): Promise<ExchangeOutcome | { readonly kind: "port-error"; readonly detail: string }> {
    await this.#wait(this.#quietUntil);
    if (!stream.isOpen) {
      this.#portFailed("closed before the exchange");
      return { kind: "port-error", detail: "port closed" };
    }
    this.counters.attempts++;
    const machine = new ExchangeMachine(timeouts);
    const started = this.#clock.now();
    let received = 0;
    const outcome = await new Promise<ExchangeOutcome | { kind: "port-error"; detail: string }>((resolve) => {
      let timer: TimerHandle | undefined;
      let finished = false;
      const finish = (o: ExchangeOutcome | { kind: "port-error"; detail: string }): void => {
        if (finished) return;
        finished = true;
        timer?.cancel();
        unsubscribe();
        this.#abortExchange = undefined;
        resolve(o);
      };
      const apply = (effects: readonly ExchangeEffect[]): void => {
        for (const e of effects) {
          if (e.kind === "done") {
            finish(e.outcome);
            return;
          }
          timer?.cancel();
          // Let already-arrived bytes be handled before a timeout is believed (a busy event loop can run a
          // late timer before the I/O that beat it).
          timer = this.#clock.setTimer(e.ms, () =>
            setImmediate(() => apply(machine.handle({ kind: "timer", id: e.id, at: this.#clock.now() }))),
          );
        }
      };
      const unsubscribe = stream.onData((chunk) => {
        received += chunk.length;
        apply(machine.handle({ kind: "bytes", chunk, at: this.#clock.now() }));
      });
      this.#abortExchange = (detail) => finish({ kind: "port-error", detail });
      stream.write(bytes).then(
        () => apply(machine.handle({ kind: "sent", at: this.#clock.now() })),
        (error: unknown) => finish({ kind: "port-error", detail: String(error) }),
      );
    });
    const ended = this.#clock.now();
    // The line was busy whatever the outcome; only answered exchanges count as useful bytes.
    this.#stats.busyMs += ended - started;
    this.#quietUntil =
      ended + interFrameGapMs(this.#streamLine ?? this.#line, this.#timing, outcome.kind === "frame");
    this.counters.echoes += machine.echoes;
    if (outcome.kind === "port-error") {
      this.#portFailed(outcome.detail);
      return outcome;
    }
    if (outcome.kind === "frame") {
      // Useful traffic: what we sent and what came back, less what the adapter echoed.
      this.#stats.bytesOut += bytes.length;
      this.#stats.bytesIn += Math.max(0, received - machine.echoes * bytes.length);
    }
    return outcome;
  }

  /** Sends a frame (made fresh per attempt) until it gets a judgeable answer or the retries run out. */
  async #ask(request: MeterReadRequest, frame: Uint8Array): Promise<Attempt> {
    const line = this.#lineFor(request.meter);
    const timeouts = exchangeTimeouts(line, this.#timing);
    let last: ExchangeFailure = { kind: "failure", reason: "timeout", detail: "no attempt" };
    for (let attempt = 0; attempt <= this.#timing.retries; attempt++) {
      if (attempt > 0) {
        // A resend that cannot finish before the deadline is not worth the line time.
        const deadline = request.deadline;
        if (deadline !== undefined && this.#clock.now() + timeouts.responseMs > deadline) return last;
        this.counters.retries++;
      }
      // Cheap when open; re-opens after a port error in the previous attempt.
      const stream = await this.#ensureOpen(line);
      if (typeof stream === "string") return { kind: "failure", reason: "unavailable", detail: stream };
      const outcome = await this.#exchange(stream, frame, timeouts);
      switch (outcome.kind) {
        case "frame": {
          const answer = judgeReadAnswer(
            outcome.frame,
            request.meter.address,
            request.meter.edition,
            request.di,
          );
          if (answer.kind !== "bad") return { kind: "answer", answer };
          this.counters.wrongAnswers++;
          last = { kind: "failure", reason: "bad-answer", detail: answer.detail };
          break;
        }
        case "silence":
          this.counters.timeouts++;
          last = {
            kind: "failure",
            reason: "timeout",
            detail: `no answer within ${Math.round(timeouts.responseMs)} ms`,
          };
          break;
        case "garbage":
          this.counters.garbage++;
          last = {
            kind: "failure",
            reason: "bad-answer",
            detail: `${outcome.bytes} bytes without a valid frame (noise or collision)`,
          };
          break;
        case "port-error":
          last = { kind: "failure", reason: "unavailable", detail: outcome.detail };
          break;
      }
    }
    return last;
  }

  async #readNow(request: MeterReadRequest): Promise<MeterReadResult> {
    const { meter, di } = request;
    const preamble = { preamble: this.#withPreamble(new Uint8Array(0)) };
    const parts: Uint8Array[] = [];
    let frame = readFrame(meter, di, request.params, preamble);
    for (let seq = 1; seq <= MAX_CONTINUATION_FRAMES + 1; seq++) {
      const attempt = await this.#ask(request, frame);
      if (attempt.kind === "failure") return { ok: false, reason: attempt.reason, detail: attempt.detail };
      const answer = attempt.answer;
      if (answer.kind === "denied") {
        this.counters.denied++;
        return { ok: false, reason: "denied", detail: answer.detail };
      }
      if (answer.kind === "bad") return { ok: false, reason: "bad-answer", detail: answer.detail };
      parts.push(answer.data);
      if (!answer.more) return { ok: true, data: joinData(parts), at: this.#clock.now() };
      frame = readNextFrame(meter, di, seq, preamble);
    }
    return {
      ok: false,
      reason: "bad-answer",
      detail: `more than ${MAX_CONTINUATION_FRAMES} continuation frames`,
    };
  }
}
