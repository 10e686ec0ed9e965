/**
 * What the AFN handlers may ask of the field (the meters) while a master waits: a fresh read of a class-1
 * item for one measurement point, and transparent forwarding of a frame on a port. The reading engine
 * (`collect/`) implements it; without one (no engine configured) handlers answer from the store and deny
 * forwarding.
 */
import type { DataItem } from "../protocol/gw1376-1/data-units.ts";
import type { Record_ } from "../protocol/gw1376-1/layout.ts";

export interface ForwardRequest {
  /** 1376.1 communication port (2 = first RS-485, 31 = carrier). */
  readonly port: number;
  /** The DL/T 645 frame to send, as the master gave it. */
  readonly frame: Uint8Array;
  /** How long to wait for the meter's answer. */
  readonly timeoutMs: number;
  /**
   * Line settings the master asked for (AFN10 F1 control word); an engine applies them on a serial port for
   * this exchange and may ignore them on the carrier port. Absent: the meter's own rate or the port default.
   */
  readonly line?: SerialLine;
  /** AFN10 F1 byte timeout: a silence this long ends the answer. */
  readonly byteTimeoutMs?: number;
  /** AFN10 F9 relay (repeater) addresses, 12 digits each, first hop first; empty or absent: direct. */
  readonly relays?: readonly string[];
}

export interface SerialLine {
  readonly baud: number;
  readonly dataBits: 5 | 6 | 7 | 8;
  readonly parity: "none" | "even" | "odd";
  readonly stopBits: 1 | 2;
}

export interface FieldAccess {
  /**
   * Reads AFN0C `fn` for measurement point `point` from its meter now, giving up at host time `deadline`.
   * Resolves to the item as the 1376.1 codec encodes it, or undefined when the meter did not answer in time.
   * Never rejects.
   */
  readCurrent(point: number, fn: number, deadline: number): Promise<DataItem | undefined>;
  /** AFN10 F1: sends the frame on the port and resolves to the first answer frame, undefined on timeout. */
  forward(request: ForwardRequest): Promise<Uint8Array | undefined>;
  /** AFN0C F11 centralised-reading status (the p0 data object), from the engine's figures. */
  readingStatus?(): Record_ | undefined;
}
