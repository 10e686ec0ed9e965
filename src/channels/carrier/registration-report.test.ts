import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_REGISTRATION_POLICY, registrationNodes } from "./registration-report.ts";

const meter = (address: string, protocol: number, index = 1) => ({
  address,
  protocol,
  index,
  deviceType: 1,
  attachedTotal: 0,
  attached: [],
});

test("registration report: meters taken, garbage rejected with the reason, a repeat taken once", () => {
  const { nodes, rejected } = registrationNodes({
    afn: 0x06,
    fn: 4,
    body: {
      nodes: [
        meter("000000007001", 2),
        meter("000000007002", 1),
        meter("00000000700a", 2), // not BCD
        meter("ffffffffffff", 2),
        meter("999999999999", 2), // broadcast
        meter("000000000000", 2),
        meter("000000007003", 0), // transparent
        meter("000000007004", 3), // DL/T 698.45
        meter("000000007005", 9), // unassigned
        meter("000000007001", 2), // repeated
        { ...meter("000000007006", 2), deviceType: 7 },
        {
          ...meter("000000008000", 2),
          deviceType: 0,
          attachedTotal: 2,
          attached: [
            { address: "000000008001", protocol: 2 },
            { address: "12345678901x", protocol: 2 },
          ],
        },
      ],
    },
  });
  assert.deepEqual(nodes, [
    { address: "000000007001", protocol: 2 },
    { address: "000000007002", protocol: 1 },
    { address: "000000008001", protocol: 2 },
  ]);
  assert.deepEqual(
    rejected.map((r) => r.address),
    [
      "00000000700a",
      "ffffffffffff",
      "999999999999",
      "000000000000",
      "000000007003",
      "000000007004",
      "000000007005",
      "000000007001",
      "000000007006",
      "12345678901x",
    ],
  );
  assert.match(rejected[0]?.reason ?? "", /12 decimal digits/);
  assert.match(rejected[5]?.reason ?? "", /protocol type 3/);
  assert.match(rejected[9]?.reason ?? "", /behind 000000008000/);
});

test("registration report: F1 carries meters; other reports and a missing list are handled", () => {
  assert.deepEqual(
    registrationNodes({
      afn: 0x06,
      fn: 1,
      body: { nodes: [{ address: "000000007001", protocol: 2, index: 1 }] },
    }).nodes,
    [{ address: "000000007001", protocol: 2 }],
  );
  // [L] configurable: a module known to report found nodes in F4 only.
  const onlyF4 = { ...DEFAULT_REGISTRATION_POLICY, reportFns: [4] };
  assert.deepEqual(
    registrationNodes(
      { afn: 0x06, fn: 1, body: { nodes: [{ address: "000000007001", protocol: 2 }] } },
      onlyF4,
    ),
    { nodes: [], rejected: [] },
  );
  assert.deepEqual(registrationNodes({ afn: 0x06, fn: 2, body: {} }), { nodes: [], rejected: [] });
  assert.equal(registrationNodes({ afn: 0x06, fn: 4, body: {} }).rejected.length, 1);
  // Collector meters can be switched off: the collector is then rejected as not a meter.
  const noCollectors = { ...DEFAULT_REGISTRATION_POLICY, collectorMeters: false };
  const collector = {
    ...meter("000000008000", 2),
    deviceType: 0,
    attached: [{ address: "000000008001", protocol: 2 }],
  };
  assert.deepEqual(
    registrationNodes({ afn: 0x06, fn: 4, body: { nodes: [collector] } }, noCollectors).nodes,
    [],
  );
});
