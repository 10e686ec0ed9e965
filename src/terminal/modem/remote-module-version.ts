/**
 * AFN09 F9 "remote communication module version" (46 bytes, protocol/gw1376-1/afn09.ts [M]) from what the
 * AT port told us. AT answers do not carry every field, so: vendor = the first 4 characters of AT+CGMI,
 * model = the first 8 of AT+CGMM, software version = the last 4 of AT+CGMR (where vendors put the
 * revision), dates = "no data" (EE), hardware version empty, ICCID as read. The mapping of the firmware
 * string to 4 characters is our choice, not a protocol fact [L].
 */
import type { Record_ } from "../../protocol/gw1376-1/layout.ts";
import type { ModemInfo } from "./modem-info.ts";

/** The F9 value, or undefined when the module has never been identified. */
export function remoteModuleVersion(info: ModemInfo | undefined): Record_ | undefined {
  if (info === undefined || (info.model === undefined && info.iccid === undefined)) return undefined;
  return {
    vendor: (info.manufacturer ?? "").slice(0, 4),
    model: (info.model ?? "").slice(0, 8),
    softwareVersion: (info.firmware ?? "").slice(-4),
    softwareDate: null,
    hardwareVersion: "",
    hardwareDate: null,
    iccid: (info.iccid ?? "").slice(0, 20),
  };
}
