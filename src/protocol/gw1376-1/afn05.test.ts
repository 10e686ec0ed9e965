import assert from "node:assert/strict";
import { test } from "node:test";
import { AFN05_ROWS } from "./afn05.ts";
import { findFnRow } from "./fn-table.ts";
import { assertGolden, firstUnit, fromHexStrict } from "./layout-arbitrary.ts";

const control = (fn: number) => findFnRow(0x05, fn)?.down;

test("AFN05: every control Fn of §4.4 (except load control F9–F24) is a down-only row", () => {
  const fns = AFN05_ROWS.map((r) => r.fn);
  for (const fn of [
    1, 2, 25, 26, 27, 28, 29, 30, 31, 32, 34, 35, 36, 37, 38, 39, 41, 42, 49, 50, 51, 52, 53, 149, 150,
  ]) {
    assert.ok(fns.includes(fn), `F${fn}`);
  }
  assert.ok(fns.every((fn) => fn < 9 || fn > 24));
  assert.ok(AFN05_ROWS.every((r) => r.up === undefined && r.down !== undefined));
});

test("AFN05 F49/F50/F51 golden (S8, S10, S12): port number 1", () => {
  const frames: readonly [string, string][] = [
    [
      "01 06",
      "68 8E 00 8E 00 68 4A 00 02 34 12 04 05 F1 00 00 01 06 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 01 07 56 23 21 05 3B 16",
    ],
    [
      "02 06",
      "68 8E 00 8E 00 68 4A 00 02 34 12 04 05 F2 00 00 02 06 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 02 48 56 23 21 05 7F 16",
    ],
    [
      "04 06",
      "68 8E 00 8E 00 68 4A 00 02 34 12 04 05 F3 00 00 04 06 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 03 59 56 23 21 05 94 16",
    ],
  ];
  frames.forEach(([dt, frame], i) => {
    const unit = firstUnit(frame, true);
    assert.equal(unit.dt, dt);
    assertGolden(control(49 + i), unit.body, { port: 1 });
  });
});

test("AFN05 F25 (X27) and F31 (SYN-T31) golden", () => {
  const x27 = firstUnit(
    "68 8E 00 8E 00 68 4A 00 00 FF FF 21 05 EB 00 00 01 03 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 0C 25 36 17 04 05 E4 16",
    true,
  );
  assert.equal(x27.dt, "01 03");
  assertGolden(control(25), x27.body, { durationHalfHours: 0 });
  const t31 = firstUnit(
    "68 8A 00 8A 00 68 4A 01 01 BA 07 02 05 7A 00 00 40 03 05 30 14 15 71 23 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 C3 16",
    true,
  );
  assert.equal(t31.dt, "40 03");
  assertGolden(control(31), t31.body, { clock: { time: "2023-11-15 14:30:05", weekday: 3 } });
});

test("AFN05 hand-written: F1 trip timing, F32 message, F149 mode", () => {
  // 25 = limit 2 × 0.5 h (D7..D4), alarm delay 5 min (D3..D0)
  assertGolden(control(1), fromHexStrict("25"), { timing: { alarmDelayMinutes: 5, limitHalfHours: 2 } });
  assertGolden(
    control(32),
    fromHexStrict(
      [
        "13", // type 1 (important), number 3
        "04 C4 E3 BA C3", // 4 bytes of GB2312 text ("你好")
      ].join(" "),
    ),
    { kind: { number: 3, type: 1 }, text: "C4 E3 BA C3" },
  );
  assertGolden(control(149), fromHexStrict("02"), { mode: 2 });
  assertGolden(control(29), fromHexStrict(""), {});
});
