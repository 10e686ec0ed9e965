/**
 * One uplink connection on the terminal side (shared/protocol/gw1376-1.md §3.3).
 *
 *   ByteStream ─► FrameSplitter (partial-frame timeout) ─► decodeMessage ─► address / Tp checks
 *        ▲                                                        │
 *        │                              PRM=0 (master's AFN00) ◄──┼──► PRM=1 request ─► Dispatcher
 *   OutboundQueue ◄── reply frames (RSEQ = PSEQ, Tp echoed, ACD+EC) ◄──────────────────────┘
 *
 * Bad input never throws out of here: undecodable frames, frames for other terminals and stale Tp labels are
 * dropped, counted and logged.
 */
import type { Clock, TimerHandle } from "../common/clock.ts";
import type { Logger } from "../common/logger.ts";
import { toHex } from "../protocol/common/hex.ts";
import { daFromPns, dtFromFns } from "../protocol/gw1376-1/dadt.ts";
import { type DataItem, encodeDataUnits } from "../protocol/gw1376-1/data-units.ts";
import { type Control, type EventCounters, encodeFrame, type Seq } from "../protocol/gw1376-1/frame.ts";
import { decodeMessage, encodeMessage, type Message } from "../protocol/gw1376-1/message.ts";
import { encodeMultiFrame } from "../protocol/gw1376-1/multi-frame.ts";
import { type Gw13761Profile, PROFILE_2013 } from "../protocol/gw1376-1/profile.ts";
import { FrameSplitter } from "../protocol/gw1376-1/splitter.ts";
import type { HandlerReply } from "../terminal/dispatcher.ts";
import type { ByteStream } from "../transport/byte-stream.ts";
import { matchAddress, type TerminalIdentity } from "./address-match.ts";
import { OutboundQueue } from "./outbound-queue.ts";
import type { PwVerdict } from "./pw-check.ts";
import { DEFAULT_RATE_LIMIT, InputRateLimiter, type RateLimitOptions, worthLogging } from "./rate-limit.ts";
import { RepeatFilter, type RepeatFilterOptions } from "./repeat-filter.ts";
import { isTimeLabelStale } from "./time-label.ts";
import type { TrafficSink } from "./traffic-meter.ts";

/** Important-event state for ACD/EC on replies (§2.4, §3.5). */
export interface EventCounterSource {
  counters(): EventCounters;
  /** True when important events exist that the master has not read (ACD=1 → EC appended). */
  importantPending(): boolean;
}

export interface LinkSessionOptions {
  readonly stream: ByteStream;
  readonly identity: TerminalIdentity;
  readonly handle: (request: Message) => HandlerReply | Promise<HandlerReply>;
  /** Requests waiting for the handler; beyond this a flooding peer's requests are dropped (counted). */
  readonly maxPendingRequests?: number;
  readonly clock: Clock;
  readonly utcOffsetMinutes: number;
  readonly logger: Logger;
  readonly profile?: Gw13761Profile;
  /** NUC: 5 s on Ethernet (§1.5 [H]). */
  readonly partialFrameTimeoutMs?: number;
  readonly maxQueuedFrames?: number;
  readonly events?: EventCounterSource;
  /** Master's replies (PRM=0) — confirms of login / heartbeat / logout. */
  readonly onResponse?: (message: Message) => void;
  /** Any valid frame for this terminal (restarts the heartbeat timer, §3.2). */
  readonly onValidFrame?: () => void;
  /** PW check (§3.3 step 3) run just before a request is served; a refusal is answered AFN00 F2. */
  readonly authenticate?: (request: Message) => PwVerdict;
  /** Called after a refused PW (the daemon records ERC20). */
  readonly onAuthFailure?: (request: Message, reason: string) => void;
  /** Traffic statistics: every byte in and out of this link is reported here. */
  readonly traffic?: TrafficSink;
  /** FCB/FCV duplicate suppression (repeat-filter.ts); `false` turns it off. */
  readonly repeatFilter?: RepeatFilterOptions | false;
  /** Input rate limits (rate-limit.ts); `false` turns them off. */
  readonly rateLimit?: RateLimitOptions | false;
  /**
   * Close the link when no valid frame for this terminal arrived for this long (server mode: a dead or
   * slow-loris peer must not hold a connection slot; NUC: heartbeat period + 60 s [M]). Read at each re-arm.
   */
  readonly idleTimeoutMs?: () => number;
}

export interface LinkCounters {
  bytesIn: number;
  bytesOut: number;
  framesIn: number;
  framesOut: number;
  decodeErrors: number;
  notForUs: number;
  staleTp: number;
  /** Requests dropped because too many were already waiting for the handler. */
  requestsDropped: number;
  partialTimeouts: number;
  /** FCB repeats answered again from the cache. */
  repeatsResent: number;
  /** FCB repeats of a request still being served (dropped: its answer is on the way). */
  repeatsDropped: number;
  /** Requests refused by the PW check. */
  authFailures: number;
  /** Bytes dropped unprocessed by the input byte-rate limit. */
  bytesThrottled: number;
  /** Valid requests dropped by the request-rate limit. */
  requestsThrottled: number;
  /** 1 when the link was closed for idleness. */
  idleTimeouts: number;
}

export class LinkSession {
  readonly counters: LinkCounters = {
    bytesIn: 0,
    bytesOut: 0,
    framesIn: 0,
    framesOut: 0,
    decodeErrors: 0,
    notForUs: 0,
    staleTp: 0,
    requestsDropped: 0,
    partialTimeouts: 0,
    repeatsResent: 0,
    repeatsDropped: 0,
    authFailures: 0,
    bytesThrottled: 0,
    requestsThrottled: 0,
    idleTimeouts: 0,
  };
  readonly #o: LinkSessionOptions;
  readonly #profile: Gw13761Profile;
  readonly #splitter = new FrameSplitter();
  readonly #queue: OutboundQueue;
  readonly #logger: Logger;
  readonly #unsubscribe: () => void;
  readonly #repeats: RepeatFilter | undefined;
  readonly #responseListeners = new Set<(message: Message) => void>();
  readonly #limiter: InputRateLimiter | undefined;
  #partialTimer: TimerHandle | undefined;
  #idleTimer: TimerHandle | undefined;
  #throttledChunks = 0;
  #pfc = 0;
  /** Requests not yet answered; served strictly one after another so replies keep the request order. */
  readonly #pending: Message[] = [];
  #serving = false;
  #servingDone: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(options: LinkSessionOptions) {
    this.#o = options;
    this.#profile = options.profile ?? PROFILE_2013;
    this.#logger = options.logger.child({ peer: options.stream.label });
    this.#queue = new OutboundQueue(options.stream, options.maxQueuedFrames ?? 64, this.#logger, (n) => {
      this.counters.bytesOut += n;
      this.counters.framesOut++;
      options.traffic?.countOut(n);
    });
    this.#repeats = options.repeatFilter === false ? undefined : new RepeatFilter(options.repeatFilter);
    this.#limiter =
      options.rateLimit === false
        ? undefined
        : new InputRateLimiter(options.rateLimit ?? DEFAULT_RATE_LIMIT, options.clock);
    this.#unsubscribe = options.stream.onData((chunk) => this.#onChunk(chunk));
    void options.stream.closed.then(() => this.#stop());
    this.#armIdleTimer();
  }

  get stream(): ByteStream {
    return this.#o.stream;
  }

  get droppedOutbound(): number {
    return this.#queue.dropped;
  }

  /** Sends a terminal-initiated frame (PRM=1, MSA=0: §1.4); returns the PSEQ used. */
  sendInitiated(
    afn: number,
    fc: number,
    items: readonly DataItem[],
    con: boolean,
  ): { pseq: number; sent: Promise<boolean> } {
    const groups = items.map((item) => ({ pns: [item.pn], fns: [item.fn], items: [item] }));
    return this.sendInitiatedUnits(afn, fc, encodeDataUnits(afn, 1, groups, this.#profile), con);
  }

  /**
   * Sends a terminal-initiated frame whose data units are already encoded (active reports from the outbox).
   * `repeatPseq` resends an earlier frame under its own sequence number: a retransmission does not advance
   * the PFC (§2.2).
   */
  sendInitiatedUnits(
    afn: number,
    fc: number,
    userData: Uint8Array,
    con: boolean,
    repeatPseq?: number,
  ): { pseq: number; sent: Promise<boolean> } {
    let pseq: number;
    if (repeatPseq === undefined) {
      pseq = this.#pfc & 0x0f;
      this.#pfc = (this.#pfc + 1) & 0xff;
    } else {
      pseq = repeatPseq & 0x0f;
    }
    const control: Control = { dir: 1, prm: 1, fcbAcd: 0, fcv: 0, fc };
    const seq: Seq = { tpv: false, fir: true, fin: true, con, seq: pseq };
    const address = {
      area: this.#o.identity.area,
      terminal: this.#o.identity.terminal,
      master: 0,
      group: false,
    };
    const frame = encodeFrame({ control, address, afn, seq, userData }, this.#profile);
    return { pseq, sent: this.#queue.send(frame) };
  }

  /** Subscribes to the master's replies (PRM=0) on this link, e.g. its confirms of active reports. */
  onMasterResponse(listener: (message: Message) => void): () => void {
    this.#responseListeners.add(listener);
    return () => this.#responseListeners.delete(listener);
  }

  close(): Promise<void> {
    return this.#o.stream.close();
  }

  #stop(): void {
    this.#stopped = true;
    this.#pending.length = 0;
    this.#unsubscribe();
    this.#partialTimer?.cancel();
    this.#partialTimer = undefined;
    this.#idleTimer?.cancel();
    this.#idleTimer = undefined;
  }

  /** (Re)starts the idle timer; any valid frame for this terminal calls it. */
  #armIdleTimer(): void {
    const idleMs = this.#o.idleTimeoutMs?.();
    if (idleMs === undefined || this.#stopped) return;
    this.#idleTimer?.cancel();
    this.#idleTimer = this.#o.clock.setTimer(idleMs, () => {
      this.#idleTimer = undefined;
      this.counters.idleTimeouts++;
      this.#logger.warn({ idleMs, ...this.counters }, "no valid frame within the idle timeout; closing");
      void this.close();
    });
  }

  #onChunk(chunk: Uint8Array): void {
    this.counters.bytesIn += chunk.length;
    this.#o.traffic?.countIn(chunk.length);
    if (this.#limiter !== undefined && !this.#limiter.acceptBytes(chunk.length)) {
      // Over the byte rate: the chunk is not even split; a frame it cut is lost, so start clean.
      this.counters.bytesThrottled += chunk.length;
      this.#splitter.reset();
      this.#partialTimer?.cancel();
      this.#partialTimer = undefined;
      if (worthLogging(++this.#throttledChunks)) {
        this.#logger.warn(
          { bytes: chunk.length, droppedBytes: this.counters.bytesThrottled },
          "input over the byte-rate limit: dropped",
        );
      }
      return;
    }
    let frames: Uint8Array[];
    try {
      frames = this.#splitter.push(chunk);
    } catch (error) {
      this.#logger.error({ error: String(error) }, "splitter failed; buffer reset");
      this.#splitter.reset();
      return;
    }
    for (const frame of frames) this.#onFrame(frame);
    this.#armPartialTimer();
  }

  /** A frame must complete within the timeout from its first byte; otherwise the partial bytes are dropped. */
  #armPartialTimer(): void {
    if (this.#splitter.pending === 0) {
      this.#partialTimer?.cancel();
      this.#partialTimer = undefined;
      return;
    }
    if (this.#partialTimer !== undefined) return;
    this.#partialTimer = this.#o.clock.setTimer(this.#o.partialFrameTimeoutMs ?? 5000, () => {
      this.#partialTimer = undefined;
      if (this.#splitter.pending > 0) {
        this.counters.partialTimeouts++;
        this.#logger.warn({ bytes: this.#splitter.pending }, "partial frame timed out; discarded");
        this.#splitter.reset();
      }
    });
  }

  #onFrame(bytes: Uint8Array): void {
    const decoded = decodeMessage(bytes, this.#profile);
    if (!decoded.ok) {
      this.counters.decodeErrors++;
      this.#logger.warn({ error: decoded.error, frame: toHex(bytes) }, "undecodable frame dropped");
      return;
    }
    const message = decoded.value;
    if (message.control.dir !== 0) {
      this.counters.notForUs++;
      this.#logger.debug({ afn: message.afn }, "uplink-direction frame dropped");
      return;
    }
    if (matchAddress(message.address, this.#o.identity) === undefined) {
      this.counters.notForUs++;
      this.#logger.debug({ address: message.address }, "frame for another terminal dropped");
      return;
    }
    if (
      message.tp !== undefined &&
      isTimeLabelStale(message.tp, this.#o.clock.now(), this.#o.utcOffsetMinutes)
    ) {
      // §2.4 [H]: stale frames are discarded without an answer.
      this.counters.staleTp++;
      this.#logger.warn({ tp: message.tp, afn: message.afn }, "stale Tp: frame discarded");
      return;
    }
    this.counters.framesIn++;
    this.#armIdleTimer();
    this.#o.onValidFrame?.();
    if (message.control.prm === 0) {
      this.#o.onResponse?.(message);
      for (const listener of this.#responseListeners) {
        try {
          listener(message);
        } catch (error) {
          this.#logger.error({ error: String(error) }, "response listener failed");
        }
      }
      return;
    }
    if (message.afn === 0x02 || message.afn === 0x00) {
      this.#logger.debug({ afn: message.afn }, "master-initiated link frame ignored");
      return;
    }
    const repeat = this.#repeats?.check(message);
    if (repeat?.kind === "resend") {
      this.counters.repeatsResent++;
      this.#logger.info({ afn: message.afn, pseq: message.seq.seq }, "repeated frame (FCB): answer resent");
      for (const frame of repeat.frames) void this.#queue.send(frame);
      return;
    }
    if (repeat?.kind === "in-flight") {
      this.counters.repeatsDropped++;
      this.#logger.debug({ afn: message.afn }, "repeated frame (FCB) while serving the original: dropped");
      return;
    }
    if (this.#limiter !== undefined && !this.#limiter.acceptRequest()) {
      this.counters.requestsThrottled++;
      this.#repeats?.forget(message);
      if (worthLogging(this.counters.requestsThrottled)) {
        this.#logger.warn(
          { afn: message.afn, dropped: this.counters.requestsThrottled },
          "request-rate limit: dropped",
        );
      }
      return;
    }
    if (this.#pending.length >= (this.#o.maxPendingRequests ?? 16)) {
      this.counters.requestsDropped++;
      this.#repeats?.forget(message);
      if (worthLogging(this.counters.requestsDropped)) {
        this.#logger.warn(
          { afn: message.afn, dropped: this.counters.requestsDropped },
          "too many requests waiting; request dropped",
        );
      }
      return;
    }
    this.#pending.push(message);
    void this.#serveNext();
  }

  /** Serves queued requests one at a time (a handler may await a live read). Never rejects. */
  async #serveNext(): Promise<void> {
    if (this.#serving) return;
    this.#serving = true;
    let finished!: () => void;
    this.#servingDone = new Promise((resolve) => {
      finished = resolve;
    });
    try {
      for (let message = this.#pending.shift(); message !== undefined; message = this.#pending.shift()) {
        const reply = await this.#serve(message);
        if (this.#stopped) return;
        this.#logger.info(
          { afn: message.afn, msa: message.address.master, reply: reply.kind },
          "request served",
        );
        const frames = this.#encodeReply(message, reply);
        this.#repeats?.remember(message, frames);
        if (frames.length === 1) void this.#queue.send(frames[0] as Uint8Array);
        // A long multi-frame answer (F1 daily data of 2,040 meters is ~100 frames) would overflow the bounded
        // outbound queue if queued at once: each frame waits for the previous one to reach the socket.
        else for (const frame of frames) if (!(await this.#queue.send(frame))) break;
      }
    } finally {
      this.#serving = false;
      finished();
    }
  }

  /**
   * Resolves once the requests received so far are answered and their frames handed to the socket — before
   * a deliberate close (e.g. the master changed the link mode: its confirm must reach it first).
   */
  async drained(): Promise<void> {
    while (this.#serving && !this.#stopped) await this.#servingDone;
    await this.#queue.idle;
  }

  /** PW check, then the handler (§3.3 steps 3–4). Never rejects. */
  async #serve(message: Message): Promise<HandlerReply> {
    const verdict = this.#o.authenticate?.(message);
    if (verdict !== undefined && !verdict.ok) {
      this.counters.authFailures++;
      this.#logger.warn(
        { afn: message.afn, msa: message.address.master, reason: verdict.reason },
        "PW check failed: denied",
      );
      try {
        this.#o.onAuthFailure?.(message, verdict.reason);
      } catch (error) {
        this.#logger.error({ error: String(error) }, "recording the PW failure failed");
      }
      return { kind: "deny", reason: verdict.reason };
    }
    try {
      return await this.#o.handle(message);
    } catch (error) {
      this.#logger.error({ afn: message.afn, error: String(error) }, "handler failed");
      return { kind: "deny", reason: "handler failed" };
    }
  }

  /** §3.3 step 5: DIR=1, PRM=0, own address, same MSA, RSEQ=PSEQ, Tp copied verbatim, CON=0, ACD/EC. */
  #encodeReply(request: Message, reply: HandlerReply): Uint8Array[] {
    const pending = this.#o.events?.importantPending() ?? false;
    const ec = pending ? this.#o.events?.counters() : undefined;
    const acd: 0 | 1 = ec === undefined ? 0 : 1;
    const base = {
      address: {
        area: this.#o.identity.area,
        terminal: this.#o.identity.terminal,
        master: request.address.master,
        group: false,
      },
      seq: { tpv: request.tp !== undefined, fir: true, fin: true, con: false, seq: request.seq.seq },
      ...(ec === undefined ? {} : { ec }),
      ...(request.tp === undefined ? {} : { tp: request.tp }),
    };
    const control = (fc: number): Control => ({ dir: 1, prm: 0, fcbAcd: acd, fcv: 0, fc });
    try {
      switch (reply.kind) {
        case "data":
          return encodeMultiFrame(
            { ...base, control: control(8), afn: reply.afn ?? request.afn },
            reply.items,
            this.#profile,
          );
        case "confirm":
        case "deny": {
          const fn = reply.kind === "confirm" ? 1 : 2;
          const item: DataItem = { pn: 0, fn, data: {} };
          return [
            encodeMessage(
              {
                ...base,
                control: control(reply.kind === "confirm" ? 0 : 9),
                afn: 0x00,
                groups: [{ pns: [0], fns: [fn], items: [item] }],
              },
              this.#profile,
            ),
          ];
        }
        case "per-unit": {
          const units = reply.units.map((u) => ({
            da: toHex(Uint8Array.from(daFromPns([u.pn]))),
            dt: toHex(Uint8Array.from(dtFromFns([u.fn]))),
            err: u.err,
          }));
          const item: DataItem = { pn: 0, fn: 3, data: { afn: request.afn, units } };
          return [
            encodeMessage(
              { ...base, control: control(0), afn: 0x00, groups: [{ pns: [0], fns: [3], items: [item] }] },
              this.#profile,
            ),
          ];
        }
      }
    } catch (error) {
      this.#logger.error({ afn: request.afn, error: String(error) }, "reply could not be encoded; denying");
      const item: DataItem = { pn: 0, fn: 2, data: {} };
      return [
        encodeMessage(
          { ...base, control: control(9), afn: 0x00, groups: [{ pns: [0], fns: [2], items: [item] }] },
          this.#profile,
        ),
      ];
    }
  }
}
