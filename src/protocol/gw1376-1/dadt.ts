/**
 * Data-unit identifiers (Q/GDW 1376.1-2013 §5.1.3.4, shared/protocol/gw1376-1.md §2.3 [H]).
 *
 *   DA = DA1 DA2: DA2 = point group 1..255, DA1 = bitmap of 8 points  → pn = (DA2−1)·8 + bit + 1
 *                 DA1 = DA2 = 0 → p0 (the terminal);  DA1 = FF, DA2 = 00 → all valid points
 *   DT = DT1 DT2: DT2 = Fn group,         DT1 = bitmap of 8 Fn      → Fn = DT2·8 + bit + 1
 */
/** Pseudo point number for "all valid measurement points" (DA = FF 00). */
export const ALL_POINTS = 0xffff;
export const MAX_PN = 2040;

/** The points named by DA1/DA2, ascending. */
export function pnsFromDa(da1: number, da2: number): number[] {
  if (da1 === 0) return [0]; // p0; DA2 is ignored (tolerant: some masters leave it non-zero)
  if (da2 === 0) {
    // shared/protocol/gw1376-1.md §2.3: FF 00 = all valid points; any other bitmap with group 0 is meaningless.
    return [ALL_POINTS];
  }
  const out: number[] = [];
  for (let bit = 0; bit < 8; bit++) if (da1 & (1 << bit)) out.push((da2 - 1) * 8 + bit + 1);
  return out;
}

/** The Fn named by DT1/DT2, ascending. */
export function fnsFromDt(dt1: number, dt2: number): number[] {
  const out: number[] = [];
  for (let bit = 0; bit < 8; bit++) if (dt1 & (1 << bit)) out.push(dt2 * 8 + bit + 1);
  return out;
}

/**
 * DA for a set of points that must share one group (or be exactly [0] or [ALL_POINTS]).
 * Throws RangeError for sets that one DA cannot express: callers group points with `groupPoints` first.
 */
export function daFromPns(pns: readonly number[]): [number, number] {
  if (pns.length === 1 && pns[0] === 0) return [0, 0];
  if (pns.length === 1 && pns[0] === ALL_POINTS) return [0xff, 0];
  let da1 = 0;
  let da2 = -1;
  for (const pn of pns) {
    if (!Number.isInteger(pn) || pn < 1 || pn > MAX_PN) throw new RangeError(`pn ${pn} outside 1..${MAX_PN}`);
    const group = Math.floor((pn - 1) / 8) + 1;
    if (da2 !== -1 && group !== da2) throw new RangeError(`points ${pns.join(",")} are not in one DA group`);
    da2 = group;
    da1 |= 1 << ((pn - 1) % 8);
  }
  if (da2 === -1) throw new RangeError("a DA needs at least one point");
  return [da1, da2];
}

/** DT for a set of Fn that must share one group of 8. */
export function dtFromFns(fns: readonly number[]): [number, number] {
  let dt1 = 0;
  let dt2 = -1;
  for (const fn of fns) {
    if (!Number.isInteger(fn) || fn < 1 || fn > 2040) throw new RangeError(`F${fn} outside F1..F2040`);
    const group = Math.floor((fn - 1) / 8);
    if (dt2 !== -1 && group !== dt2) throw new RangeError(`F${fns.join(",F")} are not in one DT group`);
    dt2 = group;
    dt1 |= 1 << ((fn - 1) % 8);
  }
  if (dt2 === -1) throw new RangeError("a DT needs at least one Fn");
  return [dt1, dt2];
}

/** Splits ascending points into the DA groups they need (p0 and ALL_POINTS always stand alone). */
export function groupPoints(pns: readonly number[]): number[][] {
  const groups = new Map<number, number[]>();
  for (const pn of [...new Set(pns)].sort((a, b) => a - b)) {
    const key = pn === 0 || pn === ALL_POINTS ? -pn - 1 : Math.floor((pn - 1) / 8);
    let list = groups.get(key);
    if (list === undefined) {
      list = [];
      groups.set(key, list);
    }
    list.push(pn);
  }
  return [...groups.values()];
}

/** Splits Fn into DT groups of 8. */
export function groupFns(fns: readonly number[]): number[][] {
  const groups = new Map<number, number[]>();
  for (const fn of [...new Set(fns)].sort((a, b) => a - b)) {
    const key = Math.floor((fn - 1) / 8);
    let list = groups.get(key);
    if (list === undefined) {
      list = [];
      groups.set(key, list);
    }
    list.push(fn);
  }
  return [...groups.values()];
}
