import assert from "node:assert/strict";
import { test } from "node:test";
import { findFnRow } from "./fn-table.ts";
import { assertGolden, fromHexStrict } from "./layout-arbitrary.ts";
import { decodeBody } from "./layout-codec.ts";

const F1 = findFnRow(0x0f, 1);

test("AFN0F F1 hand-written segment (§4.9): header + length-prefixed data, bytes carried unchanged", () => {
  assertGolden(
    F1?.down,
    fromHexStrict(
      [
        "01", // file id 1 (terminal program)
        "00", // start/middle segment
        "00", // download by message
        "0A 00", // 10 segments in all
        "03 00 00 00", // segment index 3
        "04 00", // Lf = 4
        "DE AD BE EF", // segment data (as on the wire; reversal is the profile's job)
      ].join(" "),
    ),
    { fileId: 1, attribute: 0, instruction: 0, segmentCount: 10, segmentIndex: 3, data: "DE AD BE EF" },
  );
  // answer: the stored index, FF FF FF FF = error
  assertGolden(F1?.up, fromHexStrict("03 00 00 00"), { segmentIndex: 3 });
  assertGolden(F1?.up, fromHexStrict("FF FF FF FF"), { segmentIndex: 0xffffffff });
});

test("AFN0F F1: a segment length beyond the data present is truncated", () => {
  const result = decodeBody(F1?.down ?? [], fromHexStrict("01 01 00 01 00 00 00 00 00 00 04 DE AD"));
  assert.equal(result.ok, false);
  if (!result.ok) assert.deepEqual([result.error.code, result.error.field], ["truncated", "data.data"]);
});
