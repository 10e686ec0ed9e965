import { SERIAL_CONTROL_PARTS } from "./afn10.ts";
import type { Field, FnRow, PnKind } from "./layout.ts";
import { lengthPrefixedText } from "./layout-codec.ts";

/**
 * AFN04 set parameters and AFN0A query parameters (shared/protocol/gw1376-1.md §4.3). The two AFNs share Fn
 * numbers and bodies: the AFN04 down body is the parameter, the AFN0A up body is the same parameter, and
 * the AFN0A down body is empty or, for table parameters, a selector. `PARAMETERS` is the single source:
 * both row sets are derived from it. `AFN04_ROWS` carries the AFN0A rows too (fn-table.ts indexes AFN04_ROWS
 * only); `AFN0A_ROWS` exists for callers that want just the queries.
 */
export interface Parameter {
  readonly fn: number;
  readonly name: string;
  readonly pn: PnKind;
  readonly body: readonly Field[];
  /** AFN0A request body (absent = empty request). */
  readonly selector?: readonly Field[];
  /** Read-only parameters have no AFN04 row. */
  readonly queryOnly?: true;
  readonly confidence?: "M" | "L";
}

const bin = (name: string, bytes: 1 | 2 | 3 | 4): Field => ({ name, type: "bin", bytes });
const fmt = (name: string, format: Extract<Field, { type: "format" }>["format"]): Field => ({
  name,
  type: "format",
  format,
});
const opaque = (bytes: number): readonly Field[] => [{ name: "raw", type: "bytes", bytes }];
const ids = (name: string, field: string, countBytes: 1 | 2, bytes: 1 | 2): readonly Field[] => [
  { name, type: "list", countBytes, fields: [bin(field, bytes)] },
];

/** AFN04 F10 entry, 27 bytes (§4.3.1 [H]). */
const METER_CONFIG: readonly Field[] = [
  bin("serial", 2),
  // 0 = delete this serial's configuration
  bin("pn", 2),
  {
    name: "ratePort",
    type: "bitfield",
    bytes: 1,
    parts: [
      // D4..D0 terminal port 1..31; D7..D5 baud code 0 default, 1 600 … 7 19200
      { name: "port", shift: 0, width: 5 },
      { name: "baudCode", shift: 5, width: 3 },
    ],
  },
  // 0 do not read, 1 DL/T 645-1997, 2 AC sampling, 30 DL/T 645-2007, 31 narrow-band PLC
  bin("protocol", 1),
  fmt("address", "A.12"),
  { name: "password", type: "bytes", bytes: 6 },
  {
    name: "tariffs",
    type: "bitfield",
    bytes: 1,
    parts: [
      { name: "count", shift: 0, width: 6 },
      { name: "reserved", shift: 6, width: 2 },
    ],
  },
  {
    name: "digits",
    type: "bitfield",
    bytes: 1,
    parts: [
      // D1..D0 decimal digits code (0..3 → 1..4), D3..D2 integer digits code (0..3 → 4..7)
      { name: "decimalCode", shift: 0, width: 2 },
      { name: "integerCode", shift: 2, width: 2 },
      { name: "reserved", shift: 4, width: 4 },
    ],
  },
  fmt("collector", "A.12"),
  {
    // raw nibbles on the wire (§8.12)
    name: "userClass",
    type: "bitfield",
    bytes: 1,
    parts: [
      { name: "small", shift: 0, width: 4 },
      { name: "big", shift: 4, width: 4 },
    ],
  },
];

/** AFN04 F33 port block, 14 + 4m bytes (§4.3.2 [H layout, L bit meanings]). */
const READING_PORT: readonly Field[] = [
  bin("port", 1),
  { name: "control", type: "bits", bytes: 2 },
  // bit 0..30 = day 1..31
  { name: "readingDays", type: "bits", bytes: 4 },
  fmt("readingDayTime", "A.19"),
  bin("intervalMinutes", 1),
  fmt("timeSyncTime", "A.18"),
  {
    name: "windows",
    type: "list",
    countBytes: 1,
    fields: [fmt("start", "A.19"), fmt("end", "A.19")],
  },
];

const CLASS_DATA_CONFIG: readonly Field[] = [
  bin("bigClass", 1),
  {
    name: "smallClasses",
    type: "list",
    countBytes: 1,
    fields: [
      bin("smallClass", 1),
      { name: "groups", type: "list", countBytes: 1, fields: [{ name: "fns", type: "bits", bytes: 1 }] },
    ],
  },
];

const REPORT_TASK: readonly Field[] = [
  {
    name: "period",
    type: "bitfield",
    bytes: 1,
    parts: [
      // D5..D0 period; D7..D6 unit 0 minute, 1 hour, 2 day, 3 month
      { name: "value", shift: 0, width: 6 },
      { name: "unit", shift: 6, width: 2 },
    ],
  },
  fmt("baseTime", "A.1"),
  bin("curveRatio", 1),
  {
    name: "items",
    type: "list",
    countBytes: 1,
    fields: [
      { name: "da", type: "bytes", bytes: 2 },
      { name: "dt", type: "bytes", bytes: 2 },
    ],
  },
];

/** The parameter table: one declaration per Fn. */
export const PARAMETERS: readonly Parameter[] = [
  {
    fn: 1,
    name: "uplink communication parameters",
    pn: "p0",
    // §3.4 [H]; vector SYN-F1F3
    body: [
      bin("rtsDelay20ms", 1),
      bin("initiatorDelayMinutes", 1),
      {
        name: "response",
        type: "bitfield",
        bytes: 2,
        parts: [
          { name: "timeoutSeconds", shift: 0, width: 12 },
          { name: "resends", shift: 12, width: 2 },
          { name: "reserved", shift: 14, width: 2 },
        ],
      },
      // D0 class-1, D1 class-2, D2 class-3 (events) active reports need confirmation
      { name: "confirmFlags", type: "bits", bytes: 1 },
      bin("heartbeatMinutes", 1),
    ],
  },
  {
    fn: 2,
    name: "uplink wireless relay forwarding",
    pn: "p0",
    body: [
      {
        name: "control",
        type: "bitfield",
        bytes: 1,
        parts: [
          { name: "count", shift: 0, width: 7 },
          { name: "enabled", shift: 7, width: 1 },
        ],
      },
      { name: "addresses", type: "repeat", count: { field: "control.count" }, fields: [bin("a2", 2)] },
    ],
  },
  {
    fn: 3,
    name: "master station IP, port and APN",
    pn: "p0",
    body: [
      { name: "mainIp", type: "ipv4" },
      bin("mainPort", 2),
      { name: "backupIp", type: "ipv4" },
      bin("backupPort", 2),
      { name: "apn", type: "ascii", bytes: 16 },
    ],
  },
  {
    fn: 4,
    name: "master phone and SMS centre",
    pn: "p0",
    confidence: "M",
    // BCD digits with device-dependent padding (0xF nibbles?) [M]: kept as bytes
    body: [
      { name: "masterPhone", type: "bytes", bytes: 8 },
      { name: "smsCentre", type: "bytes", bytes: 8 },
    ],
  },
  {
    fn: 5,
    name: "uplink message authentication",
    pn: "p0",
    // scheme 0 = none, 255 = hardware (ESAM)
    body: [bin("scheme", 1), bin("schemeParameter", 2)],
  },
  {
    fn: 6,
    name: "group addresses",
    pn: "p0",
    body: [{ name: "groups", type: "repeat", count: 8, fields: [bin("a2", 2)] }],
  },
  {
    fn: 7,
    name: "terminal IP configuration",
    pn: "p0",
    body: [
      { name: "ip", type: "ipv4" },
      { name: "mask", type: "ipv4" },
      { name: "gateway", type: "ipv4" },
      // 0 none, 1 HTTP CONNECT, 2 SOCKS4, 3 SOCKS5 [M]
      bin("proxyType", 1),
      { name: "proxyIp", type: "ipv4" },
      bin("proxyPort", 2),
      // 0 none, 1 user + password
      bin("proxyAuth", 1),
      { name: "user", type: "custom", codec: lengthPrefixedText(20) },
      { name: "password", type: "custom", codec: lengthPrefixedText(20) },
      bin("listenPort", 2),
    ],
  },
  {
    fn: 8,
    name: "uplink working mode",
    pn: "p0",
    // §3.1 [H byte map, M semantics]
    body: [
      {
        name: "mode",
        type: "bitfield",
        bytes: 1,
        parts: [
          // 1 permanent online, 2 passive activation, 3 time-window online
          { name: "online", shift: 0, width: 2 },
          { name: "reserved2", shift: 2, width: 2 },
          // 0 mixed, 1 client, 2 server
          { name: "role", shift: 4, width: 2 },
          { name: "reserved6", shift: 6, width: 1 },
          // 0 TCP, 1 UDP
          { name: "udp", shift: 7, width: 1 },
        ],
      },
      bin("redialSeconds", 2),
      bin("passiveRedials", 1),
      bin("idleDisconnectMinutes", 1),
      // bit i = online during hour i
      bin("onlineHours", 3),
    ],
  },
  {
    fn: 9,
    name: "event record configuration",
    pn: "p0",
    // bit i = ERC i+1
    body: [
      { name: "recorded", type: "bits", bytes: 8 },
      { name: "important", type: "bits", bytes: 8 },
    ],
  },
  {
    fn: 10,
    name: "meter / AC-sampling device configuration",
    pn: "p0",
    body: [{ name: "meters", type: "list", countBytes: 2, fields: METER_CONFIG }],
    selector: ids("serials", "serial", 2, 2),
  },
  {
    fn: 11,
    name: "pulse inputs",
    pn: "p0",
    body: [
      {
        name: "inputs",
        type: "list",
        countBytes: 1,
        fields: [
          bin("port", 1),
          bin("pn", 1),
          { name: "attribute", type: "bits", bytes: 1 },
          bin("constant", 2),
        ],
      },
    ],
    selector: ids("ports", "port", 1, 1),
  },
  {
    fn: 12,
    name: "state-input flags",
    pn: "p0",
    body: [
      { name: "connected", type: "bits", bytes: 1 },
      { name: "attributes", type: "bits", bytes: 1 },
    ],
  },
  {
    fn: 13,
    name: "analogue input configuration",
    pn: "p0",
    confidence: "M",
    // n × 3 bytes, not itemised in the reference
    body: [
      { name: "inputs", type: "list", countBytes: 1, fields: [{ name: "raw", type: "bytes", bytes: 3 }] },
    ],
    selector: ids("ports", "port", 1, 1),
  },
  {
    fn: 14,
    name: "total-add groups",
    pn: "p0",
    body: [
      {
        name: "groups",
        type: "list",
        countBytes: 1,
        fields: [
          bin("group", 1),
          {
            name: "members",
            type: "list",
            countBytes: 1,
            fields: [{ name: "member", type: "bits", bytes: 1 }],
          },
        ],
      },
    ],
    selector: ids("groups", "group", 1, 1),
  },
  {
    fn: 16,
    name: "VPN user and password",
    pn: "p0",
    body: [
      { name: "user", type: "ascii", bytes: 32 },
      { name: "password", type: "ascii", bytes: 32 },
    ],
  },
  {
    fn: 25,
    name: "measurement-point basics",
    pn: "point",
    body: [
      bin("ptRatio", 2),
      bin("ctRatio", 2),
      fmt("ratedVoltage", "A.7"),
      fmt("ratedCurrent", "A.22"),
      fmt("ratedLoad", "A.23"),
      {
        name: "wiring",
        type: "bitfield",
        bytes: 1,
        parts: [
          // D1..D0 1 = 3φ3w, 2 = 3φ4w, 3 = 1φ; D3..D2 phase of a single-phase meter
          { name: "connection", shift: 0, width: 2 },
          { name: "phase", shift: 2, width: 2 },
          { name: "reserved", shift: 4, width: 4 },
        ],
      },
    ],
  },
  // F26/F27: field lists are not in the reference; carried as opaque bytes of the stated length
  { fn: 26, name: "limit parameters", pn: "point", confidence: "M", body: opaque(57) },
  { fn: 27, name: "copper and iron loss", pn: "point", confidence: "M", body: opaque(24) },
  { fn: 28, name: "power-factor limits", pn: "point", body: [fmt("limit1", "A.5"), fmt("limit2", "A.5")] },
  {
    fn: 29,
    name: "local meter display number",
    pn: "point",
    body: [{ name: "number", type: "ascii", bytes: 12 }],
  },
  // F30 [L on values]
  {
    fn: 30,
    name: "stop/resume reading of the point",
    pn: "point",
    confidence: "L",
    body: [bin("stopped", 1)],
  },
  {
    fn: 31,
    name: "PLC slave node auxiliary addresses",
    pn: "point",
    confidence: "M",
    body: [{ name: "addresses", type: "list", countBytes: 1, fields: [fmt("address", "A.12")] }],
  },
  {
    fn: 33,
    name: "reading run parameters per port",
    pn: "p0",
    body: [{ name: "ports", type: "list", countBytes: 1, fields: READING_PORT }],
    selector: ids("ports", "port", 1, 1),
  },
  {
    fn: 34,
    name: "downlink module parameters",
    pn: "p0",
    body: [
      {
        name: "ports",
        type: "list",
        countBytes: 1,
        fields: [
          bin("port", 1),
          { name: "control", type: "bitfield", bytes: 1, parts: SERIAL_CONTROL_PARTS },
          bin("baud", 4),
        ],
      },
    ],
    selector: ids("ports", "port", 1, 1),
  },
  { fn: 35, name: "key users", pn: "p0", body: ids("serials", "serial", 1, 2) },
  // 0 = no limit
  { fn: 36, name: "monthly traffic threshold", pn: "p0", body: [bin("bytesPerMonth", 4)] },
  {
    fn: 37,
    name: "cascade parameters",
    pn: "p0",
    body: [
      bin("port", 1),
      { name: "control", type: "bitfield", bytes: 1, parts: SERIAL_CONTROL_PARTS },
      bin("frameTimeout100ms", 1),
      bin("byteTimeout10ms", 1),
      bin("retries", 1),
      bin("patrolMinutes", 1),
      {
        name: "cascade",
        type: "bitfield",
        bytes: 1,
        parts: [
          { name: "count", shift: 0, width: 7 },
          // D7 = 1: this terminal is the cascaded one
          { name: "cascaded", shift: 7, width: 1 },
        ],
      },
      {
        name: "terminals",
        type: "repeat",
        count: { field: "cascade.count" },
        fields: [{ name: "a1", type: "bcd", bytes: 2 }, bin("a2", 2)],
      },
    ],
  },
  // F38/F39: vector X19. AFN0A selector: big class + the small classes asked for [M]
  {
    fn: 38,
    name: "class-1 data configuration",
    pn: "p0",
    body: CLASS_DATA_CONFIG,
    selector: [bin("bigClass", 1), ...ids("smallClasses", "smallClass", 1, 1)],
  },
  {
    fn: 39,
    name: "class-2 data configuration",
    pn: "p0",
    body: CLASS_DATA_CONFIG,
    selector: [bin("bigClass", 1), ...ids("smallClasses", "smallClass", 1, 1)],
  },
  // F57–F61: opaque of the stated length (not used by a DCU)
  { fn: 57, name: "alarm sound", pn: "p0", confidence: "M", body: opaque(3) },
  { fn: 58, name: "automatic power keeping", pn: "p0", confidence: "M", body: opaque(1) },
  { fn: 59, name: "meter anomaly thresholds", pn: "p0", confidence: "M", body: opaque(5) },
  { fn: 60, name: "harmonic limits", pn: "p0", confidence: "M", body: opaque(80) },
  { fn: 61, name: "DC analogue inputs", pn: "p0", confidence: "M", body: opaque(1) },
  { fn: 65, name: "timed class-1 report task", pn: "task", body: REPORT_TASK },
  { fn: 66, name: "timed class-2 report task", pn: "task", body: REPORT_TASK },
  // 0x55 start, 0xAA stop
  { fn: 67, name: "start/stop class-1 report task", pn: "task", body: [bin("control", 1)] },
  { fn: 68, name: "start/stop class-2 report task", pn: "task", body: [bin("control", 1)] },
  // F89 (2013): A1 BCD + A2 BIN (also queried by broadcast, vector X2)
  { fn: 89, name: "terminal address", pn: "p0", body: [{ name: "a1", type: "bcd", bytes: 2 }, bin("a2", 2)] },
  { fn: 90, name: "wireless parameters", pn: "p0", body: [bin("channelGroup", 1), bin("txPower", 1)] },
  {
    fn: 91,
    name: "terminal geographic position",
    pn: "p0",
    confidence: "L",
    // 5 + 5 bytes, encoding unknown [L]: opaque halves
    body: [
      { name: "longitude", type: "bytes", bytes: 5 },
      { name: "latitude", type: "bytes", bytes: 5 },
    ],
  },
  {
    fn: 97,
    name: "power-outage data collection",
    pn: "p0",
    confidence: "L",
    // 5 + 2n: read as 3 setting bytes + n(2) + n × point(2) [L]
    body: [
      { name: "settings", type: "bytes", bytes: 3 },
      { name: "points", type: "list", countBytes: 2, fields: [bin("pn", 2)] },
    ],
  },
  { fn: 98, name: "power-outage event discrimination", pn: "p0", confidence: "L", body: opaque(13) },
  {
    fn: 150,
    name: "measurement-point status",
    pn: "p0",
    queryOnly: true,
    // bit per point p1..p2048
    body: [
      { name: "valid", type: "bits", bytes: 256 },
      { name: "changed", type: "bits", bytes: 256 },
    ],
  },
];

function withConfidence(row: FnRow, confidence: "M" | "L" | undefined): FnRow {
  return confidence === undefined ? row : { ...row, confidence };
}

/** AFN0A query rows: down = selector (or nothing), up = the parameter body. */
export const AFN0A_ROWS: readonly FnRow[] = PARAMETERS.map((p) =>
  withConfidence(
    { afn: 0x0a, fn: p.fn, name: `query ${p.name}`, pn: p.pn, down: p.selector ?? [], up: p.body },
    p.confidence,
  ),
);

/** AFN04 set rows, followed by the AFN0A rows derived from the same declarations. */
export const AFN04_ROWS: readonly FnRow[] = [
  ...PARAMETERS.filter((p) => p.queryOnly !== true).map((p) =>
    withConfidence({ afn: 0x04, fn: p.fn, name: `set ${p.name}`, pn: p.pn, down: p.body }, p.confidence),
  ),
  ...AFN0A_ROWS,
];
