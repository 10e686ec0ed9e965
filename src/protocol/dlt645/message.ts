/**
 * Stage two of the codec: a decoded frame's data field turned into a typed message by the function table
 * (`functions.ts`), and back. `decodeMessage(decodeFrame(bytes))` and `encodeMessage` are exact inverses.
 */
import { ByteReader } from "../common/byte-reader.ts";
import { ByteWriter } from "../common/byte-writer.ts";
import { catchDecode, type Result, raise } from "../common/decode-error.ts";
import { toHex } from "../common/hex.ts";
import {
  type Dlt645Frame,
  decodeFrame,
  type EncodeFrameOptions,
  encodeFrame,
  makeControl,
  parseControl,
} from "./frame.ts";
import {
  type BodyField,
  type Dlt645Edition,
  type FunctionRow,
  findFunction,
  findFunctionByName,
  inferEdition,
} from "./functions.ts";

/** A password: level PA and the six hex digits P2 P1 P0 (most significant first). */
export interface Password {
  readonly level: number;
  readonly code: string;
}

export type FieldValue = number | string | Uint8Array | Password;

export interface Dlt645Message {
  readonly edition: Dlt645Edition;
  readonly address: string;
  /** Function name from the table, e.g. "read", "broadcast-time". */
  readonly function: string;
  readonly direction: "request" | "reply";
  /** Abnormal reply: `fields.error` holds the error byte. */
  readonly abnormal: boolean;
  /** Control bit D5: more frames follow. */
  readonly more: boolean;
  readonly fields: Readonly<Record<string, FieldValue>>;
}

function fieldSize(field: BodyField, edition: Dlt645Edition): number {
  switch (field.type) {
    case "di":
      return edition === "2007" ? 4 : 2;
    case "password":
    case "operator":
      return 4;
    case "address":
      return 6;
    case "time":
      return field.bytes;
    case "u8":
      return 1;
    case "rest":
      return 0;
  }
}

function readField(reader: ByteReader, field: BodyField, edition: Dlt645Edition, tail: number): FieldValue {
  switch (field.type) {
    case "di":
      return edition === "2007" ? reader.u32le(field.name) : reader.u16le(field.name);
    case "password": {
      const level = reader.u8(`${field.name}.level`);
      const code = reader.bytesView(3, `${field.name}.code`);
      return { level, code: toHex(Uint8Array.from(code).reverse(), "") };
    }
    case "operator":
      return toHex(Uint8Array.from(reader.bytesView(4, field.name)).reverse(), "");
    case "address":
      return reader.bcdDigitsLE(6, field.name);
    case "time":
      return reader.bcdDigitsLE(field.bytes, field.name);
    case "u8":
      return reader.u8(field.name);
    case "rest": {
      const n = reader.remaining - tail;
      if (n < 0)
        raise({
          code: "truncated",
          field: field.name,
          offset: reader.offset,
          expected: `${tail} bytes`,
          actual: `${reader.remaining} bytes`,
        });
      return Uint8Array.from(reader.bytesView(n, field.name));
    }
  }
}

function decodeFields(
  reader: ByteReader,
  layout: readonly BodyField[],
  edition: Dlt645Edition,
): Record<string, FieldValue> {
  const fields: Record<string, FieldValue> = {};
  layout.forEach((field, i) => {
    let tail = 0;
    for (const later of layout.slice(i + 1)) tail += fieldSize(later, edition);
    fields[field.name] = readField(reader, field, edition, tail);
  });
  reader.expectEnd("data");
  return fields;
}

/**
 * Decodes a frame into a message. `edition` may be given when the link's edition is known (a meter archive
 * says 1997 or 2007); otherwise it is inferred from the function code.
 */
export function decodeMessage(frame: Dlt645Frame, edition?: Dlt645Edition): Result<Dlt645Message> {
  return catchDecode(() => {
    const control = parseControl(frame.control);
    const ed = edition ?? inferEdition(control.fn);
    const row = ed === undefined ? undefined : findFunction(ed, control.fn);
    if (ed === undefined || row === undefined) {
      raise({
        code: "unknown-fn",
        field: "control",
        offset: 8,
        expected: "a DL/T 645 function code",
        actual: frame.control,
      });
    }
    const reader = new ByteReader(frame.data, 10, "data");
    const direction = control.reply ? "reply" : "request";
    let fields: Record<string, FieldValue>;
    if (control.reply && control.abnormal) {
      fields = { error: reader.u8("error") };
      reader.expectEnd("data");
    } else if (control.reply) {
      if (row.reply === undefined) {
        raise({
          code: "bad-value",
          field: "control",
          offset: 8,
          expected: `no reply to ${row.name}`,
          actual: frame.control,
        });
      }
      fields = decodeFields(reader, row.reply, ed);
    } else {
      if (control.abnormal) {
        raise({
          code: "bad-value",
          field: "control",
          offset: 8,
          expected: "D6 clear in a request",
          actual: frame.control,
        });
      }
      fields = decodeFields(reader, row.request, ed);
    }
    return {
      edition: ed,
      address: frame.address,
      function: row.name,
      direction,
      abnormal: control.abnormal,
      more: control.more,
      fields,
    };
  });
}

/** Decodes bytes (one frame, optional FE preamble) straight to a message. */
export function decodeMessageBytes(bytes: Uint8Array, edition?: Dlt645Edition): Result<Dlt645Message> {
  const frame = decodeFrame(bytes);
  return frame.ok ? decodeMessage(frame.value, edition) : frame;
}

function writeField(
  writer: ByteWriter,
  field: BodyField,
  edition: Dlt645Edition,
  value: FieldValue | undefined,
): void {
  const bad = (): RangeError => new RangeError(`DL/T 645 field ${field.name}: bad value ${String(value)}`);
  switch (field.type) {
    case "di":
      if (typeof value !== "number") throw bad();
      if (edition === "2007") writer.u32le(value);
      else writer.u16le(value);
      return;
    case "password": {
      if (typeof value !== "object" || value instanceof Uint8Array || !/^[0-9A-Fa-f]{6}$/.test(value.code))
        throw bad();
      const code = value.code;
      writer.u8(value.level);
      for (let i = 2; i >= 0; i--) writer.u8(Number.parseInt(code.slice(2 * i, 2 * i + 2), 16));
      return;
    }
    case "operator": {
      if (typeof value !== "string" || !/^[0-9A-Fa-f]{8}$/.test(value)) throw bad();
      for (let i = 3; i >= 0; i--) writer.u8(Number.parseInt(value.slice(2 * i, 2 * i + 2), 16));
      return;
    }
    case "address":
    case "time":
      if (typeof value !== "string") throw bad();
      writer.bcdDigitsLE(value, fieldSize(field, edition));
      return;
    case "u8":
      if (typeof value !== "number") throw bad();
      writer.u8(value);
      return;
    case "rest":
      if (!(value instanceof Uint8Array)) throw bad();
      writer.bytes(value);
      return;
  }
}

/** The frame for a message (data unscrambled); throws RangeError on a malformed message (caller's bug). */
export function messageToFrame(message: Dlt645Message): Dlt645Frame {
  const row: FunctionRow | undefined = findFunctionByName(message.edition, message.function);
  if (row === undefined)
    throw new RangeError(`unknown DL/T 645 ${message.edition} function ${message.function}`);
  const writer = new ByteWriter(64);
  const reply = message.direction === "reply";
  if (reply && message.abnormal) {
    const error = message.fields.error;
    if (typeof error !== "number") throw new RangeError("abnormal reply without an error byte");
    writer.u8(error);
  } else {
    const layout = reply ? row.reply : row.request;
    if (layout === undefined) throw new RangeError(`${row.name} has no reply`);
    for (const field of layout) writeField(writer, field, message.edition, message.fields[field.name]);
  }
  const control = makeControl({ reply, abnormal: reply && message.abnormal, more: message.more, fn: row.fn });
  return { address: message.address, control, data: writer.finish() };
}

/** Encodes a message to wire bytes. */
export function encodeMessage(message: Dlt645Message, options: EncodeFrameOptions = {}): Uint8Array {
  return encodeFrame(messageToFrame(message), options);
}

/** Builds a message with defaults for the flags. */
export function message(
  edition: Dlt645Edition,
  address: string,
  fn: string,
  direction: "request" | "reply",
  fields: Record<string, FieldValue>,
  flags: { abnormal?: boolean; more?: boolean } = {},
): Dlt645Message {
  return {
    edition,
    address,
    function: fn,
    direction,
    abnormal: flags.abnormal ?? false,
    more: flags.more ?? false,
    fields,
  };
}

/** A read request for one identifier (2007: C=11, 4-byte DI; 1997: C=01, 2-byte DI). */
export function readRequest(edition: Dlt645Edition, address: string, di: number): Dlt645Message {
  return edition === "2007"
    ? message(edition, address, "read", "request", { di, params: new Uint8Array(0) })
    : message(edition, address, "read", "request", { di });
}

/** The 12-digit time field of a broadcast time sync (YYMMDDhhmmss, most significant first). */
export function broadcastTime(edition: Dlt645Edition, yymmddhhmmss: string): Dlt645Message {
  return message(edition, "999999999999", "broadcast-time", "request", { time: yymmddhhmmss });
}
