import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { toHex } from "../protocol/common/hex.ts";
import { decodeErcRecord } from "../protocol/gw1376-1/erc.ts";
import { findFnRow } from "../protocol/gw1376-1/fn-table.ts";
import { decodeBody } from "../protocol/gw1376-1/layout-codec.ts";
import { erc1, erc3, erc14, erc20, erc21, erc32, erc41 } from "./erc-records.ts";
import { encodeConfigInfo, tableSupport } from "./version-info.ts";

const AT = Date.UTC(2026, 10, 26, 2, 30); // 10:30 local at UTC+8
const OFF = 480;

describe("ERC records raised by the terminal", () => {
  const cases: [string, Uint8Array][] = [
    ["ERC1", erc1(AT, OFF, { init: true, versionChange: false }, "0100", "0100")],
    ["ERC3", erc3(AT, OFF, 0x12, [Uint8Array.of(0, 0, 1, 0)])],
    ["ERC14 2013", erc14(AT - 60_000, AT, OFF)],
    ["ERC14 2014", erc14(AT - 60_000, AT, OFF, "2014", 1)],
    ["ERC14 power still off", erc14(AT, undefined, OFF)],
    ["ERC20", erc20(AT, OFF, new Uint8Array(16).fill(0xab), 3)],
    ["ERC21", erc21(AT, OFF, 2)],
    ["ERC32", erc32(AT, OFF, 1_000_001, 1_000_000)],
    ["ERC41 nuc", erc41(AT, OFF, 0, AT - 1000, AT)],
    ["ERC41 gy", erc41(AT, OFF, 0, AT - 1000, AT, "gy")],
  ];
  for (const [name, bytes] of cases) {
    it(`${name} decodes with a declared layout of the shared ERC table`, () => {
      assert.equal(bytes[1], bytes.length - 2, "Le excludes the ERC and Le bytes");
      const decoded = decodeErcRecord(bytes);
      assert.ok(decoded.ok, decoded.ok ? "" : decoded.error.message);
      assert.equal(decoded.value.erc, bytes[0]);
      assert.ok(!("raw" in decoded.value), `fell back to raw: ${JSON.stringify(decoded.value)}`);
    });
  }

  it("writes ERC21 bytes as the reference lays them out", () => {
    assert.equal(toHex(erc21(AT, OFF, 4)), "15 06 30 10 26 11 26 04");
  });

  it("writes ERC32 bytes as the reference lays them out (traffic, threshold BIN 4 little-endian)", () => {
    assert.equal(
      toHex(erc32(AT, OFF, 0x01020304, 0x00010000)),
      "20 0D 30 10 26 11 26 04 03 02 01 00 00 01 00",
    );
    const decoded = decodeErcRecord(erc32(AT, OFF, 5_000_000, 4_000_000));
    assert.ok(decoded.ok);
    assert.deepEqual(decoded.value, {
      erc: 32,
      data: { time: "2026-11-26 10:30", monthBytes: 5_000_000, thresholdBytes: 4_000_000 },
    });
  });
});

describe("AFN09 configuration answers", () => {
  it("F4–F8 decode with the shared AFN09 rows and list what the table supports", () => {
    const support = tableSupport();
    for (const fn of [4, 5, 6, 7, 8] as const) {
      const row = findFnRow(0x09, fn);
      const decoded = decodeBody(row?.up ?? [], encodeConfigInfo(fn, support));
      assert.ok(decoded.ok, `F${fn}: ${decoded.ok ? "" : decoded.error.message}`);
    }
    const f4 = encodeConfigInfo(4, { ...support, parameters: [1, 3, 10] });
    assert.equal(toHex(f4), "02 05 02"); // 2 groups: F1,F3 | F10
    assert.equal(toHex(encodeConfigInfo(8, { ...support, ercs: [1, 3, 14, 64] })), "05 20 00 00 00 00 00 80");
  });
});
