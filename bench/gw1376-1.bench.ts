/**
 * Q/GDW 1376.1 codec throughput on a realistic mix (issue: ≥ 300,000 decoded frames/s on one core):
 * login, heartbeat, an AFN0C F129 reply, an AFN0D F161 reply for 8 points, an AFN04 F10 with 32 meters.
 * Baseline: summing every byte of the same frames (the least work any decoder must do), measured in the same
 * run, so the ratio says how far the full decode is from touching the bytes once.
 */

import { cpus, loadavg } from "node:os";
import { encodeBcdDigits } from "../src/protocol/common/bcd.ts";
import { ByteWriter } from "../src/protocol/common/byte-writer.ts";
import { sum8 } from "../src/protocol/common/checksum.ts";
import { fromHex } from "../src/protocol/common/hex.ts";
import { encodeFrame } from "../src/protocol/gw1376-1/frame.ts";
import { decodeMessage, encodeMessage, type Message } from "../src/protocol/gw1376-1/message.ts";
import type { BenchReport } from "./run.ts";
import { fmt, opsPerSecond, table } from "./support.ts";

const address = { area: "4403", terminal: 1978, master: 1, group: false };

function hexFrame(hex: string): Uint8Array {
  const bytes = fromHex(hex);
  if (bytes === undefined) throw new Error("bad bench vector");
  return bytes;
}

/** A.14 bytes (XXXXXX.XXXX kWh, least significant pair first) for a kWh value. */
function a14(kwh: number): Uint8Array {
  return encodeBcdDigits(Math.round(kwh * 10000).toString(), 5, true);
}

function f161ReplyFor8Points(): Uint8Array {
  const w = new ByteWriter();
  w.bytes([0xff, 0x01, 0x01, 0x14]); // p1..p8, F161
  for (let p = 1; p <= 8; p++) {
    w.bytes([0x14, 0x11, 0x23]); // Td_d 2023-11-14
    w.bytes([0x05, 0x00, 0x15, 0x11, 0x23]); // read 2023-11-15 00:05
    w.u8(4); // M = 4 tariffs
    for (let t = 0; t <= 4; t++) w.bytes(a14(1000 * p + t * 123.4567));
  }
  return encodeFrame({
    control: { dir: 1, prm: 0, fcbAcd: 0, fcv: 0, fc: 8 },
    address,
    afn: 0x0d,
    seq: { tpv: false, fir: true, fin: true, con: false, seq: 1 },
    userData: w.finish(),
  });
}

function f10With32Meters(): Uint8Array {
  const w = new ByteWriter();
  w.bytes([0x00, 0x00, 0x02, 0x01]); // p0, F10
  w.u16le(32);
  for (let i = 1; i <= 32; i++) {
    w.u16le(i).u16le(i); // serial, pn
    w.u8((3 << 5) | 2); // 2400 baud, port 2
    w.u8(30); // DL/T 645-2007
    w.bytes(encodeBcdDigits(String(i), 6, true)); // address A.12
    w.fill(0, 6); // password
    w.u8(4); // 4 tariffs
    w.u8((2 << 2) | 2); // digits
    w.fill(0, 6); // no collector
    w.u8(0x11); // user class
  }
  return encodeFrame({
    control: { dir: 0, prm: 1, fcbAcd: 0, fcv: 0, fc: 10 },
    address,
    afn: 0x04,
    seq: { tpv: false, fir: true, fin: true, con: true, seq: 2 },
    userData: w.finish(),
  });
}

/** The benchmark's frame mix by name (exported so that a profiler run can decode the same frames). */
export function benchMix(): Record<string, Uint8Array> {
  return {
    login: hexFrame("68 32 00 32 00 68 C9 00 02 34 12 00 02 71 00 00 01 00 85 16"),
    heartbeat: hexFrame("68 4A 00 4A 00 68 C9 01 01 BA 07 00 02 73 00 00 04 00 05 30 14 15 71 23 F7 16"),
    "AFN0C F129 reply": hexFrame(
      "68 C6 00 C6 00 68 88 71 01 22 08 02 0C A2 01 01 01 10 18 16 28 08 18 04 00 01 00 00 00 EE EE EE EE EE EE EE EE EE EE EE EE EE EE EE EE EE EE EE EE 02 39 19 16 28 00 8C 16",
    ),
    "AFN0D F161 reply, 8 points": f161ReplyFor8Points(),
    "AFN04 F10, 32 meters": f10With32Meters(),
  };
}

export default async function run(): Promise<BenchReport> {
  // Other work on the machine slows every figure; the load average says how much to trust them.
  const loadBefore = loadavg()[0] ?? 0;
  const mix = benchMix();
  const decoded: Record<string, Message> = {};
  for (const [name, bytes] of Object.entries(mix)) {
    const m = decodeMessage(bytes);
    if (!m.ok) throw new Error(`bench frame "${name}" does not decode: ${m.error.message}`);
    decoded[name] = m.value;
  }
  const frames = Object.values(mix);
  const messages = Object.values(decoded);
  const n = frames.length;

  let sink = 0;
  const tasks: Record<string, () => void> = {
    "baseline: sum every byte": () => {
      for (const f of frames) sink += sum8(f);
    },
    "decode mix": () => {
      for (const f of frames) if (decodeMessage(f).ok) sink++;
    },
    "encode mix": () => {
      for (const m of messages) sink += encodeMessage(m).length;
    },
  };
  for (const [name, f] of Object.entries(mix)) {
    tasks[`decode ${name}`] = () => {
      if (decodeMessage(f).ok) sink++;
    };
  }
  const ops = await opsPerSecond(tasks, 1500);
  if (sink === 0.5) console.log("unreachable"); // keeps `sink` observable

  const fps = (name: string, framesPerOp: number) => (ops[name] ?? 0) * framesPerOp;
  const baseline = fps("baseline: sum every byte", n);
  const decodeFps = fps("decode mix", n);
  const encodeFps = fps("encode mix", n);
  const rows: (string | number)[][] = [
    ["baseline: sum every byte of the mix", fmt(baseline), "1.00"],
    ["decode (frame + data units), mix", fmt(decodeFps), (decodeFps / baseline).toFixed(3)],
    ["encode, mix", fmt(encodeFps), (encodeFps / baseline).toFixed(3)],
  ];
  for (const name of Object.keys(mix)) {
    const f = fps(`decode ${name}`, 1);
    rows.push([`decode ${name} (${mix[name]?.length} bytes)`, fmt(f), (f / baseline).toFixed(3)]);
  }
  const target = 300_000;
  return {
    title: "Q/GDW 1376.1 codec throughput",
    lines: [
      "Command: `npm run bench -- gw1376-1`. One core, frames per second; ratio = frames/s ÷ baseline frames/s.",
      "",
      ...table(["operation", "frames/s", "ratio to baseline"], rows),
      "",
      `Target: ≥ ${fmt(target)} decoded frames/s for the mix — ${decodeFps >= target ? "met" : "NOT met"} (${fmt(decodeFps)}).`,
      `Load average (1 min) on ${cpus().length} cores: ${loadBefore.toFixed(1)} before, ${(loadavg()[0] ?? 0).toFixed(1)} after.`,
    ],
  };
}
