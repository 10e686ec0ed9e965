/**
 * The local serial maintenance port (RS-232 / infrared): handheld units set and read the terminal exactly as
 * the master does, so it is the same 1376.1 service — one LinkSession over the serial ByteStream, served by
 * the same dispatcher, PW check and traffic meter. No login or heartbeat: the handheld is the initiator.
 *
 *   serial device ─► ByteStream ─► LinkSession ─► dispatcher
 *         ▲                                │ closed (adapter unplugged, open failed)
 *         └──────── reopen after back-off ◄┘
 *
 * A port that cannot be opened (or disappears) is retried with a jittered back-off; it never stops the
 * daemon. Enabled by the start-up file (`maintenance: { path, baudRate, parity }`).
 */
import { z } from "zod";
import type { Clock, TimerHandle } from "../common/clock.ts";
import type { Logger } from "../common/logger.ts";
import type { ByteStream } from "../transport/byte-stream.ts";
import { type BackoffOptions, backoffDelay } from "./backoff.ts";
import { LinkSession, type LinkSessionOptions } from "./link-session.ts";

export const MAINTENANCE_PORT_SCHEMA = z.object({
  /** Serial device, e.g. /dev/ttyS1 or /dev/serial/by-id/… */
  path: z.string().min(1),
  /** Handheld units commonly use 9600 8N1 (infrared: 1200 8E1). [M] */
  baudRate: z.number().int().min(300).max(921_600).default(9600),
  parity: z.enum(["none", "even", "odd"]).default("none"),
  dataBits: z.union([z.literal(7), z.literal(8)]).default(8),
  stopBits: z.union([z.literal(1), z.literal(2)]).default(1),
});

export type MaintenancePortConfig = z.infer<typeof MAINTENANCE_PORT_SCHEMA>;

/**
 * The `opendcu run --maintenance PATH[:BAUD[:PARITY]]` flag, e.g. `/dev/ttyS1:9600:none`; undefined when it
 * does not have that shape (the caller names the flag in its error).
 */
export function parseMaintenanceSpec(
  spec: string,
): (Pick<MaintenancePortConfig, "path"> & Partial<MaintenancePortConfig>) | undefined {
  const m = /^(.+?)(?::(\d{3,6}))?(?::(none|even|odd))?$/.exec(spec.trim());
  if (m === null || m[1] === undefined) return undefined;
  return {
    path: m[1],
    ...(m[2] === undefined ? {} : { baudRate: Number(m[2]) }),
    ...(m[3] === undefined ? {} : { parity: m[3] as MaintenancePortConfig["parity"] }),
  };
}

export interface MaintenancePortOptions
  extends Omit<LinkSessionOptions, "stream" | "logger" | "idleTimeoutMs"> {
  /** Opens the serial line (transport/serial.ts `openSerial` in the daemon; a pipe in unit tests). */
  readonly open: () => Promise<ByteStream>;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly reopen?: BackoffOptions;
  readonly onSessionEnd?: (session: LinkSession) => void;
}

export class MaintenancePort {
  readonly #o: MaintenancePortOptions;
  readonly #logger: Logger;
  #session: LinkSession | undefined;
  #timer: TimerHandle | undefined;
  #attempt = 0;
  #stopped = false;
  /** Times the port was opened (for tests and status). */
  opens = 0;

  constructor(options: MaintenancePortOptions) {
    this.#o = options;
    this.#logger = options.logger.child({ module: "maintenance" });
  }

  /** The session on the open port, if open. */
  get session(): LinkSession | undefined {
    return this.#session;
  }

  start(): void {
    void this.#open();
  }

  async #open(): Promise<void> {
    if (this.#stopped) return;
    let stream: ByteStream;
    try {
      stream = await this.#o.open();
    } catch (error) {
      this.#logger.warn({ error: String(error), attempt: this.#attempt }, "maintenance port not available");
      this.#retry();
      return;
    }
    if (this.#stopped) {
      await stream.close();
      return;
    }
    this.opens++;
    this.#attempt = 0;
    const session = new LinkSession({ ...this.#o, stream, logger: this.#logger });
    this.#session = session;
    this.#logger.info({ port: stream.label }, "maintenance port open");
    void stream.closed.then(() => {
      if (this.#session === session) this.#session = undefined;
      this.#o.onSessionEnd?.(session);
      if (this.#stopped) return;
      this.#logger.warn({ port: stream.label, ...session.counters }, "maintenance port closed; reopening");
      this.#retry();
    });
  }

  #retry(): void {
    if (this.#stopped) return;
    const delay = backoffDelay(this.#attempt++, this.#o.reopen ?? { initialMs: 1000, maxMs: 60_000 });
    this.#timer = this.#o.clock.setTimer(delay, () => void this.#open());
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#timer?.cancel();
    const session = this.#session;
    if (session === undefined) return;
    await session.drained();
    await session.close();
  }
}
