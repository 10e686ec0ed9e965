/**
 * Human and machine descriptions of 1376.1 frames (conventions §11): one JSON object for tools and the web
 * traffic view, and an indented field tree for the CLI and logs.
 */
import type { DecodeError } from "../common/decode-error.ts";
import { byteHex, toHex } from "../common/hex.ts";
import type { FrameDescription } from "../detect.ts";
import { ALL_POINTS } from "./dadt.ts";
import { findFnRow } from "./fn-table.ts";
import { decodeFrame, encodeControl, encodeSeq, type Frame } from "./frame.ts";
import type { Value } from "./layout.ts";
import { decodeFrameUnits, messageItems } from "./message.ts";
import { type Gw13761Profile, PROFILE_2013 } from "./profile.ts";

/** AFN names (shared/protocol/gw1376-1.md §2.1 [H]). */
export const AFN_NAMES: Readonly<Record<number, string>> = {
  0: "confirm/deny",
  1: "reset",
  2: "link interface check",
  3: "relay station command",
  4: "set parameters",
  5: "control command",
  6: "authentication and key negotiation",
  8: "request cascaded terminal's active report",
  9: "request terminal configuration",
  10: "query parameters",
  11: "request task data",
  12: "request class-1 data",
  13: "request class-2 data",
  14: "request class-3 data (events)",
  15: "file transfer",
  16: "data forwarding",
};

/** Function code names by PRM (§1.3 [H]). */
const FC_NAMES: Readonly<Record<string, string>> = {
  "1:1": "reset",
  "1:4": "user data, no reply",
  "1:9": "link test",
  "1:10": "request class-1 data",
  "1:11": "request class-2 data",
  "0:0": "confirm",
  "0:8": "user data response",
  "0:9": "deny: no requested data",
  "0:11": "link status",
};

export function functionCodeName(prm: 0 | 1, fc: number): string {
  return FC_NAMES[`${prm}:${fc}`] ?? "reserved";
}

function headerJson(frame: Omit<Frame, "userData" | "userDataOffset">): Record<string, unknown> {
  const c = frame.control;
  return {
    protocol: "gw1376.1",
    pid: frame.pid,
    control: {
      raw: byteHex(encodeControl(c)),
      dir: c.dir === 0 ? "down" : "up",
      prm: c.prm,
      [c.dir === 0 ? "fcb" : "acd"]: c.fcbAcd,
      fcv: c.fcv,
      fc: c.fc,
      function: functionCodeName(c.prm, c.fc),
    },
    address: { ...frame.address },
    afn: frame.afn,
    afnName: AFN_NAMES[frame.afn] ?? "unknown",
    seq: { raw: byteHex(encodeSeq(frame.seq)), ...frame.seq },
    aux: {
      pw: frame.pw === undefined ? null : toHex(frame.pw),
      ec: frame.ec ?? null,
      tp: frame.tp ?? null,
    },
  };
}

function pnLabel(pn: number): string {
  return pn === ALL_POINTS ? "all points" : `p${pn}`;
}

/** Describes one frame's bytes; `ok: false` only when even the frame layer fails. */
export function describeGw13761(
  bytes: Uint8Array,
  profile: Gw13761Profile = PROFILE_2013,
): { ok: true; value: FrameDescription } | { ok: false; error: DecodeError } {
  const frame = decodeFrame(bytes, profile);
  if (!frame.ok) return frame;
  const json = headerJson(frame.value);
  const tree = treeOfHeader(json);
  const message = decodeFrameUnits(frame.value, profile);
  if (!message.ok) {
    json.units = [];
    json.error = message.error;
    tree.push(`error: ${message.error.message}`);
    return { ok: true, value: { json, tree } };
  }
  const units = messageItems(message.value).map((item) => {
    const name = findFnRow(frame.value.afn, item.fn)?.name ?? "unknown Fn";
    return {
      pn: item.pn,
      fn: item.fn,
      name,
      data: item.data,
      ...(item.raw !== undefined ? { raw: item.raw } : {}),
      ...(item.rawReason !== undefined ? { rawReason: item.rawReason.message } : {}),
    };
  });
  json.units = units;
  for (const u of units) {
    tree.push(`${pnLabel(u.pn)} F${u.fn} ${u.name}`);
    if (u.raw !== undefined) tree.push(`  raw: ${u.raw}`);
    if (u.rawReason !== undefined) tree.push(`  kept raw: ${u.rawReason}`);
    tree.push(...treeOfValue(u.data, 1));
  }
  return { ok: true, value: { json, tree } };
}

function treeOfHeader(json: Record<string, unknown>): string[] {
  const c = json.control as Record<string, unknown>;
  const a = json.address as Record<string, unknown>;
  const s = json.seq as Record<string, unknown>;
  const aux = json.aux as Record<string, unknown>;
  const lines = [
    `Q/GDW 1376.1 frame (PID ${json.pid})`,
    `control ${c.raw}: ${c.dir}link, PRM=${c.prm}, ${c.dir === "down" ? `FCB=${c.fcb}` : `ACD=${c.acd}`}, FCV=${c.fcv}, FC=${c.fc} (${c.function})`,
    `address: area ${a.area}, terminal ${a.terminal}, master ${a.master}${a.group ? ", group" : ""}`,
    `AFN ${byteHex(json.afn as number)} (${json.afnName})`,
    `SEQ ${s.raw}: TpV=${+(s.tpv as boolean)} FIR=${+(s.fir as boolean)} FIN=${+(s.fin as boolean)} CON=${+(s.con as boolean)} seq=${s.seq}`,
  ];
  if (aux.pw !== null) lines.push(`PW: ${aux.pw}`);
  if (aux.ec !== null) {
    const ec = aux.ec as { ec1: number; ec2: number };
    lines.push(`EC: important ${ec.ec1}, general ${ec.ec2}`);
  }
  if (aux.tp !== null) {
    const tp = aux.tp as {
      pfc: number;
      day: number;
      hour: number;
      minute: number;
      second: number;
      delay: number;
    };
    const two = (n: number) => String(n).padStart(2, "0");
    lines.push(
      `Tp: PFC ${tp.pfc}, sent day ${tp.day} ${two(tp.hour)}:${two(tp.minute)}:${two(tp.second)}, delay ${tp.delay} min`,
    );
  }
  return lines;
}

function treeOfValue(value: Value, depth: number): string[] {
  const pad = "  ".repeat(depth);
  if (value === null || typeof value !== "object") return [`${pad}${formatScalar(value)}`];
  const lines: string[] = [];
  const entries: [string, Value][] = Array.isArray(value)
    ? (value as readonly Value[]).map((v, i) => [`[${i}]`, v])
    : Object.entries(value as Record<string, Value>);
  for (const [key, v] of entries) {
    if (v !== null && typeof v === "object") {
      lines.push(`${pad}${key}:`);
      lines.push(...treeOfValue(v, depth + 1));
    } else {
      lines.push(`${pad}${key}: ${formatScalar(v)}`);
    }
  }
  return lines;
}

function formatScalar(v: Value): string {
  if (v === null) return "(no data)";
  if (typeof v === "string") return v;
  return String(v);
}
