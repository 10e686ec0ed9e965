/** The ERC35 (unknown meter found) records a terminal holds: each record's port and the addresses it names. */
import assert from "node:assert/strict";
import { decodeErcRecord } from "../../src/protocol/gw1376-1/erc.ts";
import type { Record_ } from "../../src/protocol/gw1376-1/layout.ts";
import type { TerminalCore } from "../../src/terminal/terminal-core.ts";

export interface FoundMeters {
  readonly port: number;
  readonly addresses: string[];
}

export function erc35(core: TerminalCore): FoundMeters[] {
  const out: FoundMeters[] = [];
  for (const ring of ["important", "general"] as const) {
    for (const event of core.store.events.latest(ring)) {
      if (event.erc !== 35) continue;
      const decoded = decodeErcRecord(event.record);
      assert.ok(decoded.ok, decoded.ok ? "" : decoded.error.message);
      const data = (decoded.value as Record_).data as { port: number; meters: { address: string }[] };
      out.push({ port: data.port, addresses: data.meters.map((m) => m.address) });
    }
  }
  return out;
}
