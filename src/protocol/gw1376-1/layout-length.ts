/** Byte lengths of declarative layouts (layout.ts), shared by the decoder and the encoder. */
import { FORMATS } from "./formats.ts";
import type { Field } from "./layout.ts";

/** The byte length of any body of `fields`, or undefined when it depends on the content. */
export function fieldsFixedLength(fields: readonly Field[]): number | undefined {
  let total = 0;
  for (const field of fields) {
    const n = fieldFixedLength(field);
    if (n === undefined) return undefined;
    total += n;
  }
  return total;
}

/** A lower bound of the byte length of any body of `fields` (used to bound counts before allocating). */
export function fieldsMinLength(fields: readonly Field[]): number {
  let total = 0;
  for (const field of fields) total += fieldMinLength(field);
  return total;
}

function fieldFixedLength(field: Field): number | undefined {
  switch (field.type) {
    case "format":
      return FORMATS[field.format].bytes;
    case "bin":
    case "bits":
    case "bitfield":
    case "ascii":
    case "bcd":
    case "bytes":
      return field.bytes;
    case "ipv4":
      return 4;
    case "repeat": {
      if (typeof field.count !== "number") return undefined;
      const entry = fieldsFixedLength(field.fields);
      return entry === undefined ? undefined : entry * field.count;
    }
    case "list":
    case "lengthPrefixed":
    case "rest":
    case "custom":
      return undefined;
    default:
      return unreachable(field);
  }
}

function fieldMinLength(field: Field): number {
  switch (field.type) {
    case "list":
      return field.countBytes;
    case "lengthPrefixed":
      return field.lengthBytes;
    case "repeat":
      return typeof field.count === "number" ? field.count * fieldsMinLength(field.fields) : 0;
    case "rest":
    case "custom":
      return 0;
    default:
      return fieldFixedLength(field) ?? 0;
  }
}

function unreachable(field: never): never {
  throw new RangeError(`layout error: unknown field kind ${JSON.stringify(field)}`);
}
