/**
 * AFN10 F9, a meter read the master asks the terminal to make (shared/protocol/gw1376-1.md §4.10): the
 * terminal builds the DL/T 645 read itself from the target address, the protocol flag and the data
 * identifier, sends it through the field, and answers a result code with the meter's data.
 *
 * Answer (GY master decoder `decode_afn10_F09`, three concentrator/master sources for the codes) [H layout,
 * H codes]: port, target A.12, result, k+4, then DI (4 bytes, DI0 first) and the k data bytes with the
 * DL/T 645 +33H scrambling removed. Result: 0 cannot forward, 1 no answer in time, 2 answer unusable,
 * 3 confirmation, 4 denial (abnormal answer; its error byte follows the DI), 5 data.
 */
import type { Result } from "../protocol/common/decode-error.ts";
import { type Dlt645Frame, decodeFrame, encodeFrame, parseControl } from "../protocol/dlt645/frame.ts";

export const FORWARD_RESULT = {
  cannotForward: 0,
  timeout: 1,
  receiveError: 2,
  confirmed: 3,
  denied: 4,
  data: 5,
} as const;

/** DL/T 645 "read data" function codes: 2007 11H, 1997 01H (§7 of each edition). */
const READ_FN = { "2007": 0x11, "1997": 0x01 } as const;

export type ForwardEdition = keyof typeof READ_FN;

/** F9 protocol flag → edition (0 = DL/T 645-1997, 1 = DL/T 645-2007); undefined for other values. */
export function editionOfFlag(flag: number): ForwardEdition | undefined {
  return flag === 0 ? "1997" : flag === 1 ? "2007" : undefined;
}

/** The DI bytes (DI0 first) the read carries: 4 for 2007, the low 2 for 1997. */
function diBytes(edition: ForwardEdition, dataId: Uint8Array): Uint8Array {
  return edition === "2007" ? dataId.subarray(0, 4) : dataId.subarray(0, 2);
}

/** The DL/T 645 read request for `address` (12 digits) and `dataId` (4 bytes, DI0 first), with a wake-up preamble. */
export function buildMeterRead(edition: ForwardEdition, address: string, dataId: Uint8Array): Uint8Array {
  return encodeFrame(
    { address, control: READ_FN[edition], data: diBytes(edition, dataId) },
    { preamble: Uint8Array.of(0xfe, 0xfe, 0xfe, 0xfe) },
  );
}

export interface ForwardOutcome {
  readonly result: number;
  /** DI (4 bytes as requested) followed by the unscrambled data. */
  readonly data: Uint8Array;
}

/** Interprets the meter's answer (undefined: none in time) to a read of `address`/`dataId`. */
export function interpretAnswer(
  edition: ForwardEdition,
  address: string,
  dataId: Uint8Array,
  answer: Uint8Array | undefined,
): ForwardOutcome {
  const di = dataId.subarray(0, 4);
  if (answer === undefined) return { result: FORWARD_RESULT.timeout, data: di };
  const decoded: Result<Dlt645Frame> = decodeFrame(answer);
  if (!decoded.ok) return { result: FORWARD_RESULT.receiveError, data: di };
  const frame = decoded.value;
  const control = parseControl(frame.control);
  if (frame.address !== address || !control.reply || control.fn !== READ_FN[edition])
    return { result: FORWARD_RESULT.receiveError, data: di };
  if (control.abnormal) return { result: FORWARD_RESULT.denied, data: concat(di, frame.data.subarray(0, 1)) };
  const sent = diBytes(edition, dataId);
  const echoed = frame.data.subarray(0, sent.length);
  if (echoed.length !== sent.length || echoed.some((b, i) => b !== sent[i]))
    return { result: FORWARD_RESULT.receiveError, data: di };
  return { result: FORWARD_RESULT.data, data: concat(di, frame.data.subarray(sent.length)) };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
