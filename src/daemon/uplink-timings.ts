/**
 * Link timers from AFN04 F1 (shared/protocol/gw1376-1.md §3.4 [H], §3.2 [M]): heartbeat period in minutes
 * (0 treated as 1), confirm timeout D11..D0 seconds clamped to 5..300 s; factory defaults (no F1 set yet):
 * 15-minute heartbeat, 60-second timeout (LIM/NUC). `testing` overrides both.
 */
import type { TerminalCore } from "../terminal/terminal-core.ts";
import type { UplinkTimings } from "../uplink/uplink-client.ts";
import type { DaemonConfig } from "./config.ts";

interface F1Value {
  heartbeatMinutes?: unknown;
  response?: { timeoutSeconds?: unknown };
}

export function uplinkTimings(core: TerminalCore, config: DaemonConfig): UplinkTimings {
  const f1 = (): F1Value => (core.parameters.getDecoded(1, 0) as F1Value | undefined) ?? {};
  return {
    heartbeatMs() {
      if (config.testing.heartbeatMs !== undefined) return config.testing.heartbeatMs;
      const minutes = f1().heartbeatMinutes;
      return (typeof minutes === "number" ? Math.max(1, minutes) : 15) * 60_000;
    },
    confirmTimeoutMs() {
      if (config.testing.confirmTimeoutMs !== undefined) return config.testing.confirmTimeoutMs;
      const seconds = f1().response?.timeoutSeconds;
      return (typeof seconds === "number" ? Math.min(300, Math.max(5, seconds)) : 60) * 1000;
    },
  };
}
