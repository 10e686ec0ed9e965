/**
 * Shared set-up for the carrier tests and the benchmark: a PLC network of virtual meters, a virtual module
 * on one end of a link, a DCU-side client on the other, and DL/T 645 helpers for daily frozen energy.
 */
import type { Clock } from "../src/common/clock.ts";
import { decodeDiData } from "../src/protocol/dlt645/data.ts";
import { decodeMessageBytes, encodeMessage, readRequest } from "../src/protocol/dlt645/message.ts";
import { PlcNetwork, seededRandom } from "../src/sim/carrier-network.ts";
import { VirtualMeter } from "../src/sim/virtual-meter.ts";

/** DL/T 645-2007 DI of "daily frozen positive active energy, 1 day ago". */
export const DI_DAILY_FROZEN_POSITIVE = 0x05060101;

export function meterAddress(i: number): string {
  return String(100000 + i).padStart(12, "0");
}

export interface NetworkSpec {
  readonly nodes: number;
  /** Extra nodes present on the network but not meant for the archive (found by registration). */
  readonly unregistered?: number;
  readonly loss?: number;
  readonly seed?: number;
  /** Round-trip per attempt = base + perHop × depth. */
  readonly baseLatencyMs?: number;
  readonly perHopMs?: number;
  readonly maxDepth?: number;
}

export function buildNetwork(
  clock: Clock,
  spec: NetworkSpec,
): { network: PlcNetwork; archived: string[]; hidden: string[] } {
  const network = new PlcNetwork(seededRandom(spec.seed ?? 7));
  const archived: string[] = [];
  const hidden: string[] = [];
  const total = spec.nodes + (spec.unregistered ?? 0);
  for (let i = 0; i < total; i++) {
    const address = meterAddress(i);
    const depth = i % ((spec.maxDepth ?? 3) + 1);
    network.add({
      address,
      depth,
      phase: (i % 3) + 1,
      successProbability: 1 - (spec.loss ?? 0),
      latencyMs: (spec.baseLatencyMs ?? 120) + (spec.perHopMs ?? 80) * depth,
      meter: VirtualMeter.create(address, clock, { seed: i + 1, historyDays: 70 }),
    });
    (i < spec.nodes ? archived : hidden).push(address);
  }
  return { network, archived, hidden };
}

export function dailyFrozenRequest(address: string): Uint8Array {
  return encodeMessage(readRequest("2007", address, DI_DAILY_FROZEN_POSITIVE));
}

/** Total positive active energy from a daily-frozen read reply, or undefined if it is not one. */
export function dailyFrozenTotal(reply: Uint8Array): number | undefined {
  const m = decodeMessageBytes(reply);
  if (!m.ok || m.value.abnormal) return undefined;
  const data = m.value.fields.data;
  if (!(data instanceof Uint8Array)) return undefined;
  const reading = decodeDiData("2007", DI_DAILY_FROZEN_POSITIVE, data);
  if (!reading.ok) return undefined;
  const v = reading.value.value;
  return Array.isArray(v) ? (v[0] as number) : undefined;
}

/** Address a DL/T 645 reply came from. */
export function replyAddress(reply: Uint8Array): string | undefined {
  const m = decodeMessageBytes(reply);
  return m.ok ? m.value.address : undefined;
}
