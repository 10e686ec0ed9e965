import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  ByteReader,
  ByteWriter,
  bcdDigits,
  bcdToNumber,
  catchDecode,
  encodeBcdDigits,
  fromHex,
  numberToBcd,
  sum8,
  toHex,
} from "./index.ts";

test("BCD byte conversions reject nibbles above 9", () => {
  assert.equal(bcdToNumber(0x59), 59);
  assert.equal(bcdToNumber(0x5a), undefined);
  assert.equal(bcdToNumber(0xa0), undefined);
  assert.equal(numberToBcd(47), 0x47);
});

test("BCD digit strings round-trip in both byte orders", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 8 }), fc.boolean(), fc.nat(), (n, lsbFirst, seed) => {
      const digits = String(seed)
        .padStart(2 * n, "0")
        .slice(-2 * n);
      const bytes = encodeBcdDigits(digits, n, lsbFirst);
      assert.equal(bcdDigits(bytes, lsbFirst), digits);
    }),
  );
  // A.12 example from the 1376.1 reference: 201812345678 -> 78 56 34 12 18 20
  assert.equal(toHex(encodeBcdDigits("201812345678", 6, true)), "78 56 34 12 18 20");
  assert.throws(() => encodeBcdDigits("12a", 2, true), RangeError);
});

test("hex parsing accepts spacing styles and names bad input by returning undefined", () => {
  assert.deepEqual(fromHex("68 32 00"), Uint8Array.of(0x68, 0x32, 0x00));
  assert.deepEqual(fromHex("0x68,0x32"), Uint8Array.of(0x68, 0x32));
  assert.deepEqual(fromHex("683200"), Uint8Array.of(0x68, 0x32, 0x00));
  assert.equal(fromHex("6"), undefined);
  assert.equal(fromHex("zz"), undefined);
  assert.deepEqual(fromHex(""), new Uint8Array(0));
  assert.deepEqual(fromHex("0a 1B"), Uint8Array.of(0x0a, 0x1b));
  assert.deepEqual(fromHex("0A  1B"), Uint8Array.of(0x0a, 0x1b)); // not the spaced notation: the loose parser
  assert.equal(fromHex("0A 1"), undefined);
  assert.equal(fromHex("0A 1G"), undefined);
});

test("hex: fromHex inverts toHex for any bytes and any separator the loose notation allows", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 40 }),
      fc.constantFrom(" ", "", ",", ":", " - "),
      (bytes, separator) => {
        assert.deepEqual(fromHex(toHex(bytes, separator)), bytes);
        assert.deepEqual(fromHex(toHex(bytes, separator).toLowerCase()), bytes);
      },
    ),
  );
});

test("sum8 is the modulo-256 arithmetic sum", () => {
  assert.equal(sum8(Uint8Array.of(0xff, 0x02)), 0x01);
  assert.equal(sum8(Uint8Array.of(1, 2, 3, 4), 1, 3), 5);
});

test("ByteReader reports truncation with field and absolute offset, never throwing out of catchDecode", () => {
  const reader = new ByteReader(Uint8Array.of(1, 2, 3), 10, "body");
  const result = catchDecode(() => {
    reader.u16le("first");
    return reader.u16le("second");
  });
  assert.equal(result.ok, false);
  if (!result.ok) {
    assert.equal(result.error.code, "truncated");
    assert.equal(result.error.field, "body.second");
    assert.equal(result.error.offset, 12);
  }
});

test("ByteReader BCD reads flag bad digits", () => {
  const result = catchDecode(() => new ByteReader(Uint8Array.of(0x12, 0x3f)).bcdDigitsLE(2, "addr"));
  assert.equal(result.ok, false);
  if (!result.ok) assert.equal(result.error.code, "bad-value");
});

test("ByteWriter and ByteReader agree on little-endian integers", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 0xff }),
      fc.integer({ min: 0, max: 0xffff }),
      fc.nat(),
      (a, b, c) => {
        const bytes = new ByteWriter(1)
          .u8(a)
          .u16le(b)
          .u32le(c)
          .u24le(c & 0xffffff)
          .finish();
        const r = new ByteReader(bytes);
        assert.equal(r.u8("a"), a);
        assert.equal(r.u16le("b"), b);
        assert.equal(r.u32le("c"), c >>> 0);
        assert.equal(r.u24le("d"), c & 0xffffff);
        assert.equal(r.atEnd, true);
      },
    ),
  );
});
