import assert from "node:assert/strict";
import { test } from "node:test";
import { confirmBody, decodeMessageBytes, downAnswer, downRequest } from "../protocol/gw1376-2/message.ts";
import { CarrierModule, type ModuleEffect } from "./carrier-module.ts";
import { PlcNetwork, seededRandom } from "./carrier-network.ts";

/** A meter that answers every frame with a fixed reply. */
const echoMeter = (reply: Uint8Array) => ({ handleFrame: () => reply });

function sends(effects: readonly ModuleEffect[]) {
  return effects.flatMap((e) => (e.kind === "send" ? [{ ...e, message: decodeMessageBytes(e.bytes) }] : []));
}

test("state machine: AFN13 answer is delayed by the modelled PLC time and carries the request's seq", () => {
  const network = new PlcNetwork(seededRandom(1));
  network.add({
    address: "000000000001",
    depth: 2,
    latencyMs: 400,
    meter: echoMeter(Uint8Array.of(1, 2, 3)),
  });
  const module = new CarrierModule(network, { processingMs: 10 });
  const request = downRequest(
    0x13,
    1,
    { protocol: 2, delayRelated: 0, attached: [], frame: Uint8Array.of(9) },
    77,
    {
      destination: "000000000001",
    },
  );
  const effects = module.handleFrame(request);
  const [answer] = sends(effects);
  assert.ok(answer?.message.ok);
  assert.equal(answer.delayMs, 400);
  assert.equal(answer.message.value.info.seq, 77);
  assert.deepEqual(answer.message.value.address?.source, "000000000001");
  assert.deepEqual(answer.message.value.body.frame, Uint8Array.of(1, 2, 3));
  assert.ok(effects.some((e) => e.kind === "timer" && e.name === "plc-free" && e.ms === 400));
  // A second AFN13 before the exchange ends is refused as busy (deny 9), at once.
  const busy = sends(module.handleFrame(request))[0];
  assert.ok(busy?.message.ok);
  assert.deepEqual(busy.message.value.body, { error: 9 });
  module.handleTimer("plc-free");
  assert.equal(sends(module.handleFrame(request))[0]?.message.ok && true, true);
});

test("state machine: a lossy node costs attempts; a dead one costs the monitor timeout and answers empty", () => {
  const network = new PlcNetwork(seededRandom(5));
  network.add({
    address: "000000000002",
    latencyMs: 100,
    successProbability: 0,
    meter: echoMeter(Uint8Array.of(1)),
  });
  const module = new CarrierModule(network, { maxAttempts: 3, monitorTimeoutSeconds: 10 });
  const ask = (dst: string) =>
    sends(
      module.handleFrame(
        downRequest(0x13, 1, { protocol: 2, delayRelated: 0, attached: [], frame: Uint8Array.of(9) }, 1, {
          destination: dst,
        }),
      ),
    )[0];
  const lossy = ask("000000000002");
  assert.equal(lossy?.delayMs, 300);
  assert.ok(lossy?.message.ok);
  assert.equal((lossy.message.value.body.frame as Uint8Array).length, 0);
  module.handleTimer("plc-free");
  const absent = ask("000000000009");
  assert.equal(absent?.delayMs, 10_000);
  assert.equal(module.counters.plcFailures, 2);
});

test("state machine: router-led walk asks, reads, reports, and finishes with AFN06 F3", () => {
  const network = new PlcNetwork(seededRandom(1));
  network.add({ address: "000000000001", latencyMs: 50, meter: echoMeter(Uint8Array.of(0xaa)) });
  const module = new CarrierModule(
    network,
    {},
    { masterAddress: "000000000100", nodes: [{ address: "000000000001", protocol: 2 }] },
  );
  let effects = module.handleFrame(downRequest(0x12, 1, {}, 1));
  assert.ok(effects.some((e) => e.kind === "timer" && e.name === "router-next"));
  effects = module.handleTimer("router-next");
  const ask = sends(effects)[0];
  assert.ok(ask?.message.ok);
  assert.equal(ask.message.value.afn, 0x14);
  assert.equal(ask.message.value.control.prm, true);
  assert.deepEqual(ask.message.value.body, { phase: 1, address: "000000000001", index: 1 });
  const seq = ask.message.value.info.seq;
  effects = module.handleFrame(
    downAnswer(0x14, 1, { readFlag: 2, delayRelated: 0, frame: Uint8Array.of(1), attached: [] }, seq),
  );
  assert.ok(effects.some((e) => e.kind === "timer" && e.name === "plc-done" && e.ms === 50));
  const report = sends(module.handleTimer("plc-done"))[0];
  assert.ok(report?.message.ok);
  assert.equal(report.message.value.afn, 0x06);
  assert.equal(report.message.value.fn, 2);
  assert.deepEqual(report.message.value.body.frame, Uint8Array.of(0xaa));
  // Confirm → the module asks about the same node again; "done" → next node; none left → AFN06 F3.
  const again = sends(
    module.handleFrame(
      downAnswer(
        0x00,
        1,
        { status: { commandDone: 1, channelsIdle: 0 }, waitSeconds: 0 },
        report.message.value.info.seq,
      ),
    ),
  )[0];
  assert.ok(again?.message.ok);
  assert.equal(again.message.value.afn, 0x14);
  effects = module.handleFrame(
    downAnswer(
      0x14,
      1,
      { readFlag: 1, delayRelated: 0, frame: new Uint8Array(0), attached: [] },
      again.message.value.info.seq,
    ),
  );
  const done = sends(module.handleTimer("router-next"))[0];
  assert.ok(done?.message.ok);
  assert.equal(done.message.value.afn, 0x06);
  assert.deepEqual(done.message.value.body, { change: 1 });
  assert.equal(module.routing, "idle");
  assert.ok(effects.length > 0);
});

test("state machine: registration reports nodes present at the start and nodes that join during the window", () => {
  const network = new PlcNetwork(seededRandom(3));
  const meter = echoMeter(Uint8Array.of(1));
  network.add({ address: "000000000001", meter });
  network.add({ address: "000000000002", meter });
  network.add({ address: "000000000003", meter, online: false });
  const module = new CarrierModule(network, {
    registrationFindWindowMs: 20_000,
    registrationScanMs: 10_000,
    registrationReport: "F1",
  });
  module.archive.set("000000000001", { address: "000000000001", protocol: 2 });
  // A pure state machine: play the timers by hand, in time order, as the driver would.
  const timers = new Map<string, number>();
  let now = 0;
  const reported: string[] = [];
  const apply = (effects: readonly ModuleEffect[]): void => {
    for (const e of effects) {
      if (e.kind === "timer") timers.set(e.name, now + e.ms);
      else if (e.kind === "cancel") timers.delete(e.name);
      else if (e.kind === "send") {
        const m = decodeMessageBytes(e.bytes);
        if (m.ok && m.value.afn === 0x06 && m.value.fn === 1) {
          for (const n of m.value.body.nodes as { address: string }[]) reported.push(`${n.address}@${now}`);
          // The DCU confirms every report at once.
          apply(module.handleFrame(downAnswer(0x00, 1, confirmBody(0), m.value.info.seq)));
        }
      }
    }
  };
  apply(
    module.handleFrame(
      downRequest(0x11, 5, { start: "261126080000", durationMinutes: 1, retries: 1, slots: 8 }, 5),
    ),
  );
  assert.equal(module.registrationActive, true);
  const step = (until: number): void => {
    for (;;) {
      const next = [...timers.entries()].sort((a, b) => a[1] - b[1])[0];
      if (next === undefined || next[1] > until) break;
      timers.delete(next[0]);
      now = next[1];
      apply(module.handleTimer(next[0]));
    }
    now = until;
  };
  step(25_000);
  // Node 2 (present, unarchived) found within the find window; node 1 (archived) and 3 (offline) not.
  assert.equal(reported.length, 1);
  assert.match(reported[0] ?? "", /^000000000002@/);
  // Node 3 powers on and node 4 is installed while the window is open: both found before it ends.
  (network.get("000000000003") as { online: boolean }).online = true;
  network.add({ address: "000000000004", meter });
  step(60_000);
  assert.deepEqual(reported.map((r) => r.split("@")[0]).sort(), [
    "000000000002",
    "000000000003",
    "000000000004",
  ]);
  assert.ok(
    reported.every((r) => Number(r.split("@")[1]) <= 60_000),
    reported.join(" "),
  );
  assert.equal(module.registrationActive, false, "the window closed at its end");
  assert.deepEqual([...module.registered.keys()].sort(), ["000000000002", "000000000003", "000000000004"]);
});
