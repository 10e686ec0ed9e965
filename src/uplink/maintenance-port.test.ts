import assert from "node:assert/strict";
import { it } from "node:test";
import { ManualClock } from "../common/clock.ts";
import { silentLogger } from "../common/logger.ts";
import { encodeMessage } from "../protocol/gw1376-1/message.ts";
import type { ByteStream } from "../transport/byte-stream.ts";
import { createPipe } from "../transport/pipe.ts";
import { MaintenancePort, parseMaintenanceSpec } from "./maintenance-port.ts";

const query = encodeMessage({
  control: { dir: 0, prm: 1, fcbAcd: 0, fcv: 0, fc: 11 },
  address: { area: "4403", terminal: 1, master: 1, group: false },
  afn: 0x0c,
  seq: { tpv: false, fir: true, fin: true, con: false, seq: 0 },
  groups: [{ pns: [0], fns: [2], items: [{ pn: 0, fn: 2, data: {} }] }],
});

const flush = () => new Promise((resolve) => setImmediate(resolve));

/** Waits (real time, generous deadline) for I/O through the pipe to settle into `condition`. */
async function eventually(what: string, condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

it("serves requests, retries an unavailable port with back-off and reopens a lost line", async () => {
  const clock = new ManualClock(0);
  let available = false;
  const handhelds: ByteStream[] = [];
  const handled: number[] = [];
  const port = new MaintenancePort({
    open: async () => {
      if (!available) throw new Error("ENOENT /dev/ttyX");
      const [dcu, handheld] = createPipe();
      handhelds.push(handheld);
      return dcu;
    },
    identity: { area: "4403", terminal: 1 },
    handle: (request) => {
      handled.push(request.afn);
      return { kind: "data", items: [{ pn: 0, fn: 2, data: { clock: null } }] };
    },
    clock,
    utcOffsetMinutes: 480,
    logger: silentLogger,
    reopen: { initialMs: 1000, maxMs: 8000 },
  });
  port.start();
  await flush();
  assert.equal(port.session, undefined, "not there yet");
  clock.advance(400);
  await flush();
  assert.equal(port.opens, 0, "waits out the back-off");
  available = true;
  clock.advance(1000);
  await eventually("the port to open", () => port.opens === 1);

  const answers: Uint8Array[] = [];
  handhelds[0]?.onData((chunk) => answers.push(chunk));
  await handhelds[0]?.write(query);
  await eventually("the answer on the serial line", () => answers.length > 0);
  assert.deepEqual(handled, [0x0c]);

  // The line goes away (adapter unplugged): reopened after the back-off.
  await handhelds[0]?.close();
  await eventually("the session to end", () => port.session === undefined);
  clock.advance(1000);
  await eventually("the port to reopen", () => port.opens === 2 && port.session !== undefined);

  await port.stop();
  clock.advance(60_000);
  await flush();
  assert.equal(port.opens, 2, "no reopen after stop");
});

it("parses the --maintenance PATH[:BAUD[:PARITY]] flag", () => {
  assert.deepEqual(parseMaintenanceSpec("/dev/ttyS1"), { path: "/dev/ttyS1" });
  assert.deepEqual(parseMaintenanceSpec("/dev/ttyS1:1200:even"), {
    path: "/dev/ttyS1",
    baudRate: 1200,
    parity: "even",
  });
  assert.deepEqual(parseMaintenanceSpec("/dev/ttyUSB0:9600"), { path: "/dev/ttyUSB0", baudRate: 9600 });
  assert.deepEqual(parseMaintenanceSpec("/dev/ttyUSB0:odd"), { path: "/dev/ttyUSB0", parity: "odd" });
  assert.equal(parseMaintenanceSpec(""), undefined);
});
