/**
 * Everything a route handler may use, built once per web server: the terminal core (store, parameters,
 * events, clock), the uplink status, the optional providers, and the access-control state.
 */
import type { Clock } from "../common/clock.ts";
import type { Logger } from "../common/logger.ts";
import type { TerminalCore } from "../terminal/terminal-core.ts";
import type { AlarmState } from "./alarms.ts";
import type { LoginThrottle } from "./auth/login-throttle.ts";
import type { PasswordStore } from "./auth/password.ts";
import type { SessionStore } from "./auth/sessions.ts";
import type { IndicatorWatcher } from "./indicators.ts";
import type { LogRing } from "./log-ring.ts";
import type { UplinkStatusSource, WebProviders } from "./providers.ts";

export interface WebLimits {
  /** Largest upgrade package accepted. */
  readonly uploadMaxBytes: number;
  /** Largest meter CSV accepted. */
  readonly csvMaxBytes: number;
  /** Concurrent live-indicator streams. */
  readonly maxLiveStreams: number;
}

export const DEFAULT_LIMITS: WebLimits = {
  uploadMaxBytes: 16 * 1024 * 1024,
  csvMaxBytes: 1024 * 1024,
  maxLiveStreams: 16,
};

export interface WebContext {
  readonly core: TerminalCore;
  /** Host time: uptime, sessions, activity windows (the terminal clock may be set by the master). */
  readonly hostClock: Clock;
  readonly logger: Logger;
  readonly startedAt: number;
  readonly identity: { readonly area: string; readonly address: number };
  readonly uplink: UplinkStatusSource;
  readonly providers: WebProviders;
  readonly logRing: LogRing | undefined;
  readonly passwords: PasswordStore;
  readonly sessions: SessionStore;
  readonly throttle: LoginThrottle;
  readonly alarms: AlarmState;
  readonly indicators: IndicatorWatcher;
  readonly limits: WebLimits;
  /** Where the database file lives (":memory:" has no backup). */
  readonly dbPath: string;
  /** The package version string (e.g. "0.1.0"). */
  readonly packageVersion: string;
}
