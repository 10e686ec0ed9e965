/**
 * Stage three of the codec: an identifier's data decoded by its table row into engineering units, and a
 * value encoded for a reply (used by the virtual meters).
 */
import { ByteReader } from "../common/byte-reader.ts";
import { catchDecode, type Result, raise } from "../common/decode-error.ts";
import { type DiRow, findDi, formatDi } from "./di-table.ts";
import { type DataValue, encodeValue, readValue } from "./formats.ts";
import type { Dlt645Edition } from "./functions.ts";

export interface DiReading {
  readonly di: number;
  /** e.g. "00 01 00 00". */
  readonly diText: string;
  readonly name: string;
  readonly unit?: string;
  readonly value: DataValue;
}

/** Decodes the data that follows a DI in a read reply. `base` is the data's offset in the frame, for errors. */
export function decodeDiData(
  edition: Dlt645Edition,
  di: number,
  data: Uint8Array,
  base = 0,
): Result<DiReading> {
  return catchDecode(() => {
    const row = findDi(edition, di);
    if (row === undefined) {
      raise({
        code: "unknown-fn",
        field: "di",
        offset: base,
        expected: "a known data identifier",
        actual: formatDi(edition, di),
      });
    }
    const reader = new ByteReader(data, base, "data");
    const value = readValue(reader, row.format, row.name);
    reader.expectEnd(row.name);
    const out: DiReading = { di, diText: formatDi(edition, di), name: row.name, value };
    return row.unit === undefined || row.unit === "" ? out : { ...out, unit: row.unit };
  });
}

/** Encodes a value for a row; throws RangeError when the value does not fit (a caller's bug). */
export function encodeDiData(row: DiRow, value: DataValue): Uint8Array {
  return encodeValue(row.format, value, row.name);
}
