import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { ByteReader } from "../common/byte-reader.ts";
import { toHex } from "../common/hex.ts";
import { decodeFields } from "./layout-codec.ts";
import { hexText, lastByteFirstText, textTemplate } from "./text-template.ts";

test("text template: hexText spells what toHex spells, for generated and joined widths, at any offset", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 70 }),
      fc.nat({ max: 5 }),
      fc.constantFrom(" ", ""),
      (bytes, pad, separator) => {
        const buffer = new Uint8Array(pad + bytes.length);
        buffer.set(bytes, pad);
        assert.equal(hexText(bytes.length, separator)(buffer, pad), toHex(bytes, separator));
        const reversed = Uint8Array.from(bytes).reverse();
        assert.equal(lastByteFirstText(bytes.length)(buffer, pad), toHex(reversed, ""));
      },
    ),
  );
});

test("text template: literals, nibbles and masks", () => {
  const spell = textTemplate([
    { literal: "20" },
    { byte: 1, high: true },
    { byte: 1, high: false },
    { literal: "-" },
    { byte: 0, high: true, mask: 0x1f },
    { byte: 0, high: false, mask: 0x1f },
  ]);
  assert.equal(spell(Uint8Array.of(0xff, 0xb1, 0x23), 1), "2023-11"); // 0xb1 & 0x1f = 0x11
  assert.throws(() => textTemplate([{ byte: -1, high: true }]), RangeError);
});

test("compiled layouts refuse a field named __proto__ instead of setting the prototype", () => {
  const reader = new ByteReader(Uint8Array.of(1));
  assert.throws(() => decodeFields([{ name: "__proto__", type: "bin", bytes: 1 }], reader), /__proto__/);
});
