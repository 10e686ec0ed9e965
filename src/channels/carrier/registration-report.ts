/**
 * What a module's registration report (AFN06 F1 / F4 during an AFN11 F5 window) says was found, checked
 * before anyone trusts it: a module's report is outside input, and a wrong node here ends up as an ERC35
 * event and, with AFN05 F149 mode 1, as a meter in the archive (AFN04 F10) and in the module's own archive.
 *
 * A node is taken when its address is a meter number (12 decimal digits, not the broadcast address
 * 99…99 nor 00…00) and its protocol type is one the DCU reads; anything else is returned as rejected with
 * the reason, so the caller can log and count it. The same address twice in one report is taken once.
 */
import type { Body } from "../../protocol/gw1376-2/fields.ts";
import { PROTOCOL } from "../../protocol/gw1376-2/fn-table.ts";
import type { ArchiveNode } from "./carrier-client.ts";

export interface RegistrationPolicy {
  /**
   * AFN06 Fn that carry found nodes [L]: F1 "report slave nodes" (address, protocol, index) and F4 "with
   * device type"; sources differ on which one a module uses during registration, so both by default.
   */
  readonly reportFns: readonly number[];
  /** 1376.2 protocol types taken as meters: 1 DL/T 645-1997, 2 DL/T 645-2007 (the DCU reads nothing else). */
  readonly protocols: readonly number[];
  /**
   * F4 device type 0 (a collector): take the meters attached behind it instead of the collector itself [L:
   * the module routes to them through the collector; the collector is not a meter].
   */
  readonly collectorMeters: boolean;
}

export const DEFAULT_REGISTRATION_POLICY: RegistrationPolicy = {
  reportFns: [1, 4],
  protocols: [PROTOCOL.dlt645_1997, PROTOCOL.dlt645_2007],
  collectorMeters: true,
};

/** F4 device types (1376.2 AFN06 F4). */
const DEVICE_COLLECTOR = 0;
const DEVICE_METER = 1;

export interface RejectedNode {
  readonly address: string;
  readonly reason: string;
}

/** The found nodes in one AFN06 report (none for other reports). */
export function registrationNodes(
  report: { readonly afn: number; readonly fn: number; readonly body: Body },
  policy: RegistrationPolicy = DEFAULT_REGISTRATION_POLICY,
): { nodes: ArchiveNode[]; rejected: RejectedNode[] } {
  const nodes: ArchiveNode[] = [];
  const rejected: RejectedNode[] = [];
  if (report.afn !== 0x06 || !policy.reportFns.includes(report.fn)) return { nodes, rejected };
  const seen = new Set<string>();
  const take = (raw: unknown, protocol: unknown, via?: string): void => {
    const address = typeof raw === "string" ? raw.toLowerCase() : String(raw);
    const problem = addressProblem(address) ?? protocolProblem(protocol, policy);
    if (problem !== undefined)
      rejected.push({ address, reason: via ? `${problem} (behind ${via})` : problem });
    else if (seen.has(address)) rejected.push({ address, reason: "repeated in the same report" });
    else {
      seen.add(address);
      nodes.push({ address, protocol: protocol as number });
    }
  };
  const list = report.body.nodes;
  if (!Array.isArray(list))
    return { nodes, rejected: [{ address: "", reason: "report without a node list" }] };
  for (const n of list as readonly Body[]) {
    const deviceType = report.fn === 4 ? n.deviceType : DEVICE_METER;
    if (deviceType === DEVICE_METER) take(n.address, n.protocol);
    else if (deviceType === DEVICE_COLLECTOR && policy.collectorMeters && Array.isArray(n.attached)) {
      for (const a of n.attached as readonly Body[]) take(a.address, a.protocol, String(n.address));
    } else
      rejected.push({
        address: String(n.address),
        reason: `device type ${String(deviceType)} is not a meter`,
      });
  }
  return { nodes, rejected };
}

/** Why `address` is not a meter number, or undefined when it is one. */
export function addressProblem(address: string): string | undefined {
  if (!/^\d{12}$/.test(address)) return "address is not 12 decimal digits";
  if (address === "999999999999") return "broadcast address";
  if (address === "000000000000") return "all-zero address";
  return undefined;
}

function protocolProblem(protocol: unknown, policy: RegistrationPolicy): string | undefined {
  if (typeof protocol !== "number" || !policy.protocols.includes(protocol))
    return `protocol type ${String(protocol)} is not one the DCU reads`;
  return undefined;
}
