/**
 * `opendcu decode` autodetection row for DL/T 645 (both editions): a cheap shape check, then a full decode
 * to address, control, function, identifier and the identifier's value in engineering units.
 */
import { toHex } from "../common/hex.ts";
import type { Detector, FrameDescription } from "../detect.ts";
import { decodeDiData } from "./data.ts";
import { formatDi } from "./di-table.ts";
import { decodeFrame, FRAME_START, frameStart, parseControl } from "./frame.ts";
import { describeErrorBits, findFunction } from "./functions.ts";
import { decodeMessage, type FieldValue } from "./message.ts";

function jsonField(value: FieldValue): unknown {
  return value instanceof Uint8Array ? toHex(value) : value;
}

function describe(bytes: Uint8Array): ReturnType<Detector["describe"]> {
  const frame = decodeFrame(bytes);
  if (!frame.ok) return frame;
  const msg = decodeMessage(frame.value);
  if (!msg.ok) return msg;
  const m = msg.value;
  const control = parseControl(frame.value.control);
  const row = findFunction(m.edition, control.fn);
  const json: Record<string, unknown> = {
    protocol: "dlt645",
    edition: m.edition,
    address: m.address,
    control: frame.value.control,
    function: m.function,
    direction: m.direction,
    abnormal: m.abnormal,
    more: m.more,
  };
  const tree: string[] = [
    `DL/T 645-${m.edition} ${row?.title ?? m.function} ${m.direction}${m.abnormal ? " (abnormal)" : ""}`,
    `  address: ${m.address}`,
    `  control: ${toHex(Uint8Array.of(frame.value.control))} (fn ${toHex(Uint8Array.of(control.fn))}${m.more ? ", more frames follow" : ""})`,
  ];
  const fields: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(m.fields)) {
    if (name === "di" && typeof value === "number") {
      fields.di = formatDi(m.edition, value);
      tree.push(`  di: ${formatDi(m.edition, value)}`);
    } else if (name === "error" && typeof value === "number") {
      const errors = describeErrorBits(m.edition, value);
      fields.error = value;
      fields.errors = errors;
      tree.push(`  error: ${toHex(Uint8Array.of(value))} (${errors.join(", ")})`);
    } else if (name === "params" && value instanceof Uint8Array && value.length === 0) {
      // no extra read parameters
    } else {
      fields[name] = jsonField(value);
      tree.push(
        `  ${name}: ${typeof value === "object" && !(value instanceof Uint8Array) ? JSON.stringify(value) : String(jsonField(value))}`,
      );
    }
  }
  json.fields = fields;
  const di = m.fields.di;
  const data = m.fields.data;
  if (m.direction === "reply" && typeof di === "number" && data instanceof Uint8Array) {
    const reading = decodeDiData(m.edition, di, data);
    if (reading.ok) {
      json.reading = reading.value;
      tree.push(
        `  ${reading.value.name}: ${JSON.stringify(reading.value.value)}${reading.value.unit === undefined ? "" : ` ${reading.value.unit}`}`,
      );
    } else {
      json.readingError = reading.error.message;
      tree.push(`  (data not decoded: ${reading.error.message})`);
    }
  }
  const value: FrameDescription = { json, tree };
  return { ok: true, value };
}

export const DLT645_DETECTOR: Detector = {
  protocol: "dlt645",
  matches(bytes: Uint8Array): boolean {
    const at = frameStart(bytes);
    return bytes.length - at >= 12 && bytes[at] === FRAME_START && bytes[at + 7] === FRAME_START;
  },
  describe,
};
