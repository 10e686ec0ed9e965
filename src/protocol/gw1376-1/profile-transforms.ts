/**
 * Body transforms that depend on the profile rather than on the layout: the one table of them. Each entry
 * turns the wire form of a body into its logical form on decode and back on encode.
 */
import type { Record_ } from "./layout.ts";
import type { Gw13761Profile } from "./profile.ts";

interface ProfileTransform {
  readonly afn: number;
  readonly fn: number;
  readonly dir: 0 | 1;
  readonly applies: (profile: Gw13761Profile) => boolean;
  /** Self-inverse here, so one function serves both directions. */
  readonly transform: (data: Record_) => Record_;
}

function reverseHex(hex: string): string {
  return hex === "" ? "" : hex.split(" ").reverse().join(" ");
}

const TRANSFORMS: readonly ProfileTransform[] = [
  {
    // shared/protocol/gw1376-1.md §0 [M]: in the 2013 profile each AFN0F F1 segment's payload travels reversed
    // (CRZ `ReverseMem`, NUC `Data_Inverse`); the logical `data` is the file's bytes in natural order.
    afn: 0x0f,
    fn: 1,
    dir: 0,
    applies: (profile) => profile.fileSegmentReversed,
    transform: (data) => ({ ...data, data: reverseHex(String(data.data ?? "")) }),
  },
];

/** Converts between wire and logical form of a body (the same call in both directions). */
export function applyProfileTransform(
  afn: number,
  fn: number,
  dir: 0 | 1,
  data: Record_,
  profile: Gw13761Profile,
): Record_ {
  for (const t of TRANSFORMS) {
    if (t.afn === afn && t.fn === fn && t.dir === dir && t.applies(profile)) return t.transform(data);
  }
  return data;
}
