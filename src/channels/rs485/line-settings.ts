/**
 * Serial line settings of an RS-485 port and where they come from: the port's own parameters (AFN04 F34,
 * or the start-up file) and each meter's rate (AFN04 F10 rate/port byte). Also the byte time every timeout
 * of the channel is scaled by.
 */

export type Parity = "none" | "even" | "odd";

export interface LineSettings {
  readonly baud: number;
  readonly parity: Parity;
  readonly dataBits: 5 | 6 | 7 | 8;
  readonly stopBits: 1 | 2;
}

/** DL/T 645 on RS-485: 2400 baud, 8 data bits, even parity, 1 stop bit (DL/T 645-2007 §5 [H]). */
export const DLT645_DEFAULT_LINE: LineSettings = { baud: 2400, parity: "even", dataBits: 8, stopBits: 1 };

/** Bits on the wire per byte: start + data + parity + stop. */
export function bitsPerByte(s: LineSettings): number {
  return 1 + s.dataBits + (s.parity === "none" ? 0 : 1) + s.stopBits;
}

/** Milliseconds one byte occupies the line. */
export function byteTimeMs(s: LineSettings): number {
  return (bitsPerByte(s) * 1000) / s.baud;
}

export function sameLine(a: LineSettings, b: LineSettings): boolean {
  return a.baud === b.baud && a.parity === b.parity && a.dataBits === b.dataBits && a.stopBits === b.stopBits;
}

/**
 * AFN04 F10 rate/port byte D7..D5 (shared/protocol/gw1376-1.md §4.3.1 [H]): 0 = the port's default, then
 * 600, 1200, 2400, 4800, 7200, 9600, 19200.
 */
const F10_BAUD: readonly (number | undefined)[] = [undefined, 600, 1200, 2400, 4800, 7200, 9600, 19200];

/** The baud rate of an F10 baud code; undefined = use the port's default. */
export function baudFromF10Code(code: number): number | undefined {
  return F10_BAUD[code & 7];
}

/** AFN04 F34 / AFN10 F1 control word D7..D5 (§4.10 [M]): 300, 600, 1200, 2400, 4800, 7200, 9600, 19200. */
const CONTROL_WORD_BAUD: readonly number[] = [300, 600, 1200, 2400, 4800, 7200, 9600, 19200];

/** The control word's fields as the 1376.1 layout codec decodes them (SERIAL_CONTROL_PARTS). */
export interface SerialControlWord {
  readonly baudCode: number;
  readonly twoStopBits: number;
  readonly parityEnabled: number;
  readonly oddParity: number;
  /** D1..D0: 0..3 = 5..8 data bits. */
  readonly dataBitsCode: number;
}

/**
 * Line settings from an AFN04 F34 port entry: the control word gives parity, data and stop bits and a baud
 * code; the entry's 4-byte baud, when it names a plausible rate, wins over the code (two sources for the
 * same fact; the explicit number is the more precise one) [M].
 */
export function lineFromF34(control: SerialControlWord, baud: number): LineSettings {
  const explicit = Number.isInteger(baud) && baud >= 300 && baud <= 115_200 ? baud : undefined;
  return {
    baud: explicit ?? CONTROL_WORD_BAUD[control.baudCode & 7] ?? DLT645_DEFAULT_LINE.baud,
    parity: control.parityEnabled === 0 ? "none" : control.oddParity === 0 ? "even" : "odd",
    dataBits: (5 + (control.dataBitsCode & 3)) as LineSettings["dataBits"],
    stopBits: control.twoStopBits === 0 ? 1 : 2,
  };
}

/** A port's line with a meter's own rate (F10) applied; parity and framing stay the port's. */
export function lineForMeter(port: LineSettings, meterBaud: number | undefined): LineSettings {
  return meterBaud === undefined || meterBaud === port.baud ? port : { ...port, baud: meterBaud };
}
