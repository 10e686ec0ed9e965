/**
 * AFN0C item sources, one row per Fn (conventions and row kinds: item-sources.ts). Terminal (p0) items are
 * written out below; every per-point Fn of the codec table (protocol/gw1376-1/afn0c.ts) is a stored reading
 * under "0C:F<fn>" unless a row here says otherwise. To serve a new Fn, add a row to `ROWS`.
 */
import { toHex } from "../../protocol/common/hex.ts";
import { AFN0C_ROWS } from "../../protocol/gw1376-1/afn0c.ts";
import { FORMATS } from "../../protocol/gw1376-1/formats.ts";
import { missingFileSegments } from "../file-receiver.ts";
import { trafficNow } from "../handlers/traffic-items.ts";
import { encodeA1 } from "../local-time.ts";
import { type CurrentItemSource, tableByFn } from "./item-sources.ts";
import { foundMeterUnits } from "./search-items.ts";
import {
  eventFlags,
  NO_CONTROL_OUTPUTS,
  NO_STATE_INPUTS,
  uplinkCommunicationState,
} from "./terminal-state-items.ts";

const ROWS: readonly CurrentItemSource[] = [
  // F2 terminal calendar clock (A.1).
  {
    fn: 2,
    scope: "terminal",
    read: ({ core }) => ({
      clock: FORMATS["A.1"].decode(encodeA1(core.clock.now(), core.utcOffsetMinutes)) ?? null,
    }),
  },
  // F3 parameter status: bit k = AFN04 F(k+1) set (31 bytes, wire order as hex).
  { fn: 3, scope: "terminal", read: ({ core }) => ({ paramsSet: toHex(core.parameters.statusBitmap()) }) },
  // F4 uplink communication state: active reporting (AFN05 F29 / F37) and talk (terminal-state-items.ts).
  {
    fn: 4,
    scope: "terminal",
    read: ({ core, reportingAllowedByDefault }) =>
      uplinkCommunicationState(core.store, reportingAllowedByDefault ?? false),
  },
  // F7 current event counters EC1 / EC2 (the same values the AUX EC carries).
  {
    fn: 7,
    scope: "terminal",
    read: ({ core }) => {
      const counters = core.store.events.counters();
      return { ec1: counters.ec1 & 0xff, ec2: counters.ec2 & 0xff };
    },
  },
  // F8 event flags: bit i = the event log holds an ERC i+1 record.
  { fn: 8, scope: "terminal", read: ({ core }) => eventFlags(core.store) },
  // F9 state inputs and F12 control-output loops: none wired on a software DCU, honestly all zero.
  { fn: 9, scope: "terminal", read: () => ({ ...NO_STATE_INPUTS }) },
  { fn: 12, scope: "terminal", read: () => ({ ...NO_CONTROL_OUTPUTS }) },
  // F10 traffic with the master today / this month (the uplink flushes its counts before the query).
  { fn: 10, scope: "terminal", read: ({ core }) => trafficNow(core).data },
  // F13 meters found by the meter search (collect/search-results.ts), one unit per 100 meters [L].
  { fn: 13, scope: "terminal", read: ({ core }) => foundMeterUnits(core.store) },
  // F14 file segments still missing of the AFN0F download (breakpoint resume; terminal/file-receiver.ts).
  { fn: 14, scope: "terminal", read: ({ core }) => ({ ...missingFileSegments(core.store) }) },
  // F11 centralised-reading status per port: the reading engine's figures (absent without an engine).
  { fn: 11, scope: "terminal", read: ({ field }) => field?.readingStatus?.() },
  // F170 meter reading information: derived by the reading engine after each exchange, never read live.
  { fn: 170, scope: "point", live: false },
];

const written = new Set(ROWS.map((row) => row.fn));

/** Every AFN0C Fn the terminal answers. */
export const AFN0C_SOURCES: ReadonlyMap<number, CurrentItemSource> = tableByFn(
  [
    ...ROWS,
    ...AFN0C_ROWS.filter((row) => row.pn === "point" && !written.has(row.fn)).map(
      (row): CurrentItemSource => ({ fn: row.fn, scope: "point" }),
    ),
  ],
  "AFN0C sources",
);
