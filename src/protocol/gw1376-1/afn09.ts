import type { Field, FnRow } from "./layout.ts";
import { entriesUntilEnd } from "./layout-codec.ts";

/**
 * AFN09 request terminal configuration (shared/protocol/gw1376-1.md §4.5). Requests carry no body; the
 * answers below. F1 is [H]; F2–F8 are [M]: their field lists come from one firmware (NUC) and the reference's
 * lengths, as noted per row.
 */

/** One bit per Fn of a group: bit i of byte g = F(8g + i + 1). */
const FN_GROUPS: Field = {
  name: "groups",
  type: "list",
  countBytes: 1,
  fields: [{ name: "fns", type: "bits", bytes: 1 }],
};

/**
 * F6/F7 per supported big class: n(1) + n × BS8. The number of blocks is the number of set bits of the
 * preceding BS16, which the layout cannot count; the blocks run to the end of the data unit instead.
 */
export const AFN09_CLASS_BLOCKS = entriesUntilEnd([FN_GROUPS]);

/** F3 tail: one small-class count per big class, to the end of the data unit. */
export const AFN09_SMALL_CLASS_COUNTS = entriesUntilEnd([{ name: "count", type: "bin", bytes: 1 }]);

const CLASS_DATA_CONFIG: readonly Field[] = [
  // bit k = user big class k supported
  { name: "bigClasses", type: "bits", bytes: 2 },
  { name: "blocks", type: "custom", codec: AFN09_CLASS_BLOCKS },
];

export const AFN09_ROWS: readonly FnRow[] = [
  {
    afn: 0x09,
    fn: 1,
    name: "terminal version",
    pn: "p0",
    down: [],
    // 41 bytes [H: LIM, NUC, TMNL, CRZ; vector SYN-V9R]
    up: [
      { name: "vendor", type: "ascii", bytes: 4 },
      { name: "deviceNumber", type: "ascii", bytes: 8 },
      { name: "softwareVersion", type: "ascii", bytes: 4 },
      { name: "softwareDate", type: "format", format: "A.20" },
      { name: "capacityCode", type: "ascii", bytes: 11 },
      { name: "protocolVersion", type: "ascii", bytes: 4 },
      { name: "hardwareVersion", type: "ascii", bytes: 4 },
      { name: "hardwareDate", type: "format", format: "A.20" },
    ],
  },
  {
    afn: 0x09,
    fn: 2,
    name: "supported I/O and communication ports",
    pn: "p0",
    confidence: "M",
    down: [],
    // 16 + 1 + 12 × ports (reference); field names after NUC, which writes its MAC at offset 10 [M]
    up: [
      { name: "pulseInputs", type: "bin", bytes: 1 },
      { name: "switchInputs", type: "bin", bytes: 1 },
      { name: "analogueInputs", type: "bin", bytes: 1 },
      { name: "switchOutputs", type: "bin", bytes: 1 },
      { name: "maxMeters", type: "bin", bytes: 2 },
      { name: "maxReceiveBuffer", type: "bin", bytes: 2 },
      { name: "maxSendBuffer", type: "bin", bytes: 2 },
      { name: "mac", type: "bytes", bytes: 6 },
      {
        name: "ports",
        type: "list",
        countBytes: 1,
        fields: [
          { name: "portAndChannel", type: "bits", bytes: 2 },
          { name: "maxBaud", type: "bin", bytes: 4 },
          { name: "maxDevices", type: "bin", bytes: 2 },
          { name: "maxReceiveBuffer", type: "bin", bytes: 2 },
          { name: "maxSendBuffer", type: "bin", bytes: 2 },
        ],
      },
    ],
  },
  {
    afn: 0x09,
    fn: 3,
    name: "other configuration",
    pn: "p0",
    confidence: "M",
    down: [],
    // NUC `AFN09F3_Addr` [M]: 17 bytes of capacities (densities per appendix C), the supported big-class
    // flags BS16, then one small-class count per big class (to the end of the data unit)
    up: [
      { name: "maxPoints", type: "bin", bytes: 2 },
      { name: "maxTotalAddGroups", type: "bin", bytes: 1 },
      { name: "maxTasks", type: "bin", bytes: 1 },
      { name: "maxDifferentialGroups", type: "bin", bytes: 1 },
      { name: "maxTariffs", type: "bin", bytes: 1 },
      { name: "pointFreezeDensity", type: "bin", bytes: 1 },
      { name: "groupActivePowerDensity", type: "bin", bytes: 1 },
      { name: "groupReactivePowerDensity", type: "bin", bytes: 1 },
      { name: "groupActiveEnergyDensity", type: "bin", bytes: 1 },
      { name: "groupReactiveEnergyDensity", type: "bin", bytes: 1 },
      { name: "dailyDays", type: "bin", bytes: 1 },
      { name: "monthlyMonths", type: "bin", bytes: 1 },
      { name: "powerControlSchemes", type: "bin", bytes: 1 },
      { name: "maxHarmonic", type: "bin", bytes: 1 },
      { name: "maxCapacitorGroups", type: "bin", bytes: 1 },
      { name: "maxKeyUsers", type: "bin", bytes: 1 },
      { name: "bigClasses", type: "bits", bytes: 2 },
      { name: "smallClassCounts", type: "custom", codec: AFN09_SMALL_CLASS_COUNTS },
    ],
  },
  // F4/F5: n(1) + n × BS8 Fn bitmap (NUC, a JS master decoder)
  { afn: 0x09, fn: 4, name: "supported parameter Fn", pn: "p0", confidence: "M", down: [], up: [FN_GROUPS] },
  { afn: 0x09, fn: 5, name: "supported control Fn", pn: "p0", confidence: "M", down: [], up: [FN_GROUPS] },
  {
    afn: 0x09,
    fn: 6,
    name: "supported class-1 data Fn",
    pn: "p0",
    confidence: "M",
    down: [],
    up: CLASS_DATA_CONFIG,
  },
  {
    afn: 0x09,
    fn: 7,
    name: "supported class-2 data Fn",
    pn: "p0",
    confidence: "M",
    down: [],
    up: CLASS_DATA_CONFIG,
  },
  // F8: BS64, bit i = ERC i+1 supported
  {
    afn: 0x09,
    fn: 8,
    name: "supported event records",
    pn: "p0",
    confidence: "M",
    down: [],
    up: [{ name: "ercs", type: "bits", bytes: 8 }],
  },
  // F9 (2013): remote (public-network) communication module version, 46 bytes. Not itemised in
  // shared/protocol/gw1376-1.md; this field list is the one several independent terminal firmwares and
  // master-station clients agree on [M].
  {
    afn: 0x09,
    fn: 9,
    name: "remote communication module version",
    pn: "p0",
    confidence: "M",
    down: [],
    up: [
      { name: "vendor", type: "ascii", bytes: 4 },
      { name: "model", type: "ascii", bytes: 8 },
      { name: "softwareVersion", type: "ascii", bytes: 4 },
      { name: "softwareDate", type: "format", format: "A.20" },
      { name: "hardwareVersion", type: "ascii", bytes: 4 },
      { name: "hardwareDate", type: "format", format: "A.20" },
      { name: "iccid", type: "ascii", bytes: 20 },
    ],
  },
];
