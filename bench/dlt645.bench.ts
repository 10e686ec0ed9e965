/**
 * DL/T 645 throughput and channel time:
 * 1. encode/decode of a read request and a read reply (frame + message + DI value), against a baseline of
 *    computing the frame checksum alone over the same bytes;
 * 2. reading 00 01 00 00 from 32 virtual meters over a modelled 2400-baud 8E1 line (in-memory pipe with
 *    a 20 ms turnaround), compared with the line's own byte-time minimum for the same bytes.
 */
import { Bench } from "tinybench";
import { ManualClock } from "../src/common/clock.ts";
import { sum8 } from "../src/protocol/common/checksum.ts";
import { decodeDiData } from "../src/protocol/dlt645/data.ts";
import { DEFAULT_PREAMBLE } from "../src/protocol/dlt645/frame.ts";
import { decodeMessageBytes, encodeMessage, message, readRequest } from "../src/protocol/dlt645/message.ts";
import { MeterBus } from "../src/sim/meter-bus.ts";
import { exchange } from "../src/sim/meter-reader.ts";
import { VirtualMeter } from "../src/sim/virtual-meter.ts";
import { createPipe, lineTimeMs } from "../src/transport/pipe.ts";
import type { BenchReport } from "./run.ts";

export default async function run(): Promise<BenchReport> {
  const request = readRequest("2007", "000000000001", 0x00010000);
  const reply = message("2007", "000000000001", "read", "reply", {
    di: 0x00010000,
    data: Uint8Array.of(0x78, 0x56, 0x34, 0x12),
  });
  const replyBytes = encodeMessage(reply);
  const bench = new Bench({ time: 500 });
  bench
    .add("baseline: checksum of a reply frame", () => {
      sum8(replyBytes, 0, replyBytes.length - 2);
    })
    .add("encode read request", () => {
      encodeMessage(request);
    })
    .add("decode read reply + DI value", () => {
      const m = decodeMessageBytes(replyBytes);
      if (m.ok && m.value.fields.data instanceof Uint8Array)
        decodeDiData("2007", 0x00010000, m.value.fields.data);
    });
  await bench.run();
  const rows = bench.tasks.map((t) => ({
    name: t.name,
    hz: t.result && "throughput" in t.result ? t.result.throughput.mean : 0,
  }));
  const baseline = rows[0]?.hz ?? 1;

  // 32 meters on a paced 2400-baud line.
  const clock = new ManualClock(Date.UTC(2026, 10, 26, 10, 0, 0));
  const meters = Array.from({ length: 32 }, (_, i) =>
    VirtualMeter.create(String(i + 1).padStart(12, "0"), clock, { historyDays: 2 }),
  );
  const turnaroundMs = 20;
  const [master, line] = createPipe({ baud: 2400, turnaroundMs });
  new MeterBus(meters).attach(line);
  let bytesOnLine = 0;
  const started = performance.now();
  let answered = 0;
  for (const meter of meters) {
    const req = encodeMessage(readRequest("2007", meter.address, 0x00010000), { preamble: DEFAULT_PREAMBLE });
    const result = await exchange(master, req, 2000);
    const frame = result.frames[0];
    if (frame !== undefined) {
      answered++;
      bytesOnLine += req.length + frame.length + DEFAULT_PREAMBLE.length;
    }
  }
  const elapsed = performance.now() - started;
  await master.close();
  const minimum = lineTimeMs(bytesOnLine, 2400);
  const minimumWithTurnaround = minimum + 2 * turnaroundMs * meters.length;

  return {
    title: "DL/T 645 codec and modelled RS-485 line",
    lines: [
      "Codec operations per second (tinybench, 0.5 s each), relative to an 8-bit checksum over the same reply frame.",
      "",
      "| operation | ops/s | vs baseline |",
      "|---|---:|---:|",
      ...rows.map(
        (r) => `| ${r.name} | ${Math.round(r.hz).toLocaleString("en")} | ${(r.hz / baseline).toFixed(3)} |`,
      ),
      "",
      `Reading 00 01 00 00 from ${meters.length} virtual meters, one after another, over an in-memory line paced at 2400 baud 8E1 (11 bits/byte) with a ${turnaroundMs} ms turnaround before each transmission (${answered} answered).`,
      "",
      "| figure | ms |",
      "|---|---:|",
      `| measured | ${elapsed.toFixed(0)} |`,
      `| byte-time minimum (${bytesOnLine} bytes) | ${minimum.toFixed(0)} |`,
      `| byte time + turnarounds | ${minimumWithTurnaround.toFixed(0)} |`,
      "",
      `Ratio measured / byte-time minimum: **${(elapsed / minimum).toFixed(2)}**; measured / (byte time + turnarounds): **${(elapsed / minimumWithTurnaround).toFixed(2)}** (1.00 = the line is the only cost).`,
    ],
  };
}
