import type { Detector } from "../detect.ts";
import { describeGw13761 } from "./describe.ts";
import { FRAME_OVERHEAD, headerL1, skipPreamble } from "./frame.ts";
import { PROFILE_TOLERANT } from "./profile.ts";

/** Autodetection row for `opendcu decode`: `68 L L L L 68` with equal length copies (§1.1). */
export const GW13761_DETECTOR: Detector = {
  protocol: "gw1376.1",
  matches(bytes) {
    const at = skipPreamble(bytes);
    return bytes.length - at >= 6 && headerL1(bytes, at, PROFILE_TOLERANT) >= 0;
  },
  frameLength(bytes) {
    const at = skipPreamble(bytes);
    const l1 = headerL1(bytes, at, PROFILE_TOLERANT);
    return l1 >= 0 ? at + l1 + FRAME_OVERHEAD : undefined;
  },
  describe(bytes) {
    return describeGw13761(bytes, PROFILE_TOLERANT);
  },
};
