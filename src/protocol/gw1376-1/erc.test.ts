import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { fromHex, toHex } from "../common/hex.ts";
import { arbitraryErcRecord, decodeErcRecord, ERC_ROWS, encodeErcRecord, findErcRow } from "./erc.ts";
import type { Record_, Value } from "./layout.ts";
import { arbitraryForFields, arbitraryFormatValue } from "./layout-arbitrary.ts";
import type { ArbitraryTools } from "./layout-codec.ts";

const TOOLS: ArbitraryTools = { fc, forFields: arbitraryForFields, forFormat: arbitraryFormatValue };

function bytes(hex: string): Uint8Array {
  const b = fromHex(hex);
  assert.ok(b !== undefined);
  return b;
}

/** Plain-object copy: generated records may have a null prototype, which deepStrictEqual distinguishes. */
function plain(value: Value): Value {
  return JSON.parse(JSON.stringify(value)) as Value;
}

/** decode(bytes) succeeds and encode(decoded) reproduces the bytes. */
function golden(hex: string): Record_ {
  const decoded = decodeErcRecord(bytes(hex));
  assert.ok(decoded.ok, decoded.ok ? "" : decoded.error.message);
  const encoded = encodeErcRecord(decoded.value);
  assert.ok(encoded.ok, encoded.ok ? "" : encoded.error.message);
  assert.equal(toHex(encoded.value), toHex(bytes(hex)));
  return decoded.value;
}

describe("ERC golden records", () => {
  test("SYN-E1RSP ERC1: init + version change V1.0 → V1.1", () => {
    const v = golden(
      "01 0E" + // ERC1, Le 14
        " 30 08 15 11 23" + // 08:30 2023-11-15 (A.15)
        " 03" + // D0 init, D1 version change
        " 56 31 2E 30" + // "V1.0"
        " 56 31 2E 31", // "V1.1"
    );
    assert.deepEqual(v, {
      erc: 1,
      data: {
        time: "2023-11-15 08:30",
        flags: { init: 1, versionChange: 1, reserved: 0 },
        oldVersion: "V1.0",
        newVersion: "V1.1",
      },
    });
  });

  test("SYN-E1RSP ERC14 Le 10: power off 09:00, on 09:05", () => {
    const v = golden("0E 0A" + " 00 09 15 11 23" + " 05 09 15 11 23"); // ERC14 Le 10 | off A.15 | on A.15
    assert.deepEqual(v, {
      erc: 14,
      data: { powerOffTime: "2023-11-15 09:00", powerOnTime: "2023-11-15 09:05" },
    });
  });

  test("ERC14 Le 11 (2014 notice) decodes as the attribute variant; power-on EE → null", () => {
    const v = golden("0E 0B" + " 01" + " 00 09 15 11 23" + " EE EE EE EE EE"); // attribute 01 | off | on not yet
    assert.deepEqual(v, {
      erc: 14,
      variant: "attribute",
      data: { attribute: 1, powerOffTime: "2023-11-15 09:00", powerOnTime: null },
    });
  });

  test("ERC12 pn+flag is one bitfield: pn 5, occurred", () => {
    const v = golden("0C 07" + " 30 08 15 11 23" + " 05 80"); // time | D11..D0 = 5, D15 = 1
    assert.deepEqual(v, {
      erc: 12,
      data: { time: "2023-11-15 08:30", point: { pn: 5, reserved: 0, occurred: 1 } },
    });
  });

  test("ERC3 parameter change: k DA/DT pairs fill Le (6 + 4k)", () => {
    const v = golden(
      "03 0E" + // ERC3, Le 14 = 6 + 4·2
        " 30 08 15 11 23" + // time
        " 02" + // MSA 2
        " 00 00 01 00" + // p0 F1
        " 00 00 02 01", // p0 F10
    );
    assert.deepEqual(v, {
      erc: 3,
      data: {
        time: "2023-11-15 08:30",
        msa: 2,
        changed: [
          { da: 0, dt: 1 },
          { da: 0, dt: 0x0102 },
        ],
      },
    });
  });

  test("ERC41: NUC 14-byte and GY 19-byte records both decode by Le", () => {
    const nuc = golden("29 0E" + " 01 00" + " 00 30 08 15 11 23" + " 05 30 08 15 11 23"); // pn 1 | before A.1 | after A.1
    assert.equal(nuc.variant, undefined);
    const gy = golden("29 13" + " 30 08 15 11 23" + " 01 00" + " 00 30 08 15 11 23" + " 05 30 08 15 11 23");
    assert.equal(gy.variant, "with-time");
  });
});

describe("ERC records that do not fit a layout", () => {
  test("unknown ERC numbers become raw records", () => {
    assert.deepEqual(golden("63 03 01 02 03"), { erc: 99, raw: "01 02 03" });
    assert.deepEqual(golden("2B 02 AA BB"), { erc: 43, raw: "AA BB" }); // ERC43: no layout known
  });

  test("a wrong Le keeps the content raw (ERC14 Le 12, ERC25 Le 14 as GY sends it)", () => {
    assert.deepEqual(golden("0E 0C 00 09 15 11 23 05 09 15 11 23 00 00"), {
      erc: 14,
      raw: "00 09 15 11 23 05 09 15 11 23 00 00",
    });
    const gy25 = golden("19 0E 30 08 15 11 23 01 80 07 10 00 20 00 30 00");
    assert.equal(gy25.erc, 25);
    assert.ok("raw" in gy25);
  });

  test("content with a non-BCD digit at the right Le is raw, not an error", () => {
    const v = golden("0C 07 3A 08 15 11 23 05 80"); // minute 3A
    assert.deepEqual(v, { erc: 12, raw: "3A 08 15 11 23 05 80" });
  });

  test("Le running past the end is `truncated`; a missing Le too", () => {
    const r1 = decodeErcRecord(bytes("0E 0A 00 09 15 11 23"));
    assert.ok(!r1.ok && r1.error.code === "truncated");
    const r2 = decodeErcRecord(bytes("0E"));
    assert.ok(!r2.ok && r2.error.code === "truncated");
  });

  test("encoding a value that fits no layout is a bad-value result, not an exception", () => {
    const r1 = encodeErcRecord({ erc: 14, data: { powerOffTime: "not a time", powerOnTime: null } });
    assert.ok(!r1.ok && r1.error.code === "bad-value");
    const r2 = encodeErcRecord({ erc: 99, data: {} });
    assert.ok(!r2.ok && r2.error.code === "bad-value");
    const r3 = encodeErcRecord({ erc: 1, raw: "00".repeat(256) });
    assert.ok(!r3.ok && r3.error.code === "bad-value");
  });
});

describe("ERC table properties", () => {
  test("rows ERC1–ERC45, unique", () => {
    assert.deepEqual(
      ERC_ROWS.map((r) => r.erc),
      Array.from({ length: 45 }, (_, i) => i + 1),
    );
    assert.equal(findErcRow(14)?.variants?.length, 1);
  });

  test("every ERC layout round-trips generated content", () => {
    for (const row of ERC_ROWS) {
      const layouts = [
        ...(row.fields === undefined ? [] : [{ variant: undefined, fields: row.fields }]),
        ...(row.variants ?? []),
      ];
      for (const layout of layouts) {
        fc.assert(
          fc.property(arbitraryForFields(layout.fields), (data) => {
            const value: Record_ =
              layout.variant === undefined
                ? { erc: row.erc, data }
                : { erc: row.erc, variant: layout.variant, data };
            const encoded = encodeErcRecord(value);
            assert.ok(encoded.ok, `ERC${row.erc}: ${encoded.ok ? "" : encoded.error.message}`);
            const back = decodeErcRecord(encoded.value);
            assert.ok(back.ok);
            assert.deepEqual(back.value, plain(value), `ERC${row.erc}`);
          }),
          { numRuns: 20 },
        );
      }
    }
  });

  test("the exported record generator round-trips (raw records included)", () => {
    fc.assert(
      fc.property(arbitraryErcRecord(TOOLS), (value: Value) => {
        const encoded = encodeErcRecord(value as Record_);
        assert.ok(encoded.ok, encoded.ok ? "" : encoded.error.message);
        const back = decodeErcRecord(encoded.value);
        assert.ok(back.ok);
        assert.deepEqual(back.value, plain(value));
      }),
      { numRuns: 200 },
    );
  });

  test("random bytes decode to a Result, never an exception", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (b) => {
        decodeErcRecord(b);
      }),
      { numRuns: 300 },
    );
  });

  test("random content of any ERC with a consistent Le always decodes (layout or raw)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 80 }), (erc, content) => {
        const r = decodeErcRecord(Uint8Array.of(erc, content.length, ...content));
        assert.ok(r.ok);
        assert.equal(r.value.erc, erc);
      }),
      { numRuns: 300 },
    );
  });
});
