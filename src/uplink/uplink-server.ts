/**
 * Server mode (AFN04 F8 D5..D4 = 2, shared/protocol/gw1376-1.md §3.1): the terminal listens and any number
 * of masters connect; each connection gets its own LinkSession (splitter, counters, outbound queue).
 */
import type { Logger } from "../common/logger.ts";
import { listenTcp, type TcpListener } from "../transport/tcp.ts";
import { LinkSession, type LinkSessionOptions } from "./link-session.ts";
import { worthLogging } from "./rate-limit.ts";

export interface UplinkServerOptions extends Omit<LinkSessionOptions, "stream" | "logger"> {
  readonly host: string;
  readonly port: number;
  readonly logger: Logger;
  /** Connections beyond this are closed at once (bounded resources). */
  readonly maxConnections?: number;
  /** Called when a session ends, with its counters (traffic accounting). */
  readonly onSessionEnd?: (session: LinkSession) => void;
  /** Called for each accepted connection (active reporting routes reports to connected masters). */
  readonly onSessionStart?: (session: LinkSession) => void;
}

/** Connection counts of a server (for tests, logs and the local interface). */
export interface ServerCounters {
  accepted: number;
  /** Connections closed at once because `maxConnections` sessions were open. */
  refused: number;
}

export class UplinkServer {
  readonly sessions: ReadonlySet<LinkSession>;
  readonly counters: ServerCounters;
  readonly #listener: TcpListener;

  private constructor(listener: TcpListener, sessions: ReadonlySet<LinkSession>, counters: ServerCounters) {
    this.#listener = listener;
    this.sessions = sessions;
    this.counters = counters;
  }

  get port(): number {
    return this.#listener.port;
  }

  get host(): string {
    return this.#listener.host;
  }

  static async start(options: UplinkServerOptions): Promise<UplinkServer> {
    const logger = options.logger.child({ module: "uplink", mode: "server" });
    const sessions = new Set<LinkSession>();
    const counters: ServerCounters = { accepted: 0, refused: 0 };
    const listener = await listenTcp(options.host, options.port, (stream) => {
      if (sessions.size >= (options.maxConnections ?? 64)) {
        // Refused politely: an orderly close (FIN) before reading anything; logged at 1, 10, 100, … so a
        // connection storm does not become a log storm.
        counters.refused++;
        if (worthLogging(counters.refused)) {
          logger.warn(
            { peer: stream.label, connections: sessions.size, refused: counters.refused },
            "connection refused: limit reached",
          );
        }
        void stream.close();
        return;
      }
      counters.accepted++;
      const session = new LinkSession({ ...options, stream, logger });
      sessions.add(session);
      logger.info({ peer: stream.label }, "master connected");
      options.onSessionStart?.(session);
      void stream.closed.then(() => {
        sessions.delete(session);
        logger.info({ peer: stream.label, ...session.counters }, "master disconnected");
        options.onSessionEnd?.(session);
      });
    });
    return new UplinkServer(listener, sessions, counters);
  }

  async close(): Promise<void> {
    await Promise.all([...this.sessions].map((s) => s.close()));
    await this.#listener.close();
  }
}
