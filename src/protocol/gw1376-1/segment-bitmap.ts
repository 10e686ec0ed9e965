/**
 * AFN0C F14 "file segments not yet received" (shared/protocol/gw1376-1.md §4.6, [L-M], layout from NUC
 * only): group number BIN 2 + a 128-byte bitmap, bit = 1 → segment still missing. One group covers 1024
 * segments. Our reading, marked [L] where the source is silent:
 *   - the group number is 0-based: group g covers segments 1024·g … 1024·g + 1023 [L];
 *   - bit j of bitmap byte i is segment 1024·g + 8·i + j (least significant bit first, as every other 1376.1
 *     bitmap: DA1, DT1, AFN04 F9) [L];
 *   - bits past the last segment are 0 (they name no segment).
 * The codec row keeps the bitmap as a `bits` hex string (most significant byte first); these helpers convert
 * between that value and segment indices so the terminal and the master share one reading.
 */
import { fromHex, toHex } from "../common/hex.ts";

export const SEGMENTS_PER_GROUP = 1024;
const BITMAP_BYTES = SEGMENTS_PER_GROUP / 8;

export interface MissingGroup {
  readonly group: number;
  /** The `bits` value of the codec row: 256 hex digits, most significant byte first. */
  readonly missing: string;
}

/** The F14 value for `group`, with the given missing segment indices (others outside the group ignored). */
export function encodeMissingGroup(group: number, missing: Iterable<number>): MissingGroup {
  const wire = new Uint8Array(BITMAP_BYTES);
  const first = group * SEGMENTS_PER_GROUP;
  for (const index of missing) {
    const offset = index - first;
    if (offset < 0 || offset >= SEGMENTS_PER_GROUP) continue;
    wire[offset >> 3] = (wire[offset >> 3] as number) | (1 << (offset & 7));
  }
  return { group, missing: toHex(wire.reverse(), "") };
}

/** Segment indices marked missing in an F14 value; undefined when the value is not a 128-byte bitmap. */
export function decodeMissingGroup(value: { group?: unknown; missing?: unknown }): number[] | undefined {
  if (typeof value.group !== "number" || typeof value.missing !== "string") return undefined;
  const bytes = fromHex(value.missing);
  if (bytes === undefined || bytes.length !== BITMAP_BYTES) return undefined;
  const wire = bytes.reverse();
  const first = value.group * SEGMENTS_PER_GROUP;
  const out: number[] = [];
  for (let offset = 0; offset < SEGMENTS_PER_GROUP; offset++) {
    if (((wire[offset >> 3] as number) >> (offset & 7)) & 1) out.push(first + offset);
  }
  return out;
}

/**
 * What the terminal answers: the lowest group that still has missing segments; when nothing is missing
 * (transfer complete) group 0 with an empty bitmap. Without any transfer every bit of group 0 is set — the
 * terminal holds nothing, so a master resuming after a break starts from the beginning [L].
 */
export function missingGroupAnswer(
  transfer: { totalSegments: number; missing: readonly number[] } | undefined,
): MissingGroup {
  if (transfer === undefined) {
    return encodeMissingGroup(
      0,
      Array.from({ length: SEGMENTS_PER_GROUP }, (_, i) => i),
    );
  }
  const first = transfer.missing[0];
  if (first === undefined) return encodeMissingGroup(0, []);
  return encodeMissingGroup(Math.floor(first / SEGMENTS_PER_GROUP), transfer.missing);
}
