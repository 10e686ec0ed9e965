/**
 * Protocol autodetection for `opendcu decode` and the traffic views: each codec contributes one detector
 * row. A detector says whether bytes look like its frames and turns them into a description.
 */
import type { DecodeError } from "./common/decode-error.ts";

export interface FrameDescription {
  /** Machine-readable fields; numbers in engineering units. Always includes `protocol`. */
  readonly json: Record<string, unknown>;
  /** Human-readable field-by-field tree, one line per entry, indented with two spaces per level. */
  readonly tree: readonly string[];
}

export interface Detector {
  /** e.g. "gw1376.1", "dlt645", "gw1376.2". */
  readonly protocol: string;
  /** Cheap check on the first bytes (after any FE preamble) that this is plausibly one of our frames. */
  matches(bytes: Uint8Array): boolean;
  /**
   * Length in bytes (preamble included) of the frame that starts at `bytes[0]`, when its header tells it;
   * lets `opendcu decode` walk input that holds several frames back to back. Optional.
   */
  frameLength?(bytes: Uint8Array): number | undefined;
  /** Full decode of exactly one frame. */
  describe(bytes: Uint8Array): { ok: true; value: FrameDescription } | { ok: false; error: DecodeError };
}

/** Ordered: the first detector whose `matches` holds and whose `describe` succeeds wins. */
export const DETECTORS: Detector[] = [];

export function registerDetector(detector: Detector): void {
  if (!DETECTORS.some((d) => d.protocol === detector.protocol)) DETECTORS.push(detector);
}
