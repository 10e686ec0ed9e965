/**
 * The RS-485 channel's timing rules, all scaled by the line's byte time so that a 1200-baud meter gets the
 * patience a 9600-baud one does not need. Every figure is configurable (start-up file, tests, benches).
 */
import { MAX_FRAME_LENGTH } from "../../protocol/dlt645/splitter.ts";
import type { ExchangeTimeouts } from "./exchange-machine.ts";
import { byteTimeMs, type LineSettings } from "./line-settings.ts";

export interface Rs485Timing {
  /**
   * Meter turnaround allowed before the first answer byte, ms. DL/T 645-2007 gives the meter 20..500 ms
   * (Td) to start answering [M]; the default keeps exactly that bound and adds byte times below.
   */
  readonly responseBaseMs: number;
  /** Extra response allowance, in byte times (adapters and converters add a few characters of delay). */
  readonly responseByteTimes: number;
  /** Longest silence inside one answer: the larger of a floor (OS scheduling, USB adapters) and byte times. */
  readonly interByteFloorMs: number;
  readonly interByteByteTimes: number;
  /**
   * Silence kept after an exchange that did not end on a complete answer (silence, garbage, a port error)
   * before the next transmission: the line's state is unknown (a late or noisy meter may still be driving
   * it). DL/T 645 frames are delimited, so no framing gap is needed (unlike Modbus RTU's 3.5 characters).
   */
  readonly gapFloorMs: number;
  readonly gapByteTimes: number;
  /**
   * Silence kept after a complete answer frame (its CS and 16 arrived) before the next transmission, ms.
   * Default 0: the next request goes out at once. The answering meter has sent its last byte and only has
   * to release its driver; the FE preamble that starts every request is the guard for that (a receiver
   * skips whatever precedes 68, so a spoilt wake-up byte costs nothing) [M: DL/T 645 sets no gap; a
   * converter or meter that needs one can be given it here].
   */
  readonly gapAfterAnswerMs: number;
  /** Resends after no answer or a bad answer (an abnormal reply is an answer and is not resent). */
  readonly retries: number;
  /** FE bytes sent before every frame to wake the receivers (DL/T 645-2007 §4.4: one to four [H]). */
  readonly preambleBytes: number;
  /** First delay before re-opening a port that failed to open; doubled per failure up to the maximum. */
  readonly reopenInitialMs: number;
  readonly reopenMaxMs: number;
}

export const DEFAULT_RS485_TIMING: Rs485Timing = {
  responseBaseMs: 500,
  responseByteTimes: 10,
  interByteFloorMs: 100,
  interByteByteTimes: 20,
  gapFloorMs: 5,
  gapByteTimes: 1,
  gapAfterAnswerMs: 0,
  retries: 2,
  preambleBytes: 4,
  reopenInitialMs: 1000,
  reopenMaxMs: 60_000,
};

/** Response, inter-byte and whole-answer limits for one exchange on `line`. */
export function exchangeTimeouts(line: LineSettings, timing: Rs485Timing): ExchangeTimeouts {
  const b = byteTimeMs(line);
  const interByteMs = Math.max(timing.interByteFloorMs, timing.interByteByteTimes * b);
  return {
    responseMs: timing.responseBaseMs + timing.responseByteTimes * b,
    interByteMs,
    // The longest frame (with a preamble) twice over, plus one inter-byte pause: generous, but finite.
    maxAnswerMs: 2 * (MAX_FRAME_LENGTH + 4) * b + interByteMs,
  };
}

/** Silence after an exchange before the next transmission on `line`: shorter after a complete answer. */
export function interFrameGapMs(line: LineSettings, timing: Rs485Timing, endedOnAnswer: boolean): number {
  if (endedOnAnswer) return timing.gapAfterAnswerMs;
  return Math.max(timing.gapFloorMs, timing.gapByteTimes * byteTimeMs(line));
}
