/** Every codec's autodetection row, in the order they are tried (most specific header first). */
import type { Detector } from "./detect.ts";
import { DLT645_DETECTOR } from "./dlt645/detector.ts";
import { GW13761_DETECTOR } from "./gw1376-1/detector.ts";
import { GW13762_DETECTOR } from "./gw1376-2/detector.ts";

export const ALL_DETECTORS: readonly Detector[] = [GW13761_DETECTOR, DLT645_DETECTOR, GW13762_DETECTOR];
