/**
 * `opendcu decode` autodetection row for Q/GDW 1376.2. A 1376.2 frame starts `68 Llo Lhi C` where L is the
 * whole frame length; a 1376.1 frame repeats its length and has a second 0x68 at offset 5, and a DL/T 645
 * frame has a second 0x68 at offset 7, so `matches` checks the length against the byte count instead.
 */

import { catchDecode } from "../common/index.ts";
import type { Detector, FrameDescription } from "../detect.ts";
import { decodeFrame, type Frame } from "./frame.ts";
import { bodyToJson, decodeMessage, describeBody } from "./message.ts";

function skipPreamble(bytes: Uint8Array): Uint8Array {
  let i = 0;
  while (i < bytes.length && bytes[i] === 0xfe) i++;
  return bytes.subarray(i);
}

function infoLines(frame: Frame): string[] {
  return Object.entries(frame.info).map(([k, v]) => `    ${k}: ${String(v)}`);
}

export const GW13762_DETECTOR: Detector = {
  protocol: "gw1376.2",
  matches(input: Uint8Array): boolean {
    const bytes = skipPreamble(input);
    if (bytes.length < 15 || bytes[0] !== 0x68) return false;
    const length = (bytes[1] as number) | ((bytes[2] as number) << 8);
    return length === bytes.length && bytes[length - 1] === 0x16;
  },
  describe(input: Uint8Array) {
    const bytes = skipPreamble(input);
    const framed = decodeFrame(bytes);
    if (!framed.ok) return framed;
    const frame = framed.value;
    const message = decodeMessage(frame);
    return catchDecode((): FrameDescription => {
      const head = [
        `Q/GDW 1376.2 frame, ${bytes.length} bytes`,
        `  control: dir=${frame.control.dir} prm=${frame.control.prm ? 1 : 0} mode=${frame.control.mode}`,
        "  info:",
        ...infoLines(frame),
      ];
      if (frame.address) {
        head.push(
          `  address: source=${frame.address.source} relays=[${frame.address.relays.join(",")}] destination=${frame.address.destination}`,
        );
      }
      const fnLine = `  AFN${frame.afn.toString(16).toUpperCase().padStart(2, "0")} F${frame.fn}`;
      const json: Record<string, unknown> = {
        protocol: "gw1376.2",
        length: bytes.length,
        control: frame.control,
        info: frame.info,
        afn: frame.afn,
        fn: frame.fn,
      };
      if (frame.address) json.address = frame.address;
      if (message.ok) {
        json.name = message.value.name;
        json.body = bodyToJson(message.value.body);
        return {
          json,
          tree: [...head, `${fnLine} ${message.value.name}`, ...describeBody(message.value.body, "    ")],
        };
      }
      json.bodyError = message.error.message;
      return { json, tree: [...head, fnLine, `    body not decoded: ${message.error.message}`] };
    });
  },
};
