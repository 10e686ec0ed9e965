import assert from "node:assert/strict";
import { test } from "node:test";
import { findFnRow } from "./fn-table.ts";
import { assertGolden, firstUnit, fromHexStrict } from "./layout-arbitrary.ts";
import { fieldsFixedLength } from "./layout-codec.ts";

const answer = (fn: number) => findFnRow(0x09, fn)?.up;

test("AFN09 F1 golden: the query (X3) is empty; the answer (SYN-V9R) is 41 bytes of ASCII and A.20 dates", () => {
  const x3 = firstUnit("68 32 00 32 00 68 4B 00 50 02 00 02 09 70 00 00 01 00 19 16", false);
  assertGolden(findFnRow(0x09, 1)?.down, x3.body, {});
  assert.equal(fieldsFixedLength(answer(1) ?? []), 41);
  const v9r = firstUnit(
    "68 DE 00 DE 00 68 A8 01 01 BA 07 02 09 68 00 00 01 00 54 45 53 54 44 43 55 30 30 30 30 31 56 31 2E 30 15 11 23 43 46 47 30 30 30 30 30 30 30 41 31 33 30 31 48 57 31 30 01 01 23 00 00 65 16",
    false,
  );
  assertGolden(answer(1), v9r.body, {
    vendor: "TEST",
    deviceNumber: "DCU00001",
    softwareVersion: "V1.0",
    softwareDate: "2023-11-15",
    capacityCode: "CFG0000000A",
    protocolVersion: "1301",
    hardwareVersion: "HW10",
    hardwareDate: "2023-01-01",
  });
});

test("AFN09 F2..F8 hand-written answers", () => {
  assertGolden(
    answer(2),
    fromHexStrict(
      [
        "00 00 00 00", // no pulse/switch/analogue inputs or outputs
        "E8 03", // up to 1000 meters
        "00 08 00 08", // 2048-byte buffers
        "00 11 22 33 44 55", // MAC
        "01", // one port
        "1F 00 60 09 00 00 E8 03 00 01 00 01", // port 31, 2400 Bd, 1000 devices, 256-byte buffers
      ].join(" "),
    ),
    {
      pulseInputs: 0,
      switchInputs: 0,
      analogueInputs: 0,
      switchOutputs: 0,
      maxMeters: 1000,
      maxReceiveBuffer: 2048,
      maxSendBuffer: 2048,
      mac: "00 11 22 33 44 55",
      ports: [
        { portAndChannel: 0x1f, maxBaud: 2400, maxDevices: 1000, maxReceiveBuffer: 256, maxSendBuffer: 256 },
      ],
    },
  );
  assertGolden(
    answer(3),
    fromHexStrict(
      [
        "F8 07", // 2040 points
        "08 40 08 0E", // 8 groups, 64 tasks, 8 differential groups, 14 tariffs
        "01 01 01 01 01", // freeze densities (appendix C code 1 = 15 min)
        "1F 0C 00 13 00 14", // 31 days, 12 months, 0 schemes, harmonic 19, 0 capacitors, 20 key users
        "03 00", // big classes 0 and 1
        "10 10", // 16 small classes each
      ].join(" "),
    ),
    {
      maxPoints: 2040,
      maxTotalAddGroups: 8,
      maxTasks: 64,
      maxDifferentialGroups: 8,
      maxTariffs: 14,
      pointFreezeDensity: 1,
      groupActivePowerDensity: 1,
      groupReactivePowerDensity: 1,
      groupActiveEnergyDensity: 1,
      groupReactiveEnergyDensity: 1,
      dailyDays: 31,
      monthlyMonths: 12,
      powerControlSchemes: 0,
      maxHarmonic: 19,
      maxCapacitorGroups: 0,
      maxKeyUsers: 20,
      bigClasses: 3,
      smallClassCounts: [{ count: 16 }, { count: 16 }],
    },
  );
  // F4: two groups: F1..F8 all, F9..F16 only F10
  assertGolden(answer(4), fromHexStrict("02 FF 02"), { groups: [{ fns: 0xff }, { fns: 0x02 }] });
  // F6: big classes 0 and 1; class 0 supports group 0 = F1..F8; class 1 supports F1 and F9
  assertGolden(answer(6), fromHexStrict("03 00  01 FF  02 01 01"), {
    bigClasses: 3,
    blocks: [{ groups: [{ fns: 0xff }] }, { groups: [{ fns: 0x01 }, { fns: 0x01 }] }],
  });
  // F8: ERC1, ERC14 and ERC64 supported → bits 0, 13, 63
  assertGolden(answer(8), fromHexStrict("01 20 00 00 00 00 00 80"), { ercs: "8000000000002001" });
});
