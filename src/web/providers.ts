/**
 * What the web interface needs from parts of the concentrator that are optional or built elsewhere. Each is
 * a small interface the daemon plugs in when the part exists; the interface shows "not available" (HTTP
 * 503 for actions) when a provider is absent, never made-up figures.
 *
 *   UplinkStatusSource      uplink/ (server sessions, client state)          always present in the daemon
 *   ReadingStatusProvider   collect/ (per-port success, missing meters)      store-based default in reading-status.ts
 *   ChannelActivityProvider channels/ (RS-485 and carrier activity, queues)  absent until the channels run
 *   UpgradeInstaller        terminal upgrade (AFN0F)                          absent until the upgrade lands
 *   ModuleInfoSource        the cellular modem (AT port) and carrier module   absent without a modem
 */
import type { ModemInfo } from "../terminal/modem/modem-info.ts";

export type { ModemInfo };

export type UplinkLinkState = "online" | "offline" | "connecting" | "logging-in";

export interface UplinkStatus {
  readonly mode: "server" | "client" | "server+client";
  /** Online: a master is connected (server) or logged in (client). */
  readonly state: UplinkLinkState;
  /** Connected masters (server mode). */
  readonly sessions: number;
  readonly listen?: { readonly host: string; readonly port: number };
  readonly connect?: { readonly host: string; readonly port: number };
  /** Bytes and frames of the connections open now (closed ones are in the traffic store). */
  readonly live: {
    readonly bytesIn: number;
    readonly bytesOut: number;
    readonly framesIn: number;
    readonly framesOut: number;
    readonly decodeErrors: number;
    readonly requestsDropped: number;
    readonly outboundDropped: number;
  };
  /** The local serial maintenance port (handheld units), when configured. */
  readonly maintenance?: MaintenancePortStatus;
}

export interface MaintenancePortStatus {
  readonly path: string;
  readonly baudRate: number;
  /** The device is open (a handheld can talk); false while it is missing and being retried. */
  readonly open: boolean;
  /** Frames of the session on the open port. */
  readonly framesIn: number;
  readonly framesOut: number;
}

export interface UplinkStatusSource {
  status(): UplinkStatus;
}

/** Live counters before any connection counted anything (the daemon adds its sessions' into a fresh one). */
export function noLiveTraffic(): { -readonly [K in keyof UplinkStatus["live"]]: number } {
  return {
    bytesIn: 0,
    bytesOut: 0,
    framesIn: 0,
    framesOut: 0,
    decodeErrors: 0,
    requestsDropped: 0,
    outboundDropped: 0,
  };
}

/** An uplink in server mode with no master connected (web tests without a link). */
export const OFFLINE_UPLINK: UplinkStatusSource = {
  status: () => ({ mode: "server", state: "offline", sessions: 0, live: noLiveTraffic() }),
};

export interface PortDaySuccess {
  readonly port: number;
  /** Local day, YYYYMMDD. */
  readonly day: number;
  /** Meters on the port that were due (configured to be read). */
  readonly due: number;
  /** Of those, meters with frozen data for that day. */
  readonly read: number;
}

export interface MissingMeter {
  readonly serial: number;
  readonly point: number;
  readonly port: number;
  readonly address: string;
  readonly lastSuccessAt: number | null;
  readonly consecutiveFailures: number;
}

export interface MeterReadingDetail {
  readonly point: number;
  readonly lastSuccessAt: number | null;
  readonly lastFailureAt: number | null;
  readonly consecutiveFailures: number;
  readonly totalFailures: number;
  /** Latest values per data item. */
  readonly latest: readonly { readonly item: string; readonly readAt: number; readonly value: unknown }[];
  /** Daily frozen history (oldest first). */
  readonly daily: readonly {
    readonly day: number;
    readonly item: string;
    readonly readAt: number;
    readonly value: unknown;
  }[];
  /** Route / relay information when the carrier channel knows it. */
  readonly route?: unknown;
}

export interface ReadingStatusProvider {
  /** Success per port for each of the last `days` local days (oldest first). */
  dailySuccess(days: number): readonly PortDaySuccess[];
  /** Meters with no frozen data for today, by serial. */
  missingToday(
    offset: number,
    limit: number,
  ): { readonly total: number; readonly meters: readonly MissingMeter[] };
  /** One measurement point's reading state and history; undefined when the point is not configured. */
  meterDetail(point: number): MeterReadingDetail | undefined;
}

export interface ChannelActivity {
  /** e.g. "rs485:1", "carrier". */
  readonly channel: string;
  readonly kind: "rs485" | "carrier";
  /** Host time of the last byte sent or received; undefined when the channel has not talked yet. */
  readonly lastActivityAt: number | undefined;
  /** Share of the last minute the channel was busy, 0..1. */
  readonly utilisation: number;
  readonly queueDepth: number;
  readonly reads: number;
  readonly failures: number;
}

export interface ChannelActivityProvider {
  channels(): readonly ChannelActivity[];
}

export interface UpgradeResult {
  readonly accepted: boolean;
  readonly message: string;
}

export interface UpgradeInstaller {
  /** Validates and stages an upgrade package (the installer decides what a valid package is). */
  install(fileName: string, bytes: Uint8Array): Promise<UpgradeResult>;
}

export interface LocalModuleInfo {
  readonly vendor?: string;
  readonly chip?: string;
  readonly version?: string;
  readonly versionDate?: string;
}

export interface ModuleInfoSource {
  /** The cellular (public network) module, as last read. */
  modem(): ModemInfo | undefined;
  /** The local communication (carrier) module, from the 1376.2 session. */
  localModule?(): LocalModuleInfo | undefined;
}

/** Uplink byte counts kept in memory between store flushes (uplink/traffic-meter.ts). */
export interface TrafficFlusher {
  /** Adds the bytes counted so far to the store, so the figures read next are exact. */
  flush(): void;
}

/** The optional providers; the daemon fills in what exists. */
export interface WebProviders {
  traffic?: TrafficFlusher;
  reading?: ReadingStatusProvider;
  channels?: ChannelActivityProvider;
  upgrade?: UpgradeInstaller;
  modules?: ModuleInfoSource;
}
