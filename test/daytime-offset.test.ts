import assert from "node:assert/strict";
import { it } from "node:test";
import fc from "fast-check";
import { daytimeOffsetMinutes } from "./support/daytime-offset.ts";

it("the daytime offset puts local time within half an hour of noon, in whole hours, in the config's range", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 4_102_444_800_000 }), (now) => {
      const offset = daytimeOffsetMinutes(now);
      assert.ok(offset >= -720 && offset <= 840 && offset % 60 === 0, String(offset));
      const local = (((Math.floor(now / 60_000) + offset) % 1440) + 1440) % 1440;
      assert.ok(Math.abs(local - 720) <= 30, `local minute ${local} at offset ${offset}`);
    }),
  );
});
