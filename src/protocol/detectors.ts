/** Every codec's autodetection row, in the order they are tried (most specific header first). */
import type { Detector } from "./detect.ts";
import { GW13761_DETECTOR } from "./gw1376-1/detector.ts";

export const ALL_DETECTORS: readonly Detector[] = [GW13761_DETECTOR];
