/**
 * The web interface's HTTP server (Hono on node:http), started by the daemon when `web.listen` is set. It
 * listens on 127.0.0.1 unless configured otherwise. `close()` ends live streams and open connections.
 *
 *   node:http ─► Hono app ─► routes ─► WebContext (TerminalCore, uplink status, providers)
 */
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import pkg from "../../package.json" with { type: "json" };
import type { Clock } from "../common/clock.ts";
import type { Logger } from "../common/logger.ts";
import type { TerminalCore } from "../terminal/terminal-core.ts";
import { AlarmState } from "./alarms.ts";
import { buildWebApp, type RouteModule } from "./app.ts";
import { LoginThrottle } from "./auth/login-throttle.ts";
import { PasswordStore } from "./auth/password.ts";
import { SessionStore } from "./auth/sessions.ts";
import { DEFAULT_LIMITS, type WebContext, type WebLimits } from "./context.ts";
import { IndicatorWatcher } from "./indicators.ts";
import type { LogRing } from "./log-ring.ts";
import type { UplinkStatusSource, WebProviders } from "./providers.ts";

export interface WebServerOptions {
  readonly host: string;
  readonly port: number;
  readonly core: TerminalCore;
  readonly hostClock: Clock;
  readonly logger: Logger;
  readonly identity: { readonly area: string; readonly address: number };
  readonly uplink: UplinkStatusSource;
  readonly providers?: WebProviders;
  readonly logRing?: LogRing;
  readonly dbPath: string;
  readonly sessionIdleMs?: number;
  readonly limits?: Partial<WebLimits>;
  /** Route modules beyond the built-in ones. */
  readonly routeModules?: readonly RouteModule[];
}

export interface WebServer {
  readonly host: string;
  readonly port: number;
  /** e.g. http://127.0.0.1:8059/ */
  readonly url: string;
  readonly context: WebContext;
  close(): Promise<void>;
}

export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const logger = options.logger.child({ module: "web" });
  const alarms = new AlarmState(options.core);
  const providers: WebProviders = options.providers ?? {};
  const passwords = new PasswordStore(options.core.store.kv);
  const context: WebContext = {
    core: options.core,
    hostClock: options.hostClock,
    logger,
    startedAt: options.hostClock.now(),
    identity: options.identity,
    uplink: options.uplink,
    providers,
    logRing: options.logRing,
    passwords,
    sessions: new SessionStore({
      clock: options.hostClock,
      credential: () => passwords.storedHash(),
      ...(options.sessionIdleMs === undefined ? {} : { idleMs: options.sessionIdleMs }),
    }),
    throttle: new LoginThrottle(options.hostClock),
    alarms,
    indicators: new IndicatorWatcher({
      hostClock: options.hostClock,
      uplink: options.uplink,
      alarms,
      channels: () => providers.channels,
    }),
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    dbPath: options.dbPath,
    packageVersion: pkg.version,
  };
  const { app, live } = buildWebApp(context, options.routeModules);
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: options.host, port: options.port }, () => resolve(s));
    s.once("error", reject);
  });
  const address = server.address() as AddressInfo;
  const host = options.host;
  const port = address.port;
  const shownHost = host.includes(":") ? `[${host}]` : host;
  logger.info({ host, port }, "web interface listening");
  let closing: Promise<void> | undefined;
  return {
    host,
    port,
    url: `http://${shownHost}:${port}/`,
    context,
    close() {
      closing ??= new Promise<void>((resolve) => {
        live.closeAll();
        context.indicators.close();
        server.close(() => resolve());
        if ("closeAllConnections" in server) server.closeAllConnections();
      });
      return closing;
    },
  };
}
