import type { BitPart, Field, FnRow } from "./layout.ts";

/**
 * Serial-port control word of AFN10 F1 (and AFN04 F34/F37): shared/protocol/gw1376-1.md §4.10 [M].
 * D1..D0 data bits 5..8 (code 0..3), D2 parity 0 even / 1 odd, D3 parity enabled, D4 stop bits 0 = 1 / 1 = 2,
 * D7..D5 baud code 0 300, 1 600, 2 1200, 3 2400, 4 4800, 5 7200, 6 9600, 7 19200.
 */
export const SERIAL_CONTROL_PARTS: readonly BitPart[] = [
  { name: "dataBitsCode", shift: 0, width: 2 },
  { name: "oddParity", shift: 2, width: 1 },
  { name: "parityEnabled", shift: 3, width: 1 },
  { name: "twoStopBits", shift: 4, width: 1 },
  { name: "baudCode", shift: 5, width: 3 },
];

/** Meter-side fields of F9–F11: port, relay addresses (n(1) + n × A.12), target meter address. */
const METER_ROUTE: readonly Field[] = [
  { name: "port", type: "bin", bytes: 1 },
  {
    name: "relays",
    type: "list",
    countBytes: 1,
    fields: [{ name: "address", type: "format", format: "A.12" }],
  },
  { name: "meter", type: "format", format: "A.12" },
];

/** AFN10 data forwarding (shared/protocol/gw1376-1.md §4.10). PW in the downlink is the frame layer's job. */
/** F10/F11 answer: port, target meter, result, relay flag (§4.10 [M]). */
const RELAY_COMMAND_ANSWER: readonly Field[] = [
  { name: "port", type: "bin", bytes: 1 },
  { name: "meter", type: "format", format: "A.12" },
  { name: "result", type: "bin", bytes: 1 },
  { name: "flag", type: "bin", bytes: 1 },
];

export const AFN10_ROWS: readonly FnRow[] = [
  {
    afn: 0x10,
    fn: 1,
    name: "transparent forwarding",
    pn: "p0",
    // [H] NUC, SMP traffic (S6/S7, S16/S17), JB, KSY
    down: [
      { name: "port", type: "bin", bytes: 1 },
      { name: "control", type: "bitfield", bytes: 1, parts: SERIAL_CONTROL_PARTS },
      {
        // D7 unit (1 = seconds, 0 = 10 ms), D6..D0 value
        name: "frameTimeout",
        type: "bitfield",
        bytes: 1,
        parts: [
          { name: "value", shift: 0, width: 7 },
          { name: "seconds", shift: 7, width: 1 },
        ],
      },
      { name: "byteTimeout10ms", type: "bin", bytes: 1 },
      { name: "frame", type: "lengthPrefixed", lengthBytes: 2 },
    ],
    up: [
      { name: "port", type: "bin", bytes: 1 },
      // k' = 0 → the meter did not answer
      { name: "frame", type: "lengthPrefixed", lengthBytes: 2 },
    ],
  },
  {
    afn: 0x10,
    fn: 9,
    name: "forwarded meter read",
    pn: "p0",
    confidence: "M",
    down: [
      ...METER_ROUTE,
      // 0 = DL/T 645-1997, 1 = DL/T 645-2007
      { name: "protocol", type: "bin", bytes: 1 },
      // the data identifier as on the wire (4 bytes for 645-2007; the same width is sent for 645-1997)
      { name: "dataId", type: "bytes", bytes: 4 },
    ],
    up: [
      { name: "port", type: "bin", bytes: 1 },
      { name: "meter", type: "format", format: "A.12" },
      { name: "result", type: "bin", bytes: 1 },
      { name: "data", type: "lengthPrefixed", lengthBytes: 1 },
    ],
  },
  {
    afn: 0x10,
    fn: 10,
    name: "forwarded remote trip",
    pn: "p0",
    confidence: "L",
    // [L] the command part after the route is not in the reference: carried as opaque bytes
    down: [...METER_ROUTE, { name: "command", type: "rest" }],
    up: RELAY_COMMAND_ANSWER,
  },
  {
    afn: 0x10,
    fn: 11,
    name: "forwarded remote power-on",
    pn: "p0",
    confidence: "L",
    down: [...METER_ROUTE, { name: "command", type: "rest" }],
    up: RELAY_COMMAND_ANSWER,
  },
];
