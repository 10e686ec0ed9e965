/**
 * Keeps the cellular module's identity and signal fresh: reads them over the AT port at start and every
 * `refreshMs`, stores the result in the database (kv `modem.info`, so it is known after a restart before
 * the modem answers again) and serves it to the web interface and to the master (AFN09 F9).
 * A failed refresh keeps the last good fields, records why, and reopens the port next time.
 */
import type { Clock, TimerHandle } from "../../common/clock.ts";
import type { Logger } from "../../common/logger.ts";
import type { KvRepository } from "../../store/kv-repo.ts";
import type { ByteStream } from "../../transport/byte-stream.ts";
import { AtClient } from "./at-client.ts";
import { type ModemInfo, readModemInfo } from "./modem-info.ts";

export const KEY_MODEM_INFO = "modem.info";
export const DEFAULT_MODEM_REFRESH_MS = 5 * 60_000;

/** The stored modem info, if any (shape-checked: the kv value is outside input once it is on disk). */
export function storedModemInfo(kv: KvRepository): ModemInfo | undefined {
  const v = kv.get(KEY_MODEM_INFO) as Record<string, unknown> | undefined;
  if (v === undefined || v === null || typeof v !== "object" || typeof v.updatedAt !== "number")
    return undefined;
  const text = (k: string) => (typeof v[k] === "string" ? { [k]: v[k] as string } : {});
  const num = (k: string) => (typeof v[k] === "number" ? { [k]: v[k] as number } : {});
  return {
    ...text("manufacturer"),
    ...text("model"),
    ...text("firmware"),
    ...text("imei"),
    ...text("iccid"),
    ...num("rssi"),
    ...num("signalDbm"),
    ...num("signalPercent"),
    ...text("error"),
    updatedAt: v.updatedAt,
  };
}

export interface ModemMonitorOptions {
  /** Opens the AT port (a serial line in production, a pipe or pty in tests). */
  readonly open?: () => Promise<ByteStream>;
  /**
   * Reads the info another way instead of the AT port: the host's ModemManager owns the modem's ports
   * when it runs (modem-manager.ts). Exactly one of `open` and `read` is given.
   */
  readonly read?: (now: () => number) => Promise<ModemInfo>;
  readonly clock: Clock;
  readonly kv: KvRepository;
  readonly logger: Logger;
  readonly refreshMs?: number;
  readonly commandTimeoutMs?: number;
}

export class ModemMonitor {
  readonly #o: ModemMonitorOptions;
  readonly #logger: Logger;
  #stream: ByteStream | undefined;
  #at: AtClient | undefined;
  #timer: TimerHandle | undefined;
  #running: Promise<ModemInfo | undefined> | undefined;
  #stopped = false;

  constructor(options: ModemMonitorOptions) {
    if ((options.open === undefined) === (options.read === undefined))
      throw new TypeError("ModemMonitor needs exactly one of open (AT port) and read");
    this.#o = options;
    this.#logger = options.logger.child({ module: "modem" });
  }

  /** The last stored reading (possibly from before a restart). */
  info(): ModemInfo | undefined {
    return storedModemInfo(this.#o.kv);
  }

  start(): void {
    this.#schedule(0);
  }

  /** Reads the modem now (joins a refresh already running). */
  refresh(): Promise<ModemInfo | undefined> {
    this.#running ??= this.#refresh().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#timer?.cancel();
    await this.#running;
    await this.#closePort();
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    this.#timer = this.#o.clock.setTimer(ms, () => {
      void this.refresh().finally(() => this.#schedule(this.#o.refreshMs ?? DEFAULT_MODEM_REFRESH_MS));
    });
  }

  async #refresh(): Promise<ModemInfo | undefined> {
    try {
      const info = await this.#read();
      this.#o.kv.set(KEY_MODEM_INFO, info);
      this.#logger.info(
        { model: info.model, imei: info.imei, signalDbm: info.signalDbm, signalPercent: info.signalPercent },
        "modem info refreshed",
      );
      return info;
    } catch (error) {
      const message = String((error as Error).message ?? error);
      const previous = this.info();
      const failed: ModemInfo = {
        ...previous,
        updatedAt: previous?.updatedAt ?? this.#o.clock.now(),
        error: message,
      };
      this.#o.kv.set(KEY_MODEM_INFO, failed);
      this.#logger.warn({ error: message }, "modem info refresh failed");
      await this.#closePort();
      return failed;
    }
  }

  async #read(): Promise<ModemInfo> {
    const now = () => this.#o.clock.now();
    if (this.#o.read !== undefined) return this.#o.read(now);
    const open = this.#o.open as () => Promise<ByteStream>;
    if (this.#at === undefined) {
      this.#stream = await open();
      this.#at = new AtClient({
        stream: this.#stream,
        clock: this.#o.clock,
        ...(this.#o.commandTimeoutMs === undefined ? {} : { timeoutMs: this.#o.commandTimeoutMs }),
      });
    }
    return readModemInfo(this.#at, now);
  }

  async #closePort(): Promise<void> {
    this.#at?.close();
    this.#at = undefined;
    const stream = this.#stream;
    this.#stream = undefined;
    await stream?.close();
  }
}
