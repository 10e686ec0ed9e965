/**
 * AFN05 F49 / F50 / F51: pause, resume or restart reading on the port named in the body (one byte,
 * shared/protocol/gw1376-1.md §4.4, vectors S8–S13). Refused when no field is wired or the port is unknown.
 */
import type { PortControl } from "../port-control.ts";

export const PORT_CONTROL_FNS: readonly number[] = [49, 50, 51];

/** Carries out one port command; false = refuse the unit. */
export function portControl(ports: PortControl | undefined, fn: number, data: unknown): boolean {
  const port = (data as { port?: unknown } | undefined)?.port;
  if (ports === undefined || typeof port !== "number") return false;
  if (fn === 49) return ports.pause(port);
  if (fn === 50) return ports.resume(port);
  if (fn === 51) return ports.restart(port);
  return false;
}
