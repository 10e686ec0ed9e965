/**
 * AFN10 data forwarding (shared/protocol/gw1376-1.md §4.10), through the reading engine's FieldAccess:
 *   F1 transparent forwarding — the master's frame goes out on the port as is, the first answer comes back
 *      (k' = 0 when none came in time). Without a field (no engine running) F1 is denied.
 *   F9 forwarded meter read — the terminal builds the DL/T 645 read (forwarded-read.ts) and answers a result
 *      code; without a field the answer is result 0 "cannot forward".
 * Timeouts: F1's frame timeout (D7 = seconds, else ×10 ms; 0 = the data service's live-read timeout);
 * F9 has none in its request and uses the live-read timeout.
 */
import { fromHex, toHex } from "../../protocol/common/hex.ts";
import type { DataItem } from "../../protocol/gw1376-1/data-units.ts";
import type { Record_ } from "../../protocol/gw1376-1/layout.ts";
import { DEFAULT_LIVE_READ_POLICY } from "../data-service/item-sources.ts";
import type { FieldAccess, SerialLine } from "../field-access.ts";
import { buildMeterRead, editionOfFlag, FORWARD_RESULT, interpretAnswer } from "../forwarded-read.ts";
import type { AfnHandler, HandlerContext } from "./handler.ts";

export const AFN10_FNS: readonly number[] = [1, 9];

/** AFN10 control-word baud codes D7..D5 (0 = 300 … 7 = 19200; not the AFN04 F10 table). */
const BAUDS = [300, 600, 1200, 2400, 4800, 7200, 9600, 19200] as const;

function part(data: Record_, field: string, name: string): number {
  const value = (data[field] as Record<string, unknown> | undefined)?.[name];
  return typeof value === "number" ? value : 0;
}

/** The serial settings of an F1 control word. */
export function lineOf(data: Record_): SerialLine {
  const parityEnabled = part(data, "control", "parityEnabled") === 1;
  return {
    baud: BAUDS[part(data, "control", "baudCode")] ?? 2400,
    dataBits: (5 + part(data, "control", "dataBitsCode")) as SerialLine["dataBits"],
    parity: !parityEnabled ? "none" : part(data, "control", "oddParity") === 1 ? "odd" : "even",
    stopBits: part(data, "control", "twoStopBits") === 1 ? 2 : 1,
  };
}

/** F1 frame timeout in ms: D7 = 1 seconds, 0 tens of milliseconds; 0 → `fallbackMs`. */
export function frameTimeoutMs(data: Record_, fallbackMs: number): number {
  const value = part(data, "frameTimeout", "value");
  if (value === 0) return fallbackMs;
  return part(data, "frameTimeout", "seconds") === 1 ? value * 1000 : value * 10;
}

async function transparent(field: FieldAccess, item: DataItem, fallbackMs: number): Promise<DataItem> {
  const port = Number(item.data.port);
  const frame = fromHex(String(item.data.frame ?? "")) ?? new Uint8Array(0);
  const answer = await field
    .forward({
      port,
      frame,
      timeoutMs: frameTimeoutMs(item.data, fallbackMs),
      line: lineOf(item.data),
      byteTimeoutMs: Number(item.data.byteTimeout10ms ?? 0) * 10,
    })
    .catch(() => undefined);
  return { pn: 0, fn: 1, data: { port, frame: answer === undefined ? "" : toHex(answer) } };
}

async function meterRead(
  field: FieldAccess | undefined,
  item: DataItem,
  timeoutMs: number,
): Promise<DataItem> {
  const port = Number(item.data.port);
  const meter = String(item.data.meter);
  const dataId = fromHex(String(item.data.dataId ?? "")) ?? new Uint8Array(4);
  const edition = editionOfFlag(Number(item.data.protocol));
  const answer = (result: number, data: Uint8Array): DataItem => ({
    pn: 0,
    fn: 9,
    data: { port, meter, result, data: toHex(data) },
  });
  if (field === undefined || edition === undefined || !/^\d{12}$/.test(meter))
    return answer(FORWARD_RESULT.cannotForward, dataId);
  const relays = Array.isArray(item.data.relays)
    ? item.data.relays.map((r) => String((r as { address?: unknown }).address))
    : [];
  const reply = await field
    .forward({ port, frame: buildMeterRead(edition, meter, dataId), timeoutMs, relays })
    .catch(() => undefined);
  const outcome = interpretAnswer(edition, meter, dataId, reply);
  return answer(outcome.result, outcome.data);
}

export const handleAfn10: AfnHandler = async ({ items, field, livePolicy }: HandlerContext) => {
  const timeoutMs = (livePolicy ?? DEFAULT_LIVE_READ_POLICY).timeoutMs;
  const answers: DataItem[] = [];
  for (const item of items) {
    if (item.pn !== 0 || item.raw !== undefined) continue;
    if (item.fn === 1 && field !== undefined) answers.push(await transparent(field, item, timeoutMs));
    else if (item.fn === 9) answers.push(await meterRead(field, item, timeoutMs));
  }
  return { kind: "data", items: answers };
};
