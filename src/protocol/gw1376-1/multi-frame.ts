/**
 * Multi-frame messages (shared/protocol/gw1376-1.md §3.7 [M]): an answer that does not fit one frame is split
 * on data-unit boundaries into frames marked FIR/FIN (10 first, 00 middle, 01 last, 11 single), the sequence
 * number starting at the request's PSEQ and incrementing per frame modulo 16. Every frame is complete, with
 * its own AUX. The reassembler does the inverse on the receiving side, with a cap on what it will hold.
 */
import { ALL_POINTS } from "./dadt.ts";
import type { DataItem, DataUnitGroup } from "./data-units.ts";
import { encodeDataUnits } from "./data-units.ts";
import { findFnRow } from "./fn-table.ts";
import { encodeFrame, FRAME_OVERHEAD } from "./frame.ts";
import type { DescribedCustomCodec } from "./layout-codec.ts";
import type { Message, MessageInit } from "./message.ts";
import { type Gw13761Profile, PROFILE_2013 } from "./profile.ts";

/** Items sharing one Fn and consecutive points of one DA group travel under one DA/DT (point-major order). */
export function groupItemsCompactly(items: readonly DataItem[]): DataUnitGroup[] {
  const groups: { pns: number[]; fns: number[]; items: DataItem[] }[] = [];
  for (const item of items) {
    const last = groups[groups.length - 1];
    const sameGroup =
      last !== undefined &&
      last.fns.length === 1 &&
      last.fns[0] === item.fn &&
      item.raw === undefined &&
      item.pn > 0 &&
      item.pn !== ALL_POINTS &&
      (last.pns[last.pns.length - 1] as number) < item.pn &&
      Math.floor(((last.pns[0] as number) - 1) / 8) === Math.floor((item.pn - 1) / 8) &&
      (last.pns[0] as number) > 0;
    if (sameGroup) {
      last.pns.push(item.pn);
      last.items.push(item);
    } else {
      groups.push({ pns: [item.pn], fns: [item.fn], items: [item] });
    }
  }
  return groups;
}

/**
 * True when the body of (afn, fn) in direction `dir` ends with a field that reads to the end of the data
 * unit (AFN0E F1/F2 records, AFN00 F3 entries): such a unit must be the last of its frame, or the decoder
 * would read the next unit's bytes as part of it.
 */
function runsToEnd(afn: number, dir: 0 | 1, fn: number): boolean {
  const row = findFnRow(afn, fn);
  const body = dir === 0 ? row?.down : row?.up;
  const last = body?.[body.length - 1];
  return last?.type === "custom" && (last.codec as Partial<DescribedCustomCodec>).consumesRest === true;
}

/**
 * Encodes `items` as one or more frames of at most `profile.maxFrameBytes` bytes each. `header.seq.seq` is
 * the first frame's sequence number. Throws RangeError when a single data unit cannot fit one frame.
 */
export function encodeMultiFrame(
  header: Omit<MessageInit, "groups">,
  items: readonly DataItem[],
  profile: Gw13761Profile = PROFILE_2013,
): Uint8Array[] {
  const auxBytes =
    (header.pw ? 16 : 0) +
    (header.control.dir === 1 && header.control.fcbAcd === 1 ? 2 : 0) +
    (header.seq.tpv ? 6 : 0);
  const regions = packDataUnits(header.afn, header.control.dir, items, auxBytes, profile);
  const total = regions.length;
  return regions.map((userData, i) => {
    const seq = { ...header.seq, fir: i === 0, fin: i === total - 1, seq: (header.seq.seq + i) & 0x0f };
    return encodeFrame({ ...header, seq, userData }, profile);
  });
}

/**
 * The data-unit regions of `items`, split on unit boundaries so that each fits one frame carrying
 * `auxBytes` of AUX (PW/EC/Tp). Also used for active reports, whose frames are built one at a time later.
 * Throws RangeError when a single data unit cannot fit one frame.
 */
export function packDataUnits(
  afn: number,
  dir: 0 | 1,
  items: readonly DataItem[],
  auxBytes: number,
  profile: Gw13761Profile = PROFILE_2013,
): Uint8Array[] {
  const groups = groupItemsCompactly(items);
  const budget = profile.maxFrameBytes - FRAME_OVERHEAD - 8 - auxBytes;
  if (budget <= 4)
    throw new RangeError(`maxFrameBytes ${profile.maxFrameBytes} leaves no room for data units`);

  // Pack encoded groups greedily; a group too large for one frame is split into its items.
  const chunks: Uint8Array[][] = [[]];
  let used = 0;
  const place = (bytes: Uint8Array, endsFrame: boolean) => {
    if (bytes.length > budget) return false;
    if (used + bytes.length > budget) {
      chunks.push([]);
      used = 0;
    }
    (chunks[chunks.length - 1] as Uint8Array[]).push(bytes);
    // A unit that runs to the end closes its frame: the next unit starts a new one.
    used = endsFrame ? budget + 1 : used + bytes.length;
    return true;
  };
  for (const group of groups) {
    const endsFrame = group.fns.some((fn) => runsToEnd(afn, dir, fn));
    if (endsFrame && group.items.length > 1) {
      // Several run-to-end bodies under one DA/DT could never be told apart: one unit per item.
      for (const item of group.items) {
        const single = { pns: [item.pn], fns: [item.fn], items: [item] };
        if (!place(encodeDataUnits(afn, dir, [single], profile), true)) {
          throw new RangeError(
            `p${item.pn} F${item.fn} does not fit one ${profile.maxFrameBytes}-byte frame`,
          );
        }
      }
      continue;
    }
    if (place(encodeDataUnits(afn, dir, [group], profile), endsFrame)) continue;
    for (const item of group.items) {
      const single = encodeDataUnits(afn, dir, [{ pns: [item.pn], fns: [item.fn], items: [item] }], profile);
      if (!place(single, endsFrame)) {
        throw new RangeError(
          `p${item.pn} F${item.fn} needs ${single.length} bytes, more than one ${profile.maxFrameBytes}-byte frame holds`,
        );
      }
    }
  }
  return chunks.map((parts) => {
    const userData = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      userData.set(p, at);
      at += p.length;
    }
    return userData;
  });
}

export type ReassemblyResult =
  | { readonly state: "incomplete" }
  | { readonly state: "complete"; readonly message: Message }
  | { readonly state: "error"; readonly reason: "out-of-order" | "too-large" | "mismatch" };

/**
 * Collects the frames of one multi-frame message. Frames must arrive in order with consecutive sequence
 * numbers; a new FIR frame restarts. `maxItems` bounds memory against a peer that never sends FIN.
 */
export class MultiFrameReassembler {
  #parts: Message[] = [];
  #items = 0;
  readonly #maxItems: number;

  constructor(maxItems = 20_000) {
    this.#maxItems = maxItems;
  }

  push(message: Message): ReassemblyResult {
    const { fir, fin } = message.seq;
    if (fir) this.#reset();
    const previous = this.#parts[this.#parts.length - 1];
    if (!fir) {
      if (previous === undefined) {
        // Single frame sent with FIR=0/FIN=1 (KSY L15–L20 quirk): accept it on its own.
        if (fin) return { state: "complete", message };
        return { state: "error", reason: "out-of-order" };
      }
      if (message.seq.seq !== ((previous.seq.seq + 1) & 0x0f)) {
        this.#reset();
        return { state: "error", reason: "out-of-order" };
      }
      if (message.afn !== previous.afn || message.address.terminal !== previous.address.terminal) {
        this.#reset();
        return { state: "error", reason: "mismatch" };
      }
    }
    this.#items += message.groups.reduce((n, g) => n + g.items.length, 0);
    if (this.#items > this.#maxItems) {
      this.#reset();
      return { state: "error", reason: "too-large" };
    }
    this.#parts.push(message);
    if (!fin) return { state: "incomplete" };
    const first = this.#parts[0] as Message;
    const last = message;
    const whole: Message = {
      ...last,
      seq: { ...last.seq, fir: true, fin: true, seq: first.seq.seq },
      groups: this.#parts.flatMap((p) => p.groups),
    };
    this.#reset();
    return { state: "complete", message: whole };
  }

  #reset(): void {
    this.#parts = [];
    this.#items = 0;
  }
}
