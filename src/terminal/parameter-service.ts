/**
 * AFN04 set / AFN0A query of terminal parameters. Every unit is validated (layout decodes and consumes the
 * whole body, pn kind, semantic rules, F10 duplicates and capacity) and answered per unit, as AFN00 F3 needs
 * (ERR 0 ok, 1 other error, 2 meter-address duplicate: shared/protocol/gw1376-1.md §4.1). Accepted units are
 * stored together in one transaction and audited with ERC3 (master address + changed DA/DT).
 *
 * The body layouts come from the shared Fn table through one function, `ParameterDecoder`, so the codec is
 * plugged in at a single point (and tests may pass their own).
 */
import type { Clock } from "../common/clock.ts";
import type { Logger } from "../common/logger.ts";
import { decodeError, fail, type Result } from "../protocol/common/decode-error.ts";
import { daFromPns, dtFromFns } from "../protocol/gw1376-1/dadt.ts";
import { findFnRow } from "../protocol/gw1376-1/fn-table.ts";
import { decodeBody } from "../protocol/gw1376-1/layout-codec.ts";
import type { Store } from "../store/store.ts";
import { ERC3_MAX_UNITS, erc3 } from "./erc-records.ts";
import type { EventRecorder } from "./event-recorder.ts";
import { encodeF10Answer, parseF10 } from "./meter-config.ts";

export const AFN04 = 0x04;
export const F10 = 10;
export const MAX_POINT = 2040;

/** AFN00 F3 per-unit error codes. */
export const PARAM_OK = 0;
export const PARAM_ERROR = 1;
export const PARAM_DUPLICATE = 2;
export type ParamErr = typeof PARAM_OK | typeof PARAM_ERROR | typeof PARAM_DUPLICATE;

export interface ParameterUnit {
  readonly fn: number;
  readonly pn: number;
  readonly body: Uint8Array;
}

export interface UnitResult {
  readonly fn: number;
  readonly pn: number;
  readonly err: ParamErr;
  /** Why the unit was refused (for logs and the local interface). */
  readonly reason?: string;
}

/** Decodes an AFN04 body of Fn (must consume it exactly) into its JSON value. */
export type ParameterDecoder = (fn: number, body: Uint8Array) => Result<unknown>;

/** The default decoder: the shared 1376.1 Fn table (protocol/gw1376-1/afn04.ts rows). */
export const tableParameterDecoder: ParameterDecoder = (fn, body) => {
  const row = findFnRow(AFN04, fn);
  if (row?.down === undefined) {
    return fail(decodeError({ code: "unknown-fn", field: `AFN04 F${fn}`, offset: 0 }));
  }
  return decodeBody(row.down, body, `F${fn}`);
};

/** Extra rules per Fn beyond the layout (body is known to decode); return a reason to refuse. */
const SEMANTIC_RULES: Readonly<Record<number, (body: Uint8Array) => string | undefined>> = {
  // F35 key users: n 0..10 (shared/protocol §4.3)
  35: (body) => ((body[0] ?? 0) > 10 ? `key-user count ${body[0]} exceeds 10` : undefined),
};

/**
 * Fn numbers that are "communication with the master" and survive AFN01 F4 (shared/protocol §3.8 [M]):
 * uplink comm, relay, master IP/port/APN, phone/SMS, authentication, terminal IP, working mode, VPN,
 * terminal address.
 */
export const MASTER_COMM_FNS: ReadonlySet<number> = new Set([1, 2, 3, 4, 5, 7, 8, 16, 89]);

class Refused extends Error {
  readonly err: ParamErr;
  constructor(err: ParamErr, reason: string) {
    super(reason);
    this.err = err;
  }
}

export interface ParameterServiceOptions {
  store: Store;
  clock: Clock;
  events: EventRecorder;
  logger: Logger;
  utcOffsetMinutes: number;
  decoder?: ParameterDecoder;
}

/** Which parameters changed: the Fn numbers set, or "all" after an initialisation cleared them. */
export type ParameterChange = readonly number[] | "all";
export type ParameterChangeListener = (change: ParameterChange) => void;

export class ParameterService {
  readonly #listeners = new Set<ParameterChangeListener>();
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #events: EventRecorder;
  readonly #logger: Logger;
  readonly #offset: number;
  readonly #decode: ParameterDecoder;

  constructor(options: ParameterServiceOptions) {
    this.#store = options.store;
    this.#clock = options.clock;
    this.#events = options.events;
    this.#logger = options.logger;
    this.#offset = options.utcOffsetMinutes;
    this.#decode = options.decoder ?? tableParameterDecoder;
  }

  /**
   * Validates and stores the units of one AFN04 frame from master `msa`; returns one result per unit in
   * order (all ERR 0 → the uplink answers AFN00 F1, otherwise F3). Accepted units commit together.
   */
  set(units: readonly ParameterUnit[], msa: number): UnitResult[] {
    const results: UnitResult[] = [];
    this.#store.transaction(() => {
      for (const unit of units) {
        try {
          this.#store.db.savepoint(() => this.#apply(unit));
          results.push({ fn: unit.fn, pn: unit.pn, err: PARAM_OK });
        } catch (error) {
          if (!(error instanceof Refused)) throw error;
          results.push({ fn: unit.fn, pn: unit.pn, err: error.err, reason: error.message });
          this.#logger.warn(
            { fn: unit.fn, pn: unit.pn, err: error.err, reason: error.message },
            "AFN04 unit refused",
          );
        }
      }
    });
    const changed = results.filter((r) => r.err === PARAM_OK);
    if (changed.length > 0) this.notifyChanged([...new Set(changed.map((r) => r.fn))]);
    for (let i = 0; i < changed.length; i += ERC3_MAX_UNITS) {
      const dadts = changed.slice(i, i + ERC3_MAX_UNITS).map((r) => {
        const [da1, da2] = daFromPns([r.pn]);
        const [dt1, dt2] = dtFromFns([r.fn]);
        return Uint8Array.of(da1, da2, dt1, dt2);
      });
      this.#events.record(erc3(this.#clock.now(), this.#offset, msa, dadts));
    }
    return results;
  }

  /**
   * Subscribes to committed parameter changes (the uplink re-reads its link parameters: AFN04 F1, F3, F6,
   * F7, F8). Returns the unsubscribe function.
   */
  onChange(listener: ParameterChangeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Tells the listeners; a failing listener is logged and does not affect the others or the caller. */
  notifyChanged(change: ParameterChange): void {
    for (const listener of this.#listeners) {
      try {
        listener(change);
      } catch (error) {
        this.#logger.error({ error: String(error) }, "parameter change listener failed");
      }
    }
  }

  /** The stored body of (Fn, pn) for AFN0A, byte-exact as it was set; undefined when never set. */
  get(fn: number, pn: number): Uint8Array | undefined {
    if (fn === F10) return undefined;
    return this.#store.parameters.get(fn, pn)?.body;
  }

  /** The decoded value of (Fn, pn) for typed use by other modules. */
  getDecoded(fn: number, pn: number): unknown {
    return this.#store.parameters.get(fn, pn)?.decoded;
  }

  /** The AFN0A F10 answer for the requested serials (those configured, in request order). */
  queryMeters(serials: readonly number[]): Uint8Array {
    const entries = serials
      .map((s) => this.#store.meters.get(s))
      .filter((e): e is NonNullable<typeof e> => e !== undefined);
    return encodeF10Answer(entries);
  }

  /** AFN0C F3 parameter status: 31 bytes, bit k set when AFN04 F(k+1) has been set. */
  statusBitmap(): Uint8Array {
    const out = new Uint8Array(31);
    const fns = this.#store.parameters.setFns();
    if (this.#store.meters.count() > 0) fns.add(F10);
    for (const fn of fns) {
      const k = fn - 1;
      if (k >= 0 && k < 248) out[k >> 3] = (out[k >> 3] as number) | (1 << (k & 7));
    }
    return out;
  }

  #apply(unit: ParameterUnit): void {
    const row = findFnRow(AFN04, unit.fn);
    if (row !== undefined) {
      if (row.pn === "p0" && unit.pn !== 0)
        throw new Refused(PARAM_ERROR, `F${unit.fn} takes pn 0, got ${unit.pn}`);
      if (row.pn === "point" && (unit.pn < 1 || unit.pn > MAX_POINT)) {
        throw new Refused(
          PARAM_ERROR,
          `F${unit.fn} takes a measurement point 1..${MAX_POINT}, got ${unit.pn}`,
        );
      }
    }
    if (unit.fn === F10) {
      this.#applyF10(unit);
      return;
    }
    const decoded = this.#decode(unit.fn, unit.body);
    if (!decoded.ok) throw new Refused(PARAM_ERROR, decoded.error.message);
    const reason = SEMANTIC_RULES[unit.fn]?.(unit.body);
    if (reason !== undefined) throw new Refused(PARAM_ERROR, reason);
    this.#store.parameters.put(unit.fn, unit.pn, unit.body, decoded.value);
  }

  /** F10: duplicates inside the frame or against the archive → ERR 2 (shared/protocol §4.3.1, NUC). */
  #applyF10(unit: ParameterUnit): void {
    if (unit.pn !== 0) throw new Refused(PARAM_ERROR, `F10 takes pn 0, got ${unit.pn}`);
    const layout = this.#decode(F10, unit.body);
    if (!layout.ok) throw new Refused(PARAM_ERROR, layout.error.message);
    const parsed = parseF10(unit.body);
    if (!parsed.ok) throw new Refused(PARAM_ERROR, parsed.error.message);
    const { entries, deletions, serials } = parsed.value;
    const seenSerials = new Set<number>();
    for (const s of serials) {
      if (seenSerials.has(s)) throw new Refused(PARAM_DUPLICATE, `serial ${s} appears twice in one F10`);
      seenSerials.add(s);
    }
    const seenPoints = new Set<number>();
    const seenAddresses = new Set<string>();
    for (const e of entries) {
      if (seenPoints.has(e.point))
        throw new Refused(PARAM_DUPLICATE, `pn ${e.point} appears twice in one F10`);
      seenPoints.add(e.point);
      const key = `${e.port}/${e.address}`;
      if (seenAddresses.has(key)) {
        throw new Refused(PARAM_DUPLICATE, `address ${e.address} appears twice on port ${e.port}`);
      }
      seenAddresses.add(key);
    }
    // Against the archive: another serial (not rewritten by this unit) holding the same pn or address.
    for (const e of entries) {
      for (const other of this.#store.meters.findByAddress(e.port, e.address)) {
        if (!seenSerials.has(other.serial)) {
          throw new Refused(
            PARAM_DUPLICATE,
            `address ${e.address} on port ${e.port} is already serial ${other.serial}`,
          );
        }
      }
      const samePoint = this.#store.meters.getByPoint(e.point);
      if (samePoint !== undefined && !seenSerials.has(samePoint.serial)) {
        throw new Refused(PARAM_DUPLICATE, `pn ${e.point} is already serial ${samePoint.serial}`);
      }
    }
    this.#store.meters.deleteSerials(deletions);
    this.#store.meters.upsertMany(entries);
    if (this.#store.meters.count() > MAX_POINT) {
      throw new Refused(PARAM_ERROR, `archive would exceed ${MAX_POINT} meters`);
    }
  }
}
