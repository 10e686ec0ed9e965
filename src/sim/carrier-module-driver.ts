/**
 * Runs a `CarrierModule` state machine on a byte stream: splits incoming bytes into frames, feeds them to the
 * module, and applies the effects it returns with an injected `Clock` (delayed sends, named timers) and a
 * persistence callback. Fault behaviours (drop or delay the next replies) let tests exercise a DCU client
 * against lost and late answers.
 *
 *   stream ──chunks──► FrameSplitter ──frames──► CarrierModule.handleFrame ──effects──┐
 *      ▲                                                                              │
 *      └──── write (ordered, after delayMs) ◄── send ─────────────────────────────────┤
 *            clock timers ──name──► CarrierModule.handleTimer ◄── timer / cancel ─────┤
 *            persist(archive) ◄────────────────────────────────── persist ────────────┘
 */
import type { Clock, TimerHandle } from "../common/clock.ts";
import type { Logger } from "../common/logger.ts";
import type { Body } from "../protocol/gw1376-2/fields.ts";
import { FrameSplitter } from "../protocol/gw1376-2/splitter.ts";
import type { ByteStream } from "../transport/byte-stream.ts";
import type { CarrierModule, ModuleArchive, ModuleEffect } from "./carrier-module.ts";

export interface ModuleFaults {
  /** Drop this many of the next frames the module would send. */
  dropNext: number;
  /** Add this delay (ms) to the next `lateCount` frames. */
  lateMs: number;
  lateCount: number;
}

export interface CarrierModuleDriverOptions {
  readonly persist?: (archive: ModuleArchive) => void;
  readonly logger?: Logger;
}

export class CarrierModuleDriver {
  readonly module: CarrierModule;
  readonly faults: ModuleFaults = { dropNext: 0, lateMs: 0, lateCount: 0 };
  readonly counters = { sent: 0, dropped: 0, delayed: 0 };
  #stream: ByteStream;
  readonly #clock: Clock;
  readonly #options: CarrierModuleDriverOptions;
  #splitter = new FrameSplitter();
  readonly #timers = new Map<string, TimerHandle>();
  readonly #pendingSends = new Set<TimerHandle>();
  #writeChain: Promise<void> = Promise.resolve();
  #unsubscribe: (() => void) | undefined;

  constructor(
    module: CarrierModule,
    stream: ByteStream,
    clock: Clock,
    options: CarrierModuleDriverOptions = {},
  ) {
    this.module = module;
    this.#stream = stream;
    this.#clock = clock;
    this.#options = options;
  }

  start(): void {
    if (this.#unsubscribe) return;
    this.#unsubscribe = this.#stream.onData((chunk) => {
      for (const frame of this.#splitter.push(chunk)) this.#apply(this.module.handleFrame(frame));
    });
  }

  /**
   * Moves the module to a new line (the DCU re-opened its port, e.g. after a restart of the terminal) without
   * touching its timers: like a real module, whose UART peer went away and came back, it carries on — a
   * report nobody confirmed is resent on the new line, a registration window keeps running. (Stopping the
   * driver instead would leave the module waiting for a confirm whose resend timer was cancelled, so it
   * would never report again.)
   */
  attach(stream: ByteStream): void {
    const listening = this.#unsubscribe !== undefined;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#stream = stream;
    this.#splitter = new FrameSplitter();
    if (listening) this.start();
  }

  /** Stops listening and cancels every timer (the module state stays as it is). */
  stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    for (const t of this.#timers.values()) t.cancel();
    this.#timers.clear();
    for (const t of this.#pendingSends) t.cancel();
    this.#pendingSends.clear();
  }

  /**
   * Makes the module send an AFN06 report of the test's choosing (a fault behaviour: a module that reports
   * malformed addresses, unknown protocols or the same node again), confirmed and resent like its own.
   */
  injectReport(fn: number, body: Body): void {
    this.#apply(this.module.report(fn, body));
  }

  /** Resolves when every write handed to the stream so far has completed. */
  flushed(): Promise<void> {
    return this.#writeChain;
  }

  #apply(effects: readonly ModuleEffect[]): void {
    for (const e of effects) {
      switch (e.kind) {
        case "send":
          this.#send(e.bytes, e.delayMs);
          break;
        case "timer": {
          this.#timers.get(e.name)?.cancel();
          const handle = this.#clock.setTimer(e.ms, () => {
            if (this.#timers.get(e.name) !== handle) return;
            this.#timers.delete(e.name);
            this.#apply(this.module.handleTimer(e.name));
          });
          this.#timers.set(e.name, handle);
          break;
        }
        case "cancel":
          this.#timers.get(e.name)?.cancel();
          this.#timers.delete(e.name);
          break;
        case "persist":
          try {
            this.#options.persist?.(e.archive);
          } catch (error) {
            this.#options.logger?.error({ err: error }, "carrier module: archive not saved");
          }
          break;
        case "log":
          this.#options.logger?.debug(e.detail, `carrier module: ${e.event}`);
          break;
      }
    }
  }

  #send(bytes: Uint8Array, delayMs: number): void {
    if (this.faults.dropNext > 0) {
      this.faults.dropNext--;
      this.counters.dropped++;
      return;
    }
    let delay = delayMs;
    if (this.faults.lateCount > 0) {
      this.faults.lateCount--;
      delay += this.faults.lateMs;
      this.counters.delayed++;
    }
    const handle = this.#clock.setTimer(delay, () => {
      this.#pendingSends.delete(handle);
      if (!this.#stream.isOpen) return;
      this.counters.sent++;
      this.#writeChain = this.#writeChain.then(() =>
        this.#stream.write(bytes).catch((error: unknown) => {
          this.#options.logger?.warn({ err: error }, "carrier module: write failed");
        }),
      );
    });
    this.#pendingSends.add(handle);
  }
}
