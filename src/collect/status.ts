/**
 * Reading status figures, as the 1376.1 data objects the data-item table serves and as one summary for the
 * local interface:
 *   AFN0C F11  per port: meters to read, status, meters read OK, key users read OK, round start/end (A.1);
 *   AFN0C F170 per meter: port, relay depth, PLC phase, signal quality, last result, last OK / fail time,
 *              consecutive failures (vector S15 layout).
 * [L] F11 status bits: D0 = a frozen round is running on the port, D1 = the port is paused; F170 last result
 * 1 = the last read succeeded, 0 = it failed. Relay depth, phase and signal quality are 0 until the carrier
 * channel reports route information.
 */
import type { Record_, Value } from "../protocol/gw1376-1/layout.ts";
import { localParts } from "../store/calendar.ts";
import type { ReadingState } from "../store/reading-state-repo.ts";
import { localTimeText } from "../terminal/local-time.ts";
import type { CollectEngine, EngineTerminal } from "./engine.ts";
import { lastClosed } from "./periods.ts";

/** An A.1 value of an epoch time, or "unset" (all zero bytes) for never. */
function a1(ms: number | null | undefined, offset: number): Value {
  if (ms === null || ms === undefined) return "unset";
  return { time: localTimeText(ms, offset), weekday: localParts(ms, offset).weekday };
}

/** Serials of the F35 key users. */
function keyUserSerials(terminal: EngineTerminal): Set<number> {
  const decoded = terminal.store.parameters.get(35, 0)?.decoded as { serials?: unknown } | undefined;
  const list = Array.isArray(decoded?.serials) ? decoded.serials : [];
  return new Set(
    list
      .map((s: unknown) => (typeof s === "object" && s !== null ? (s as { serial?: unknown }).serial : s))
      .filter((s): s is number => typeof s === "number"),
  );
}

export interface PortStatus {
  readonly port: number;
  readonly kind: "rs485" | "carrier";
  readonly paused: boolean;
  readonly metersToRead: number;
  readonly readOk: number;
  readonly keyUsersOk: number;
  readonly running: boolean;
  readonly roundStart: number | null;
  readonly roundEnd: number | null;
  readonly queued: number;
  readonly channel: ReturnType<import("../channels/meter-channel.ts").MeterChannel["stats"]>;
}

export interface CollectStatus {
  /** The day (key) whose frozen data the figures are about: the one that closed last. */
  readonly day: number;
  readonly month: number;
  readonly dailyCoverage: number;
  readonly monthlyCoverage: number;
  readonly ports: readonly PortStatus[];
}

/** The figures behind F11, plus queue and channel counters, for the local interface. */
export function collectStatus(engine: CollectEngine, terminal: EngineTerminal): CollectStatus {
  const now = terminal.clock.now();
  const offset = terminal.utcOffsetMinutes;
  const day = lastClosed("daily", now, offset);
  const month = lastClosed("monthly", now, offset);
  const have = new Set<number>();
  const keys = new Set<string>();
  const targets = engine.targets();
  for (const t of targets) for (const item of t.items.daily) keys.add(item.key);
  for (const key of keys) for (const point of terminal.store.daily.pointsWith(key, day)) have.add(point);
  const keyUsers = keyUserSerials(terminal);
  const rounds = engine.rounds();
  const ports = engine.ports.map((port): PortStatus => {
    const worker = engine.worker(port);
    const onPort = targets.filter((t) => t.port === port && t.items.daily.length > 0);
    const round = rounds[port]?.period === day ? rounds[port] : undefined;
    return {
      port,
      kind: worker?.channel.kind ?? "rs485",
      paused: worker?.channel.paused ?? false,
      metersToRead: onPort.length,
      readOk: onPort.filter((t) => have.has(t.point)).length,
      keyUsersOk: onPort.filter((t) => keyUsers.has(t.serial) && have.has(t.point)).length,
      running: (worker?.busyWith("frozen:") ?? 0) > 0,
      roundStart: round?.start ?? null,
      roundEnd: round?.end ?? null,
      queued: worker?.queued() ?? 0,
      channel: worker?.channel.stats() ?? {
        requests: 0,
        answered: 0,
        failed: 0,
        bytesOut: 0,
        bytesIn: 0,
        busyMs: 0,
      },
    };
  });
  return {
    day,
    month,
    dailyCoverage: engine.coverage("daily", day),
    monthlyCoverage: engine.coverage("monthly", month),
    ports,
  };
}

/** AFN0C F11 data object (p0). */
export function readingStatusItem(engine: CollectEngine, terminal: EngineTerminal): Record_ {
  const status = collectStatus(engine, terminal);
  const offset = terminal.utcOffsetMinutes;
  return {
    ports: status.ports.map((p) => ({
      port: p.port,
      metersToRead: Math.min(p.metersToRead, 0xffff),
      status: (p.running ? 1 : 0) | (p.paused ? 2 : 0),
      readOkCount: Math.min(p.readOk, 0xffff),
      keyUserOkCount: Math.min(p.keyUsersOk, 0xff),
      startTime: a1(p.roundStart, offset),
      endTime: a1(p.roundEnd, offset),
    })),
  };
}

/** AFN0C F170 data object of a meter from its port and persisted reading state. */
export function readingInfo(port: number, state: ReadingState | undefined, offset: number): Record_ {
  const failures = state?.consecutiveFailures ?? 0;
  return {
    port,
    relayDepth: 0,
    plcPhase: 0,
    signalQuality: 0,
    lastResult: state !== undefined && state.lastSuccessAt !== null && failures === 0 ? 1 : 0,
    lastOkTime: a1(state?.lastSuccessAt, offset),
    lastFailTime: a1(state?.lastFailureAt, offset),
    consecutiveFailures: Math.min(failures, 0xff),
  };
}

/** AFN0C F170 data object for a measurement point, or undefined when the point is not a read meter. */
export function meterReadingInfoItem(
  engine: CollectEngine,
  terminal: EngineTerminal,
  point: number,
): Record_ | undefined {
  const target = engine.targets().find((t) => t.point === point);
  if (target === undefined) return undefined;
  return readingInfo(target.port, terminal.store.readingState.get(point), terminal.utcOffsetMinutes);
}
