/**
 * AFN09 terminal configuration (shared/protocol/gw1376-1.md §4.5): F1 version, F2 ports, F3 other
 * configuration, F4–F8 the Fn and ERCs actually served. Every figure comes from the code or the store's limits,
 * so the answer never claims more than the terminal does (layouts of F2–F8 are [M]).
 */

import { MAX_PN } from "../../protocol/gw1376-1/dadt.ts";
import type { DataItem } from "../../protocol/gw1376-1/data-units.ts";
import { findFnRow } from "../../protocol/gw1376-1/fn-table.ts";
import { FRAME_OVERHEAD, MAX_L1 } from "../../protocol/gw1376-1/frame.ts";
import type { Record_ } from "../../protocol/gw1376-1/layout.ts";
import { decodeBody } from "../../protocol/gw1376-1/layout-codec.ts";
import { PROFILE_2013 } from "../../protocol/gw1376-1/profile.ts";
import { DAILY_KEEP_DAYS, MONTHLY_KEEP_MONTHS } from "../../store/frozen-repo.ts";
import { storedModemInfo } from "../modem/modem-monitor.ts";
import { remoteModuleVersion } from "../modem/remote-module-version.ts";
import { encodeConfigInfo } from "../version-info.ts";
import type { AfnHandler } from "./handler.ts";

/** F9 is answered once the cellular module has been identified over its AT port (terminal/modem). */
export const AFN09_FNS: readonly number[] = [1, 2, 3, 4, 5, 6, 7, 8, 9];

/** F2: no pulse/switch/analogue I/O; downlink ports appear here when the reading channels land (none yet). */
function portsAnswer(): Record_ {
  return {
    pulseInputs: 0,
    switchInputs: 0,
    analogueInputs: 0,
    switchOutputs: 0,
    maxMeters: MAX_PN,
    maxReceiveBuffer: MAX_L1 + FRAME_OVERHEAD,
    maxSendBuffer: PROFILE_2013.maxFrameBytes,
    mac: "00 00 00 00 00 00",
    ports: [],
  };
}

/** F3: capacities of the store and parameter service; no load control, tasks or total-add groups. */
function otherConfigAnswer(): Record_ {
  return {
    maxPoints: MAX_PN,
    maxTotalAddGroups: 0,
    maxTasks: 0,
    maxDifferentialGroups: 0,
    // AFN04 F10 allows 1..48 tariffs per meter; stored frozen data keeps whatever M the meter gives.
    maxTariffs: 48,
    // appendix C density code 1 = 15 min: the curve store keeps 15-minute points
    pointFreezeDensity: 1,
    groupActivePowerDensity: 0,
    groupReactivePowerDensity: 0,
    groupActiveEnergyDensity: 0,
    groupReactiveEnergyDensity: 0,
    dailyDays: DAILY_KEEP_DAYS,
    monthlyMonths: MONTHLY_KEEP_MONTHS,
    powerControlSchemes: 0,
    maxHarmonic: 0,
    maxCapacitorGroups: 0,
    maxKeyUsers: 10,
    // the terminal answers the same for every user class (as AFN09 F6/F7 say) [L]
    bigClasses: 0xffff,
    smallClassCounts: Array.from({ length: 16 }, () => ({ count: 16 })),
  };
}

export const handleAfn09: AfnHandler = ({ core, items, support }) => {
  const answers: DataItem[] = [];
  for (const item of items) {
    if (item.pn !== 0) continue;
    const up = findFnRow(0x09, item.fn)?.up;
    if (up === undefined) continue;
    let data: Record_ | undefined;
    if (item.fn === 1) {
      const decoded = decodeBody(up, core.versionBody(), "F1");
      if (decoded.ok) data = decoded.value;
    } else if (item.fn === 2) {
      data = portsAnswer();
    } else if (item.fn === 3) {
      data = otherConfigAnswer();
    } else if (item.fn === 9) {
      data = remoteModuleVersion(storedModemInfo(core.store.kv));
    } else if (item.fn >= 4 && item.fn <= 8) {
      const decoded = decodeBody(up, encodeConfigInfo(item.fn as 4 | 5 | 6 | 7 | 8, support), `F${item.fn}`);
      if (decoded.ok) data = decoded.value;
    }
    if (data !== undefined) answers.push({ pn: 0, fn: item.fn, data });
  }
  return { kind: "data", items: answers };
};
