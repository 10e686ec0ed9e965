/**
 * The data-unit layer: the bytes between SEQ and AUX are a run of `DA DT body…` blocks (§2.3). One DA names up
 * to 8 points of one group and one DT up to 8 Fn of one group; bodies follow point-major, Fn-minor. Each body's
 * layout comes from the Fn table (`fn-table.ts`) for the frame's AFN and direction.
 */
import { ByteReader } from "../common/byte-reader.ts";
import { ByteWriter } from "../common/byte-writer.ts";
import { catchDecode, type DecodeError, DecodeFailure, decodeError, raise } from "../common/decode-error.ts";
import { byteHex, fromHex, toHex } from "../common/hex.ts";
import { ALL_POINTS, daFromPns, dtFromFns, fnsFromDt, pnsFromDa } from "./dadt.ts";
import { findFnRow } from "./fn-table.ts";
import type { Field, FnRow, Record_ } from "./layout.ts";
import { decodeFields, encodeFields } from "./layout-codec.ts";
import type { Gw13761Profile } from "./profile.ts";
import { applyProfileTransform } from "./profile-transforms.ts";

/** One (pn, Fn) item with its decoded body. */
export interface DataItem {
  readonly pn: number;
  readonly fn: number;
  /** Decoded body; `{}` when the Fn has no body in this direction. */
  readonly data: Record_;
  /** Set when the body could not be decoded (Fn not in the table, or a malformed last body under the quirk
   *  switch): the body's bytes as hex. Only ever the last item of a frame. */
  readonly raw?: string;
  /** Why a known Fn's body was kept raw. */
  readonly rawReason?: DecodeError;
}

/** One DA/DT block and the items it carries, in wire order. */
export interface DataUnitGroup {
  readonly pns: readonly number[];
  readonly fns: readonly number[];
  readonly items: readonly DataItem[];
}

/** The layout row for (afn, fn) — AFN0A rows and AFN04 rows are separate entries of the one table. */
export function bodyFields(row: FnRow | undefined, dir: 0 | 1): readonly Field[] | undefined {
  if (row === undefined) return undefined;
  return (dir === 0 ? row.down : row.up) ?? [];
}

/**
 * Decodes the data-unit region. `offset` is the region's offset in the whole frame (for error reports).
 * Raises (inside catchDecode) on malformed input; the error's field starts with the unit, point and Fn it was
 * in (`units[0].p1.F161.…`).
 */
export function decodeDataUnits(
  afn: number,
  dir: 0 | 1,
  userData: Uint8Array,
  offset: number,
  profile: Gw13761Profile,
): DataUnitGroup[] {
  const r = new ByteReader(userData, offset);
  const groups: DataUnitGroup[] = [];
  // Where decoding is, for the error path; the path text is built only when an error is raised.
  let pn = NO_ITEM;
  let fn = NO_ITEM;
  try {
    while (!r.atEnd) {
      pn = NO_ITEM;
      const g = groups.length;
      const da1 = r.u8("da1");
      const da2 = r.u8("da2");
      const dt1 = r.u8("dt1");
      const dt2 = r.u8("dt2");
      const pns = pnsFromDa(da1, da2);
      const fns = fnsFromDt(dt1, dt2);

      // §6.3 quirks (L4, L24): AFN00 F1/F2 followed by stray bytes or an F3-shaped body.
      if (afn === 0x00 && g === 0 && profile.acceptQuirks && (dt1 & 0x03) !== 0 && dt2 === 0 && !r.atEnd) {
        const quirk = decodeAfn00Quirk(r, pns, fns, dir);
        groups.push(quirk);
        break;
      }

      const items: DataItem[] = [];
      for (let p = 0; p < pns.length; p++) {
        for (let f = 0; f < fns.length; f++) {
          pn = pns[p] as number;
          fn = fns[f] as number;
          const fields = bodyFields(findFnRow(afn, fn), dir);
          const isLast = p === pns.length - 1 && f === fns.length - 1;
          if (fields === undefined) {
            if (!isLast) {
              raise({
                code: "unknown-fn",
                field: "dt",
                offset: r.offset,
                expected: "a known Fn",
                actual: `AFN${byteHex(afn)} F${fn}`,
              });
            }
            // Unknown Fn, but its length is determinable: it runs to the end of the data units.
            items.push({ pn, fn, data: {}, raw: toHex(r.rest()) });
            continue;
          }
          if (profile.acceptQuirks && isLast) {
            // §6.3-style tolerance for real captures (KSY L16/L17/L20/L23: half-EE values, an over-long F167):
            // when the last item's body does not decode, keep it as raw bytes with the reason instead of
            // failing the whole frame. A later unit after such a body could not be located anyway.
            const start = r.position;
            const attempt = catchDecode(() => decodeFields(fields, r));
            if (attempt.ok) {
              items.push({ pn, fn, data: applyProfileTransform(afn, fn, dir, attempt.value, profile) });
            } else {
              r.rest();
              const rawReason = inUnit(attempt.error, g, pn, fn);
              items.push({ pn, fn, data: {}, raw: toHex(r.bytes.subarray(start)), rawReason });
            }
            continue;
          }
          items.push({ pn, fn, data: applyProfileTransform(afn, fn, dir, decodeFields(fields, r), profile) });
        }
      }
      groups.push({ pns, fns, items });
    }
  } catch (caught) {
    if (caught instanceof DecodeFailure) throw new DecodeFailure(inUnit(caught.error, groups.length, pn, fn));
    throw caught;
  }
  return groups;
}

/** Marks "in the unit's DA/DT, not in an item" for the error path. */
const NO_ITEM = -1;

/** `error` with its field placed in unit `g` (and item pn/Fn unless NO_ITEM): `units[g].p1.F161.<field>`. */
function inUnit(error: DecodeError, g: number, pn: number, fn: number): DecodeError {
  const item = pn === NO_ITEM ? "" : `.p${pn === ALL_POINTS ? "all" : pn}.F${fn}`;
  return decodeError({ ...error, field: `units[${g}]${item}.${error.field}` });
}

function decodeAfn00Quirk(r: ByteReader, pns: number[], fns: number[], dir: 0 | 1): DataUnitGroup {
  const f3 = bodyFields(findFnRow(0x00, 3), dir);
  if (f3 !== undefined && f3.length > 0) {
    const attempt = catchDecode(() => {
      const tail = new ByteReader(r.bytes.subarray(r.position), r.offset);
      const data = decodeFields(f3, tail);
      tail.expectEnd("data");
      return data;
    });
    if (attempt.ok) {
      r.rest();
      return { pns, fns: [3], items: [{ pn: pns[0] ?? 0, fn: 3, data: attempt.value }] };
    }
  }
  // Not F3-shaped (L4): a confirm/deny-all with stray bytes, which are ignored.
  r.rest();
  return { pns, fns, items: fns.map((fn) => ({ pn: pns[0] ?? 0, fn, data: {} })) };
}

/** Encodes groups into the data-unit region. Throws RangeError naming the item whose value does not fit. */
export function encodeDataUnits(
  afn: number,
  dir: 0 | 1,
  groups: readonly DataUnitGroup[],
  profile: Gw13761Profile,
  writer = new ByteWriter(),
): Uint8Array {
  for (const group of groups) {
    const [da1, da2] = daFromPns(group.pns);
    const [dt1, dt2] = dtFromFns(group.fns);
    writer.u8(da1).u8(da2).u8(dt1).u8(dt2);
    for (const item of group.items) {
      if (item.raw !== undefined) {
        const bytes = fromHex(item.raw);
        if (bytes === undefined) throw new RangeError(`AFN${byteHex(afn)} F${item.fn}: raw body is not hex`);
        writer.bytes(bytes);
        continue;
      }
      const fields = bodyFields(findFnRow(afn, item.fn), dir);
      if (fields === undefined)
        throw new RangeError(`AFN${byteHex(afn)} F${item.fn} is not in the table and has no raw body`);
      encodeFields(fields, applyProfileTransform(afn, item.fn, dir, item.data, profile), writer);
    }
  }
  return writer.finish();
}
