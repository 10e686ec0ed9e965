import assert from "node:assert/strict";
import { test } from "node:test";
import { archiveFingerprint, archiveTarget, moduleProtocol } from "./archive-target.ts";

test("the module archive: carrier-port meters with a carried protocol, once per address", () => {
  const entries = [
    { port: 31, protocol: 30, address: "100000000001" },
    { port: 31, protocol: 1, address: "100000000002" },
    { port: 31, protocol: 0, address: "100000000003" },
    { port: 2, protocol: 30, address: "000000000001" },
    { port: 31, protocol: 31, address: "100000000004" },
    { port: 31, protocol: 1, address: "100000000001" },
  ];
  assert.deepEqual(archiveTarget(entries, 31), [
    { address: "100000000001", protocol: 2 },
    { address: "100000000002", protocol: 1 },
    { address: "100000000004", protocol: 2 },
  ]);
  assert.equal(moduleProtocol(2), undefined);
});

test("fingerprint: order-independent, sensitive to address and protocol", () => {
  const a = { address: "100000000001", protocol: 2 };
  const b = { address: "100000000002", protocol: 1 };
  assert.equal(archiveFingerprint([a, b]), archiveFingerprint([b, a]));
  assert.notEqual(archiveFingerprint([a, b]), archiveFingerprint([a, { ...b, protocol: 2 }]));
  assert.notEqual(archiveFingerprint([a]), archiveFingerprint([a, b]));
});
