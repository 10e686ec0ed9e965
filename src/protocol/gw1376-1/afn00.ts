import type { Field, FnRow } from "./layout.ts";
import { entriesUntilEnd } from "./layout-codec.ts";

/**
 * AFN00 confirm / deny (shared/protocol/gw1376-1.md §4.1), used in both directions (the terminal confirms
 * set/control/reset; the master confirms login, heartbeat and event reports).
 *
 * F3 lists `[DA1 DA2 DT1 DT2 ERR]` until the data unit ends (F3 is always alone in its frame, so no count is
 * needed). ERR: 0 = correct, 1 = other error, 2 = meter address duplicated (2013), 3..255 reserved.
 */
export const AFN00_F3_UNITS = entriesUntilEnd([
  { name: "da", type: "bytes", bytes: 2 },
  { name: "dt", type: "bytes", bytes: 2 },
  { name: "err", type: "bin", bytes: 1 },
]);

const F3_BODY: readonly Field[] = [
  // AFN of the frame being confirmed
  { name: "afn", type: "bin", bytes: 1 },
  { name: "units", type: "custom", codec: AFN00_F3_UNITS },
];

export const AFN00_ROWS: readonly FnRow[] = [
  // F1/F2 have no body; trailing bytes after them (vector L4) are the frame layer's tolerance, not a layout.
  { afn: 0x00, fn: 1, name: "confirm all", pn: "p0", down: [], up: [] },
  { afn: 0x00, fn: 2, name: "deny all", pn: "p0", down: [], up: [] },
  { afn: 0x00, fn: 3, name: "confirm/deny per data unit", pn: "p0", down: F3_BODY, up: F3_BODY },
  {
    afn: 0x00,
    fn: 4,
    // (2013) hardware-security authentication error answer, body not verified: kept as raw bytes [L]
    name: "hardware security authentication error",
    pn: "p0",
    confidence: "L",
    down: [{ name: "raw", type: "rest" }],
    up: [{ name: "raw", type: "rest" }],
  },
];
