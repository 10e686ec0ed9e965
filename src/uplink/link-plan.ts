/**
 * Which uplink modes run, where, and how often the client redials — from the start-up file and the
 * master-set link parameters (shared/protocol/gw1376-1.md §3.1 [H byte map, M semantics]):
 *
 *   AFN04 F8 D5..D4  role: 0 mixed, 1 client, 2 server (3 reserved → start-up role kept)
 *   AFN04 F8 bytes 1–2  redial interval, seconds → the client's back-off base
 *   AFN04 F3  main / backup master IP:port → the client's masters (0.0.0.0 or port 0 = not set)
 *   AFN04 F7  listen port → the server's port (0 = not set)
 *
 * The start-up file gives the initial values; a parameter, once the master has set it, wins. Two guards keep
 * the terminal reachable: a client role with no master address known runs the server instead, and the server
 * always has a listen address (the start-up one, else 0.0.0.0 on the F7 port or 4059).
 * F8's online mode (permanent / passive activation / time window) is not acted on: the client is always
 * permanently online. [L: passive and time-window modes not implemented]
 */
import type { BackoffOptions } from "./backoff.ts";

export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

export type UplinkRole = "client" | "server" | "mixed";

export interface LinkPlan {
  readonly role: UplinkRole;
  /** Where the server listens (set iff the role includes the server). */
  readonly listen: Endpoint | undefined;
  /** Masters the client dials, main first (non-empty iff the role includes the client). */
  readonly masters: readonly Endpoint[];
  readonly backoff: BackoffOptions;
  /** Why the plan differs from what the parameters asked, if it does (logged). */
  readonly note?: string;
}

export interface StartupLink {
  readonly listen?: Endpoint | undefined;
  readonly connect?: Endpoint | undefined;
  readonly reconnect: BackoffOptions;
}

/** The link parameters as decoded by the Fn table (unknown: they come from the database). */
export interface LinkParameters {
  readonly f3?: unknown;
  readonly f7?: unknown;
  readonly f8?: unknown;
}

export const DEFAULT_LISTEN: Endpoint = { host: "127.0.0.1", port: 4059 };
const ANY_HOST = "0.0.0.0";
const ROLES: Readonly<Record<number, UplinkRole>> = { 0: "mixed", 1: "client", 2: "server" };

function num(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

function endpoint(ip: unknown, port: unknown): Endpoint | undefined {
  const p = num(port);
  if (typeof ip !== "string" || ip === "0.0.0.0" || p === undefined || p <= 0 || p > 65535) return undefined;
  return { host: ip, port: p };
}

/** F3's main and backup masters (those set), main first. */
export function mastersFromF3(f3: unknown): Endpoint[] {
  if (typeof f3 !== "object" || f3 === null) return [];
  const v = f3 as Record<string, unknown>;
  const main = endpoint(v.mainIp, v.mainPort);
  const backup = endpoint(v.backupIp, v.backupPort);
  const out = [main, backup].filter((e): e is Endpoint => e !== undefined);
  return out.length === 2 && out[0]?.host === out[1]?.host && out[0]?.port === out[1]?.port
    ? [out[0] as Endpoint]
    : out;
}

function startupRole(startup: StartupLink): UplinkRole {
  if (startup.connect === undefined) return "server";
  return startup.listen === undefined ? "client" : "mixed";
}

export function planLink(startup: StartupLink, params: LinkParameters): LinkPlan {
  const f8 =
    typeof params.f8 === "object" && params.f8 !== null ? (params.f8 as Record<string, unknown>) : undefined;
  const mode =
    typeof f8?.mode === "object" && f8.mode !== null ? (f8.mode as Record<string, unknown>) : undefined;
  const f8Role = ROLES[num(mode?.role) ?? -1];
  let role: UplinkRole = f8Role ?? startupRole(startup);

  const f3Masters = mastersFromF3(params.f3);
  const masters = f3Masters.length > 0 ? f3Masters : startup.connect === undefined ? [] : [startup.connect];
  let note: string | undefined;
  if (role !== "server" && masters.length === 0) {
    note = `role ${role} needs a master address (AFN04 F3 or uplink.connect): running the server only`;
    role = "server";
  }

  let listen: Endpoint | undefined;
  if (role !== "client") {
    const f7 =
      typeof params.f7 === "object" && params.f7 !== null ? (params.f7 as Record<string, unknown>) : {};
    const f7Port = num(f7.listenPort);
    const base =
      startup.listen ??
      (startup.connect === undefined ? DEFAULT_LISTEN : { host: ANY_HOST, port: DEFAULT_LISTEN.port });
    listen = f7Port !== undefined && f7Port > 0 && f7Port <= 65535 ? { host: base.host, port: f7Port } : base;
  }

  const redialSeconds = num(f8?.redialSeconds) ?? 0;
  const backoff: BackoffOptions =
    redialSeconds > 0
      ? { initialMs: redialSeconds * 1000, maxMs: Math.max(startup.reconnect.maxMs, redialSeconds * 1000) }
      : startup.reconnect;

  return {
    role,
    listen,
    masters: role === "server" ? [] : masters,
    backoff,
    ...(note === undefined ? {} : { note }),
  };
}

export function sameEndpoint(a: Endpoint | undefined, b: Endpoint | undefined): boolean {
  return a?.host === b?.host && a?.port === b?.port;
}

export function sameEndpoints(a: readonly Endpoint[], b: readonly Endpoint[]): boolean {
  return a.length === b.length && a.every((e, i) => sameEndpoint(e, b[i]));
}
