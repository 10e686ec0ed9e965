/**
 * AFN05 control (shared/protocol/gw1376-1.md §4.4, §3.5): F30 switches meter time sync (collect/time-sync.ts),
 * F149 sets the meter-search mode and starts a search (collect/meter-search.ts),
 * F31 sets the terminal clock (A.1), F29 / F37 allow /
 * forbid active reporting (stored as 0x55 / 0xAA like NUC). Other commands are refused per unit.
 */
import { requestMeterSearch } from "../../collect/meter-search.ts";
import { disableMeterTimeSync, requestMeterTimeSync } from "../../collect/time-sync.ts";
import { findFnRow } from "../../protocol/gw1376-1/fn-table.ts";
import { encodeBody } from "../../protocol/gw1376-1/layout-codec.ts";
import { PORT_CONTROL_FNS, portControl } from "./afn05-port-control.ts";
import { type AfnHandler, replyForOutcomes, type UnitOutcome } from "./handler.ts";

/** kv key read by active reporting (AFN0C F4 reports it). */
export const REPORTING_ALLOWED_KEY = "uplink.reportingAllowed";

/** The controls this handler carries out (the dispatcher and AFN09 F5 use this list). */
export const AFN05_FNS: readonly number[] = [29, 30, 31, 37, ...PORT_CONTROL_FNS, 149];

export const handleAfn05: AfnHandler = ({ core, items, ports }) => {
  const outcomes: UnitOutcome[] = items.map((item) => {
    const ok = (): UnitOutcome => ({ pn: item.pn, fn: item.fn, err: 0 });
    const refused: UnitOutcome = { pn: item.pn, fn: item.fn, err: 1 };
    switch (item.fn) {
      case 31: {
        const row = findFnRow(0x05, 31);
        if (row?.down === undefined || item.raw !== undefined) return refused;
        try {
          return core.setClockFromA1(encodeBody(row.down, item.data)) ? ok() : refused;
        } catch {
          return refused;
        }
      }
      case 30: {
        // Terminal-to-meter time sync switch (2013): on = enabled and carried out now (the reading engine
        // broadcasts and checks meter clocks at its next tick); off = no broadcasts or checks [M].
        const enabled = (item.data as { enabled?: unknown } | undefined)?.enabled;
        if (enabled === 1) requestMeterTimeSync(core.store, core.clock.now());
        else if (enabled === 0) disableMeterTimeSync(core.store);
        else return refused;
        return ok();
      }
      case 149: {
        // Automatic meter-parameter maintenance (2013): 0 off, 1 search and add found meters to F10, 2 search
        // and report only; 1 and 2 start a search round at the engine's next tick (collect/meter-search.ts).
        const mode = (item.data as { mode?: unknown } | undefined)?.mode;
        return typeof mode === "number" && requestMeterSearch(core.store, mode, core.clock.now())
          ? ok()
          : refused;
      }
      case 29:
        core.store.kv.set(REPORTING_ALLOWED_KEY, 0x55);
        return ok();
      case 37:
        core.store.kv.set(REPORTING_ALLOWED_KEY, 0xaa);
        return ok();
      case 49:
      case 50:
      case 51:
        return portControl(ports, item.fn, item.data) ? ok() : refused;
      default:
        return refused;
    }
  });
  return replyForOutcomes(outcomes);
};
