import assert from "node:assert/strict";
import { test } from "node:test";
import { findFnRow } from "./fn-table.ts";
import { assertGolden, firstUnit, fromHexStrict } from "./layout-arbitrary.ts";

const F1 = findFnRow(0x10, 1);

test("AFN10 F1 golden: S6 request / S7 answer (DL/T 645 read of 00010000 through port 31)", () => {
  const s6 = firstUnit(
    "68 E2 00 E2 00 68 4B 00 02 34 12 04 10 E0 00 00 01 00 1F 6B BC 0A 10 00 68 61 10 01 30 12 15 68 11 04 33 33 34 33 7B 16 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 13 51 23 21 05 A1 16",
    true,
  );
  // 1F port 31 | 6B = baud 3 (2400), 1 stop, parity on, even, 8 bits | BC = seconds + 60 | 0A × 10 ms | k 16
  assertGolden(F1?.down, s6.body, {
    port: 31,
    control: { dataBitsCode: 3, oddParity: 0, parityEnabled: 1, twoStopBits: 0, baudCode: 3 },
    frameTimeout: { value: 60, seconds: 1 },
    byteTimeout10ms: 10,
    frame: "68 61 10 01 30 12 15 68 11 04 33 33 34 33 7B 16",
  });
  const s7 = firstUnit(
    "68 AE 00 AE 00 68 A8 00 02 34 12 04 10 E0 00 00 01 00 1F 14 00 68 61 10 01 30 12 15 68 91 08 33 33 34 33 AB 39 33 33 49 16 4F 00 00 06 50 23 21 05 AE 16",
    false,
  );
  // 1F port 31 | k' = 20 | the meter's answer, untouched (EC 4F 00 and Tp follow)
  assertGolden(F1?.up, s7.body, {
    port: 31,
    frame: "68 61 10 01 30 12 15 68 91 08 33 33 34 33 AB 39 33 33 49 16",
  });
});

test("AFN10 F1 golden: S16 remote-trip request / S17 answer", () => {
  const s16 = firstUnit(
    "68 12 01 12 01 68 4B 00 02 34 12 04 10 E5 00 00 01 00 1F 6B BC 0A 1C 00 68 61 10 01 30 12 15 68 1C 10 35 6A 39 35 34 33 33 33 4D 33 33 33 33 63 45 CC 2C 16 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 05 34 05 00 22 05 CC 16",
    true,
  );
  assertGolden(F1?.down, s16.body, {
    port: 31,
    control: { dataBitsCode: 3, oddParity: 0, parityEnabled: 1, twoStopBits: 0, baudCode: 3 },
    frameTimeout: { value: 60, seconds: 1 },
    byteTimeout10ms: 10,
    frame: "68 61 10 01 30 12 15 68 1C 10 35 6A 39 35 34 33 33 33 4D 33 33 33 33 63 45 CC 2C 16",
  });
  const s17 = firstUnit(
    "68 8E 00 8E 00 68 A8 00 02 34 12 04 10 E5 00 00 01 00 1F 0C 00 68 61 10 01 30 12 15 68 9C 00 35 16 4F 00 05 27 04 00 22 05 3B 16",
    false,
  );
  assertGolden(F1?.up, s17.body, { port: 31, frame: "68 61 10 01 30 12 15 68 9C 00 35 16" });
});

test("AFN10 F9 hand-written forwarded read (§4.10 [M])", () => {
  const f9 = findFnRow(0x10, 9);
  assertGolden(
    f9?.down,
    fromHexStrict(
      [
        "02", // port 2
        "01 01 00 00 00 00 00", // one relay, address 000000000001
        "61 10 01 30 12 15", // target 151230011061
        "01", // DL/T 645-2007
        "00 00 01 00", // data identifier
      ].join(" "),
    ),
    {
      port: 2,
      relays: [{ address: "000000000001" }],
      meter: "151230011061",
      protocol: 1,
      dataId: "00 00 01 00",
    },
  );
  assertGolden(f9?.up, fromHexStrict("02 61 10 01 30 12 15 00 04 78 06 00 00"), {
    port: 2,
    meter: "151230011061",
    result: 0,
    data: "78 06 00 00",
  });
  assert.equal(findFnRow(0x10, 10)?.confidence, "L");
});
