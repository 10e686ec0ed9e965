import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { findFnRow } from "../../protocol/gw1376-1/fn-table.ts";
import type { Record_ } from "../../protocol/gw1376-1/layout.ts";
import { decodeBody, encodeBody } from "../../protocol/gw1376-1/layout-codec.ts";
import { parseF10 } from "../../terminal/meter-config.ts";
import { fromF10Entry, type MeterConfig, parseMeterCsv, toF10Entry } from "./meter-archive.ts";

const digits = fc.stringMatching(/^\d{12}$/);
const meterArb: fc.Arbitrary<MeterConfig> = fc
  .record({
    serial: fc.integer({ min: 1, max: 2040 }),
    pn: fc.integer({ min: 1, max: 2040 }),
    port: fc.integer({ min: 1, max: 31 }),
    baud: fc.constantFrom(0, 600, 1200, 2400, 4800, 7200, 9600, 19200),
    protocol: fc.constantFrom(0, 1, 2, 30, 31),
    address: digits,
    password: fc.stringMatching(/^[0-9a-f]{12}$/),
    tariffs: fc.integer({ min: 0, max: 48 }),
    integerDigits: fc.integer({ min: 4, max: 7 }),
    decimalDigits: fc.integer({ min: 1, max: 4 }),
    collector: digits,
    bigClass: fc.integer({ min: 0, max: 15 }),
    smallClass: fc.integer({ min: 0, max: 15 }),
  })
  .map((meter) => ({ ...meter })); // a plain object (fast-check records have no prototype)

describe("meter archive records", () => {
  it("survive AFN04 F10 encoding, the terminal's F10 parser and the AFN0A F10 answer layout", () => {
    const down = findFnRow(0x04, 10)?.down;
    const up = findFnRow(0x0a, 10)?.up;
    assert.ok(down && up);
    fc.assert(
      fc.property(meterArb, (meter) => {
        const body = encodeBody(down, { meters: [toF10Entry(meter)] });
        assert.equal(body.length, 2 + 27);
        const parsed = parseF10(body);
        assert.ok(parsed.ok, parsed.ok ? "" : parsed.error.message);
        const entry = parsed.value.entries[0];
        assert.equal(entry?.address, meter.address);
        assert.equal(entry?.port, meter.port);
        assert.equal(entry?.tariffCount, meter.tariffs);
        const back = decodeBody(up, body);
        assert.ok(back.ok);
        assert.deepEqual(fromF10Entry((back.value.meters as Record_[])[0] as Record_), meter);
      }),
    );
  });
});

describe("meter CSV", () => {
  it("reads the required columns with defaults for the rest, protocol by number or name", () => {
    const meters = parseMeterCsv(
      [
        "# two meters",
        "serial,pn,port,protocol,address,baud",
        "1,1,2,30,000000000001,2400",
        "",
        "2, 2, 31, dlt645-1997, 000000000002,",
      ].join("\n"),
    );
    assert.deepEqual(meters, [
      {
        serial: 1,
        pn: 1,
        port: 2,
        baud: 2400,
        protocol: 30,
        address: "000000000001",
        password: "000000000000",
        tariffs: 4,
        integerDigits: 6,
        decimalDigits: 2,
        collector: "000000000000",
        bigClass: 0,
        smallClass: 0,
      },
      {
        serial: 2,
        pn: 2,
        port: 31,
        baud: 0,
        protocol: 1,
        address: "000000000002",
        password: "000000000000",
        tariffs: 4,
        integerDigits: 6,
        decimalDigits: 2,
        collector: "000000000000",
        bigClass: 0,
        smallClass: 0,
      },
    ]);
  });

  const HEADER = "serial,pn,port,protocol,address";
  const refused: [string, string, RegExp][] = [
    ["serial out of range", `${HEADER}\n0,1,2,30,000000000001`, /line 2: serial must be 1\.\.2040/],
    ["port 0", `${HEADER}\n1,1,0,30,000000000001`, /line 2: port must be 1\.\.31/],
    ["unknown protocol", `${HEADER}\n1,1,2,7,000000000001`, /line 2: protocol must be one of/],
    ["short address", `${HEADER}\n1,1,2,30,12345`, /line 2: address must be 12 decimal digits/],
    ["bad baud", "serial,pn,port,protocol,address,baud\n1,1,2,30,000000000001,300", /baud must be one of/],
    ["missing cells", `${HEADER}\n1,1,2,30`, /line 2: 4 cells, the header \(line 1\) has 5/],
    ["unknown column", "serial,pn,port,protocol,address,colour", /line 1: unknown column "colour"/],
    ["missing column", "serial,pn,port,address", /line 1: missing column protocol/],
    [
      "duplicate serial",
      `${HEADER}\n1,1,2,30,000000000001\n1,2,2,30,000000000002`,
      /line 3: serial 1 already on line 2/,
    ],
    [
      "duplicate pn",
      `${HEADER}\n1,1,2,30,000000000001\n2,1,2,30,000000000002`,
      /line 3: pn 1 already on line 2/,
    ],
    [
      "duplicate address on a port",
      `${HEADER}\n1,1,2,30,000000000001\n2,2,2,30,000000000001`,
      /line 3: address 000000000001 on port 2 already on line 2/,
    ],
    ["no header", "# nothing\n", /no header row/],
  ];
  for (const [what, text, message] of refused) {
    it(`refuses ${what}, naming the line`, () => {
      assert.throws(() => parseMeterCsv(text), message);
    });
  }

  it("accepts the same address on different ports", () => {
    assert.equal(parseMeterCsv(`${HEADER}\n1,1,2,30,000000000001\n2,2,3,30,000000000001`).length, 2);
  });
});
