/**
 * AFN04 F10 entries (27 bytes each, shared/protocol/gw1376-1.md §4.3.1 [H]) to and from the archive's typed
 * `MeterEntry`. The archive needs typed columns (port, address, pn) for duplicate checks and the reading
 * engine, so F10 is parsed here in addition to the generic layout validation.
 */
import { ByteReader } from "../protocol/common/byte-reader.ts";
import { catchDecode, type Result, raise } from "../protocol/common/decode-error.ts";
import type { MeterEntry } from "../store/meters-repo.ts";

export const F10_ENTRY_BYTES = 27;

export interface F10Unit {
  /** Entries with pn ≥ 1 (configure) … */
  readonly entries: readonly MeterEntry[];
  /** … and serials whose entry has pn = 0 (delete that serial's configuration). */
  readonly deletions: readonly number[];
  /** All serials in frame order, for duplicate checks. */
  readonly serials: readonly number[];
}

function digits12(reader: ByteReader, field: string): string {
  return reader.bcdDigitsLE(6, field); // A.12: 12 BCD digits, raises bad-value on a non-decimal nibble
}

/** Parses a whole F10 body: n(2) + n × 27 bytes, every byte consumed. */
export function parseF10(body: Uint8Array): Result<F10Unit> {
  return catchDecode(() => {
    const reader = new ByteReader(body, 0, "F10");
    const n = reader.u16le("n");
    if (n < 1 || n > 2040)
      raise({ code: "bad-value", field: "F10.n", offset: 0, expected: "1..2040", actual: n });
    const entries: MeterEntry[] = [];
    const deletions: number[] = [];
    const serials: number[] = [];
    for (let i = 0; i < n; i++) {
      const start = reader.position;
      reader.path = `F10.entries[${i}]`;
      const serial = reader.u16le("serial");
      const point = reader.u16le("pn");
      const ratePort = reader.u8("ratePort");
      const protocol = reader.u8("protocol");
      const address = digits12(reader, "address");
      const password = reader.bytesView(6, "password").slice();
      const tariffCount = reader.u8("tariffCount") & 0x3f;
      const digits = reader.u8("digits");
      const collector = digits12(reader, "collector");
      const userClass = reader.u8("userClass");
      const raw = body.slice(start, start + F10_ENTRY_BYTES);
      serials.push(serial);
      const port = ratePort & 0x1f;
      if (serial < 1 || serial > 2040) {
        raise({
          code: "bad-value",
          field: `${reader.path}.serial`,
          offset: start,
          expected: "1..2040",
          actual: serial,
        });
      }
      if (point > 2040) {
        raise({
          code: "bad-value",
          field: `${reader.path}.pn`,
          offset: start + 2,
          expected: "0..2040",
          actual: point,
        });
      }
      if (point === 0) {
        deletions.push(serial);
        continue;
      }
      if (port < 1)
        raise({
          code: "bad-value",
          field: `${reader.path}.ratePort`,
          offset: start + 4,
          expected: "port 1..31",
          actual: port,
        });
      entries.push({
        serial,
        point,
        port,
        baudCode: ratePort >> 5,
        protocol,
        address,
        password,
        tariffCount,
        digits,
        collector,
        userClass,
        raw,
      });
    }
    reader.path = "F10";
    reader.expectEnd("end");
    return { entries, deletions, serials };
  });
}

/** The AFN0A F10 answer body for archive entries: n(2) + the stored raw entries. */
export function encodeF10Answer(entries: readonly MeterEntry[]): Uint8Array {
  const out = new Uint8Array(2 + F10_ENTRY_BYTES * entries.length);
  out[0] = entries.length & 0xff;
  out[1] = entries.length >> 8;
  entries.forEach((e, i) => {
    out.set(e.raw, 2 + i * F10_ENTRY_BYTES);
  });
  return out;
}
