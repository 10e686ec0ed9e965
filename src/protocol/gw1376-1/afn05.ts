import type { Field, FnRow, PnKind } from "./layout.ts";

/**
 * AFN05 control commands (shared/protocol/gw1376-1.md §4.4). Down bodies only: the terminal answers AFN00,
 * and the 16-byte PW is the frame layer's job. F9–F24 (power/energy load control of a load-control terminal)
 * are deliberately not in the table: a DCU denies them as unknown Fn.
 */
const PORT: readonly Field[] = [{ name: "port", type: "bin", bytes: 1 }];

function row(
  fn: number,
  name: string,
  down: readonly Field[],
  pn: PnKind = "p0",
  confidence?: "M" | "L",
): FnRow {
  return confidence === undefined
    ? { afn: 0x05, fn, name, pn, down }
    : { afn: 0x05, fn, name, pn, down, confidence };
}

export const AFN05_ROWS: readonly FnRow[] = [
  // F1/F2: pn = control round ("any": the table has no round kind); load-control terminals only
  row(
    1,
    "remote trip",
    [
      {
        name: "timing",
        type: "bitfield",
        bytes: 1,
        parts: [
          // D3..D0 alarm delay, minutes; D7..D4 power-limit duration, × 0.5 h
          { name: "alarmDelayMinutes", shift: 0, width: 4 },
          { name: "limitHalfHours", shift: 4, width: 4 },
        ],
      },
    ],
    "any",
  ),
  row(2, "allow closing", [], "any"),
  // F25: keep-power duration × 0.5 h (vector X27)
  row(25, "keep power on", [{ name: "durationHalfHours", type: "bin", bytes: 1 }]),
  row(26, "fee-reminder alarm on", [], "p0", "M"),
  row(27, "allow talking to master", []),
  row(28, "terminal removal on", []),
  row(29, "allow active reporting", []),
  // F30 (2013): 0 = off, 1 = on
  row(30, "terminal-to-meter time sync switch", [{ name: "enabled", type: "bin", bytes: 1 }]),
  // F31: set the terminal clock, A.1 with weekday (vector SYN-T31)
  row(31, "set terminal clock", [{ name: "clock", type: "format", format: "A.1" }]),
  row(32, "Chinese message", [
    {
      name: "kind",
      type: "bitfield",
      bytes: 1,
      parts: [
        // D3..D0 message number; D7..D4 type 0 = normal, 1 = important
        { name: "number", shift: 0, width: 4 },
        { name: "type", shift: 4, width: 4 },
      ],
    },
    // length (≤ 200) + GB2312 text, kept as bytes (hex): decoding GB2312 is the caller's choice
    { name: "text", type: "lengthPrefixed", lengthBytes: 1 },
  ]),
  // F33 ends F25 (the on/off pairs are F25..F32 / F33..F40) [M: not in the reference table]
  row(33, "keep power off", [], "p0", "M"),
  row(34, "fee-reminder alarm off", [], "p0", "M"),
  row(35, "forbid talking to master", []),
  row(36, "terminal removal off", []),
  row(37, "forbid active reporting", []),
  row(38, "activate connection", []),
  row(39, "order disconnect", []),
  // F41/F42: capacitor control, pn = measurement point, 2 bytes (one bit per capacitor group)
  row(41, "capacitor control on", [{ name: "capacitors", type: "bits", bytes: 2 }], "point", "M"),
  row(42, "capacitor control off", [{ name: "capacitors", type: "bits", bytes: 2 }], "point", "M"),
  // F49–F53: port number (SMP S8–S13)
  row(49, "pause reading on port", PORT),
  row(50, "resume reading on port", PORT),
  row(51, "restart reading on port", PORT),
  row(52, "initialise relay routes of port", PORT),
  row(53, "delete all meters on port", PORT),
  // F149 (2013): 0 off, 1 on and update F10, 2 on without updating F10
  row(149, "automatic meter-parameter maintenance", [{ name: "mode", type: "bin", bytes: 1 }]),
  row(150, "reset measurement-point change flags", []),
];
