import assert from "node:assert/strict";
import { test } from "node:test";
import type { PortControl } from "../port-control.ts";
import { portControl } from "./afn05-port-control.ts";

test("F49/F50/F51 reach pause/resume/restart of the named port; unknown ports and no field are refused", () => {
  const calls: string[] = [];
  const record = (what: string, port: number): boolean => {
    calls.push(`${what} ${port}`);
    return port === 2;
  };
  const ports: PortControl = {
    pause: (p) => record("pause", p),
    resume: (p) => record("resume", p),
    restart: (p) => record("restart", p),
  };
  assert.equal(portControl(ports, 49, { port: 2 }), true);
  assert.equal(portControl(ports, 50, { port: 2 }), true);
  assert.equal(portControl(ports, 51, { port: 2 }), true);
  assert.equal(portControl(ports, 49, { port: 9 }), false);
  assert.equal(portControl(ports, 49, {}), false);
  assert.equal(portControl(undefined, 49, { port: 2 }), false);
  assert.equal(portControl(ports, 52, { port: 2 }), false);
  assert.deepEqual(calls, ["pause 2", "resume 2", "restart 2", "pause 9"]);
});
