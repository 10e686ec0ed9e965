/**
 * A `MeterChannel` for engine tests where the wire timing is not the point: requests are real DL/T 645 frames
 * handed to `VirtualMeter.handleFrame`, answers are decoded as a real channel would, and each exchange takes
 * simulated time on the injected clock (a fixed exchange time when answered, the response timeout when
 * not). Loss is drawn from a seeded generator so runs are reproducible. One request at a time, like a bus.
 *
 *   read(request) ──► readRequest frame ──► meter.handleFrame ──(loss?)──► decode ──► { ok, data } after
 *                                                                                   exchangeMs / timeoutMs
 */

import type {
  ChannelStats,
  MeterChannel,
  MeterReadRequest,
  MeterReadResult,
  MeterTarget,
} from "../../src/channels/meter-channel.ts";
import type { Clock } from "../../src/common/clock.ts";
import { DEFAULT_PREAMBLE, decodeFrame } from "../../src/protocol/dlt645/frame.ts";
import type { Dlt645Edition } from "../../src/protocol/dlt645/functions.ts";
import {
  decodeMessageBytes,
  encodeMessage,
  message,
  readRequest,
} from "../../src/protocol/dlt645/message.ts";
import { seededRandom } from "../../src/sim/carrier-network.ts";
import type { VirtualMeter } from "../../src/sim/virtual-meter.ts";

export interface MemoryChannelOptions {
  readonly port: number;
  readonly kind?: "rs485" | "carrier";
  readonly clock: Clock;
  readonly meters: readonly VirtualMeter[];
  /** Simulated time of one answered exchange (default 300 ms: a short frame pair at 2400 Bd). */
  readonly exchangeMs?: number;
  /** Simulated time an unanswered attempt costs (default 1,000 ms). */
  readonly timeoutMs?: number;
  /** Extra attempts after a lost one (default 1). */
  readonly retries?: number;
  /** Probability that one attempt's answer is lost on the medium, 0..1. */
  readonly loss?: number;
  readonly seed?: number;
}

/** The outcome of one request/answer exchange with a virtual meter, without time (also used by tests). */
export function exchangeWithMeter(
  meter: VirtualMeter | undefined,
  edition: Dlt645Edition,
  address: string,
  di: number,
): MeterReadResult {
  if (meter === undefined) return { ok: false, reason: "timeout" };
  let data = new Uint8Array(0);
  let request = encodeMessage(readRequest(edition, address, di), { preamble: DEFAULT_PREAMBLE });
  // A long 2007 answer continues with read-next frames (DL/T 645-2007 §7.4); bounded like a real channel.
  for (let frame = 0; frame < 16; frame++) {
    const answer = meter.handleFrame(request);
    if (answer === undefined) return { ok: false, reason: "timeout" };
    const decoded = decodeMessageBytes(answer, edition);
    if (!decoded.ok) return { ok: false, reason: "bad-answer", detail: decoded.error.message };
    const reply = decoded.value;
    if (reply.address !== address) return { ok: false, reason: "bad-answer", detail: "wrong address" };
    if (reply.abnormal) return { ok: false, reason: "denied", detail: `error ${String(reply.fields.error)}` };
    if (reply.fields.di !== di) return { ok: false, reason: "bad-answer", detail: "wrong identifier" };
    const part = reply.fields.data;
    if (!(part instanceof Uint8Array)) return { ok: false, reason: "bad-answer", detail: "no data" };
    const joined = new Uint8Array(data.length + part.length);
    joined.set(data);
    joined.set(part, data.length);
    data = joined;
    if (!reply.more) return { ok: true, data, at: 0 };
    request = encodeMessage(message(edition, address, "read-next", "request", { di, seq: frame + 1 }), {
      preamble: DEFAULT_PREAMBLE,
    });
  }
  return { ok: false, reason: "bad-answer", detail: "too many continuation frames" };
}

export class MemoryChannel implements MeterChannel {
  readonly port: number;
  readonly kind: "rs485" | "carrier";
  readonly #clock: Clock;
  readonly #meters = new Map<string, VirtualMeter>();
  readonly #exchangeMs: number;
  readonly #timeoutMs: number;
  readonly #retries: number;
  readonly #loss: number;
  readonly #random: () => number;
  #paused = false;
  #closed = false;
  #tail: Promise<unknown> = Promise.resolve();
  readonly #stats = { requests: 0, answered: 0, failed: 0, bytesOut: 0, bytesIn: 0, busyMs: 0 };
  /** Requests per meter address (tests check who was asked, and when). */
  readonly asked = new Map<string, number>();

  constructor(options: MemoryChannelOptions) {
    this.port = options.port;
    this.kind = options.kind ?? "rs485";
    this.#clock = options.clock;
    for (const meter of options.meters) this.#meters.set(meter.address, meter);
    this.#exchangeMs = options.exchangeMs ?? 300;
    this.#timeoutMs = options.timeoutMs ?? 1000;
    this.#retries = options.retries ?? 1;
    this.#loss = options.loss ?? 0;
    this.#random = seededRandom(options.seed ?? options.port);
  }

  get paused(): boolean {
    return this.#paused;
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
  }

  stats(): ChannelStats {
    return { ...this.#stats };
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#tail.catch(() => undefined);
  }

  read(request: MeterReadRequest): Promise<MeterReadResult> {
    return this.#serialised(async () => {
      if (this.#paused || this.#closed) return { ok: false, reason: "unavailable" };
      if (request.deadline !== undefined && this.#clock.now() >= request.deadline)
        return { ok: false, reason: "expired" };
      const { address, edition } = request.meter;
      this.#stats.requests++;
      this.asked.set(address, (this.asked.get(address) ?? 0) + 1);
      for (let attempt = 0; attempt <= this.#retries; attempt++) {
        const lost = this.#loss > 0 && this.#random() < this.#loss;
        const result = exchangeWithMeter(this.#meters.get(address), edition, address, request.di);
        const answered = !lost && (result.ok || result.reason !== "timeout");
        await this.#spend(answered ? this.#exchangeMs : this.#timeoutMs);
        if (answered) {
          if (result.ok) {
            this.#stats.answered++;
            this.#stats.bytesIn += result.data.length;
            return { ok: true, data: result.data, at: this.#clock.now() };
          }
          this.#stats.failed++;
          return result;
        }
      }
      this.#stats.failed++;
      return { ok: false, reason: "timeout" };
    });
  }

  forward(
    _meter: MeterTarget | undefined,
    frame: Uint8Array,
    timeoutMs: number,
  ): Promise<Uint8Array | undefined> {
    return this.#serialised(async () => {
      if (this.#paused || this.#closed) return undefined;
      const target = decodeFrame(frame);
      const meter = target.ok ? this.#meters.get(target.value.address) : undefined;
      const answer = meter?.handleFrame(frame);
      await this.#spend(answer === undefined ? timeoutMs : this.#exchangeMs);
      return answer;
    });
  }

  broadcast(frame: Uint8Array): Promise<void> {
    return this.#serialised(async () => {
      for (const meter of this.#meters.values()) meter.handleFrame(frame);
      await this.#spend(this.#exchangeMs);
    });
  }

  #spend(ms: number): Promise<void> {
    this.#stats.busyMs += ms;
    return new Promise((resolve) => this.#clock.setTimer(ms, resolve));
  }

  #serialised<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(work, work);
    this.#tail = run.catch(() => undefined);
    return run;
  }
}
