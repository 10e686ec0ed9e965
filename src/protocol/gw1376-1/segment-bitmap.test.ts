import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { findFnRow } from "./fn-table.ts";
import { fromHexStrict } from "./layout-arbitrary.ts";
import { decodeBody, encodeBody } from "./layout-codec.ts";
import { decodeMissingGroup, encodeMissingGroup, missingGroupAnswer } from "./segment-bitmap.ts";

const F14 = findFnRow(0x0c, 14);

test("AFN0C F14 hand-written answer: group 1, segments 1024, 1026 and 2047 missing (LSB first)", () => {
  const wire = fromHexStrict(
    [
      "01 00", // group 1 (0-based: segments 1024..2047)
      "05", // byte 0: bits 0 and 2 → 1024, 1026
      ...Array(126).fill("00"),
      "80", // byte 127 bit 7 → 2047
    ].join(" "),
  );
  const decoded = decodeBody(F14?.up ?? [], wire);
  assert.ok(decoded.ok);
  if (!decoded.ok) return;
  assert.deepEqual(decodeMissingGroup(decoded.value), [1024, 1026, 2047]);
  // and the terminal's value encodes to exactly these bytes
  assert.deepEqual(encodeBody(F14?.up ?? [], { ...encodeMissingGroup(1, [1024, 1026, 2047]) }), wire);
});

test("F14 value round trip for any set of missing segments of a group (property)", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 63 }),
      fc.uniqueArray(fc.integer({ min: 0, max: 1023 })),
      (group, offsets) => {
        const missing = offsets.map((o) => group * 1024 + o).sort((a, b) => a - b);
        const value = encodeMissingGroup(group, missing);
        const wire = encodeBody(F14?.up ?? [], { ...value });
        assert.equal(wire.length, 130);
        const back = decodeBody(F14?.up ?? [], wire);
        assert.ok(back.ok);
        if (back.ok) assert.deepEqual(decodeMissingGroup(back.value), missing);
      },
    ),
  );
});

test("the terminal reports the lowest incomplete group; nothing missing is group 0 empty; no download is all missing", () => {
  assert.deepEqual(
    decodeMissingGroup(missingGroupAnswer({ totalSegments: 3000, missing: [1500, 2999] })),
    [1500],
  );
  assert.deepEqual(decodeMissingGroup(missingGroupAnswer({ totalSegments: 10, missing: [] })), []);
  const none = missingGroupAnswer(undefined);
  assert.equal(none.group, 0);
  assert.equal(decodeMissingGroup(none)?.length, 1024);
});

test("decodeMissingGroup refuses values that are not a 128-byte bitmap", () => {
  assert.equal(decodeMissingGroup({ group: 0, missing: "00" }), undefined);
  assert.equal(decodeMissingGroup({ group: "0", missing: "00".repeat(128) }), undefined);
  assert.equal(decodeMissingGroup({ group: 0, missing: "zz".repeat(128) }), undefined);
});
