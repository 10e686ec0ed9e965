/**
 * The one table of Q/GDW 1376.2 data units: every supported (AFN, Fn) with its body in each direction.
 * `down` = concentrator → module, `up` = module → concentrator; `undefined` = not used in that direction,
 * `[]` = no data unit. Facts and confidence: docs/protocol/gw1376-2.md §4 (rows without `confidence` are [H]).
 * Adding an Fn is adding a row.
 */
import type { Field } from "./fields.ts";

export interface FnRow {
  readonly afn: number;
  readonly fn: number;
  readonly name: string;
  readonly down?: readonly Field[];
  readonly up?: readonly Field[];
  readonly confidence?: "M" | "L";
}

const address = (name: string): Field => ({ name, type: "address" });
const u8 = (name: string): Field => ({ name, type: "u8" });
const u16 = (name: string): Field => ({ name, type: "u16" });
const frame8 = (name = "frame"): Field => ({ name, type: "frame", lengthBytes: 1 });
const frame16 = (name = "frame"): Field => ({ name, type: "frame", lengthBytes: 2 });
const list = (name: string, fields: readonly Field[]): Field => ({
  name,
  type: "list",
  countBytes: 1,
  fields,
});
/** Clock as 6 BCD bytes ss mm hh DD MM YY → digit string "YYMMDDhhmmss". */
const clock = (name: string): Field => ({ name, type: "bcd", bytes: 6 });

/** §4.10 node information word of AFN10 F2/F3/F5/F6 [M for the upper byte]. */
const nodeInfoWord: Field = {
  name: "info",
  type: "bits",
  bytes: 2,
  parts: [
    { name: "relayLevel", shift: 0, width: 4 },
    { name: "signalQuality", shift: 4, width: 4 },
    { name: "phase", shift: 8, width: 3 },
    { name: "protocol", shift: 11, width: 3 },
    { name: "reserved", shift: 14, width: 2 },
  ],
};

const rateWord: Field = {
  name: "rate",
  type: "bits",
  bytes: 2,
  parts: [
    { name: "value", shift: 0, width: 15 },
    { name: "kbps", shift: 15, width: 1 },
  ],
};

const versionInfo: readonly Field[] = [
  { name: "vendor", type: "ascii", bytes: 2 },
  { name: "chip", type: "ascii", bytes: 2 },
  /** DD MM YY on the wire → "YYMMDD". */
  { name: "versionDate", type: "bcd", bytes: 3 },
  { name: "version", type: "bcd", bytes: 2 },
];

const nodePage: readonly Field[] = [u16("start"), u8("count")];
const nodePageAnswer: readonly Field[] = [u16("total"), list("nodes", [address("address"), nodeInfoWord])];

export const FN_ROWS: readonly FnRow[] = [
  // AFN00 confirm / deny — both directions (the DCU confirms the module's active reports).
  {
    afn: 0x00,
    fn: 1,
    name: "confirm",
    down: [
      {
        name: "status",
        type: "bits",
        bytes: 4,
        parts: [
          { name: "commandDone", shift: 0, width: 1 },
          { name: "channelsIdle", shift: 1, width: 31 },
        ],
      },
      u16("waitSeconds"),
    ],
    up: [
      {
        name: "status",
        type: "bits",
        bytes: 4,
        parts: [
          { name: "commandDone", shift: 0, width: 1 },
          { name: "channelsIdle", shift: 1, width: 31 },
        ],
      },
      u16("waitSeconds"),
    ],
  },
  { afn: 0x00, fn: 2, name: "deny", down: [u8("error")], up: [u8("error")] },
  // AFN01 initialisation (answered with AFN00).
  { afn: 0x01, fn: 1, name: "hardware init", down: [] },
  { afn: 0x01, fn: 2, name: "parameter init", down: [] },
  { afn: 0x01, fn: 3, name: "data init", down: [] },
  // AFN02 data forwarding.
  {
    afn: 0x02,
    fn: 1,
    name: "forward frame",
    down: [u8("protocol"), frame8()],
    up: [u8("protocol"), frame8()],
  },
  // AFN03 queries.
  { afn: 0x03, fn: 1, name: "vendor code and version", down: [], up: versionInfo },
  { afn: 0x03, fn: 2, name: "noise", down: [], up: [u8("noise")], confidence: "M" },
  { afn: 0x03, fn: 4, name: "master node address", down: [], up: [address("address")] },
  {
    afn: 0x03,
    fn: 5,
    name: "master node status and rates",
    down: [],
    up: [
      {
        name: "status",
        type: "bits",
        bytes: 2,
        parts: [
          { name: "rateCount", shift: 0, width: 4 },
          { name: "channelFeature", shift: 4, width: 2 },
          { name: "readingMode", shift: 6, width: 2 },
          { name: "channelCount", shift: 8, width: 4 },
          { name: "reserved", shift: 12, width: 4 },
        ],
      },
      { name: "rates", type: "tail", fields: [rateWord] },
    ],
    confidence: "M",
  },
  { afn: 0x03, fn: 7, name: "slave monitor max timeout", down: [], up: [u8("seconds")] },
  {
    afn: 0x03,
    fn: 10,
    name: "run-mode info",
    down: [],
    up: [
      {
        name: "mode",
        type: "bits",
        bytes: 1,
        parts: [
          { name: "commMode", shift: 0, width: 4 },
          { name: "routeManagement", shift: 4, width: 1 },
          { name: "slaveInfoNeeded", shift: 5, width: 1 },
          { name: "readingMode", shift: 6, width: 2 },
        ],
      },
      {
        name: "features",
        type: "bits",
        bytes: 1,
        parts: [
          { name: "delayParams", shift: 0, width: 3 },
          { name: "failover", shift: 3, width: 2 },
          { name: "broadcastConfirm", shift: 5, width: 1 },
          { name: "broadcastChannel", shift: 6, width: 2 },
        ],
      },
      {
        name: "channels",
        type: "bits",
        bytes: 1,
        parts: [
          { name: "count", shift: 0, width: 5 },
          { name: "powerDown", shift: 5, width: 3 },
        ],
      },
      {
        name: "rateInfo",
        type: "bits",
        bytes: 1,
        parts: [
          { name: "count", shift: 0, width: 4 },
          { name: "reserved", shift: 4, width: 4 },
        ],
      },
      { name: "reserved", type: "raw", bytes: 2 },
      u8("monitorTimeoutSeconds"),
      u16("broadcastTimeoutSeconds"),
      u16("maxFrameLength"),
      u16("maxFilePacket"),
      u8("upgradeWaitSeconds"),
      address("masterAddress"),
      u16("maxNodes"),
      u16("nodeCount"),
      { name: "protocolDate", type: "bcd", bytes: 3 },
      { name: "protocolFiledDate", type: "bcd", bytes: 3 },
      ...versionInfo,
      { name: "rates", type: "tail", fields: [rateWord] },
    ],
    confidence: "M",
  },
  // AFN04 link test.
  { afn: 0x04, fn: 1, name: "send test", down: [u8("seconds")], confidence: "M" },
  {
    afn: 0x04,
    fn: 3,
    name: "module frame test",
    down: [u8("rate"), address("destination"), u8("protocol"), frame8()],
    confidence: "M",
  },
  // AFN05 control.
  { afn: 0x05, fn: 1, name: "set master node address", down: [address("address")] },
  { afn: 0x05, fn: 2, name: "slave event reporting", down: [u8("enabled")] },
  { afn: 0x05, fn: 3, name: "start broadcast", down: [u8("protocol"), frame8()] },
  { afn: 0x05, fn: 4, name: "set slave monitor max timeout", down: [u8("seconds")] },
  {
    afn: 0x05,
    fn: 5,
    name: "set wireless parameters",
    down: [u8("channelGroup"), u8("power")],
    confidence: "M",
  },
  // AFN06 active reports (module → DCU, confirmed with AFN00 F1).
  {
    afn: 0x06,
    fn: 1,
    name: "report slave nodes",
    up: [list("nodes", [address("address"), u8("protocol"), u16("index")])],
  },
  {
    afn: 0x06,
    fn: 2,
    name: "report reading data",
    up: [u16("index"), u8("protocol"), u16("transitSeconds"), frame8()],
  },
  { afn: 0x06, fn: 3, name: "report route status change", up: [u8("change")] },
  {
    afn: 0x06,
    fn: 4,
    name: "report slave nodes with device type",
    up: [
      list("nodes", [
        address("address"),
        u8("protocol"),
        u16("index"),
        u8("deviceType"),
        u8("attachedTotal"),
        list("attached", [address("address"), u8("protocol")]),
      ]),
    ],
  },
  {
    afn: 0x06,
    fn: 5,
    name: "report slave event",
    up: [u8("deviceType"), u8("protocol"), frame8()],
    confidence: "M",
  },
  // AFN10 route queries.
  { afn: 0x10, fn: 1, name: "slave node count", down: [], up: [u16("count"), u16("maxNodes")] },
  { afn: 0x10, fn: 2, name: "slave node info", down: nodePage, up: nodePageAnswer },
  {
    afn: 0x10,
    fn: 3,
    name: "relay route of a node",
    down: [address("address")],
    up: [list("nodes", [address("address"), nodeInfoWord])],
    confidence: "M",
  },
  {
    afn: 0x10,
    fn: 4,
    name: "router run status",
    down: [],
    up: [
      u8("status"),
      u16("nodeCount"),
      u16("readCount"),
      u16("relayReadCount"),
      u8("workSwitch"),
      u16("rate"),
      { name: "relayLevels", type: "raw", bytes: 3 },
      { name: "workSteps", type: "raw", bytes: 3 },
    ],
    confidence: "M",
  },
  { afn: 0x10, fn: 5, name: "failed slave nodes", down: nodePage, up: nodePageAnswer, confidence: "M" },
  { afn: 0x10, fn: 6, name: "registered slave nodes", down: nodePage, up: nodePageAnswer, confidence: "M" },
  // AFN11 route set.
  { afn: 0x11, fn: 1, name: "add slave nodes", down: [list("nodes", [address("address"), u8("protocol")])] },
  { afn: 0x11, fn: 2, name: "delete slave nodes", down: [list("nodes", [address("address")])] },
  {
    afn: 0x11,
    fn: 3,
    name: "set fixed relay path",
    down: [address("address"), list("relays", [address("address")])],
    confidence: "M",
  },
  {
    afn: 0x11,
    fn: 5,
    name: "activate registration",
    down: [clock("start"), u16("durationMinutes"), u8("retries"), u8("slots")],
  },
  { afn: 0x11, fn: 6, name: "stop registration", down: [] },
  // AFN12 route control.
  { afn: 0x12, fn: 1, name: "restart routing", down: [] },
  { afn: 0x12, fn: 2, name: "pause routing", down: [] },
  { afn: 0x12, fn: 3, name: "resume routing", down: [] },
  // AFN13 monitored slave-node reading (concentrator-led).
  {
    afn: 0x13,
    fn: 1,
    name: "monitor slave node",
    down: [u8("protocol"), u8("delayRelated"), list("attached", [address("address")]), frame8()],
    up: [u16("transitSeconds"), u8("protocol"), frame8()],
  },
  // AFN14 router-requested reading (router-led): the module asks (up), the DCU answers (down).
  {
    afn: 0x14,
    fn: 1,
    name: "router requests reading",
    up: [u8("phase"), address("address"), u16("index")],
    down: [u8("readFlag"), u8("delayRelated"), frame8(), list("attached", [address("address")])],
  },
  { afn: 0x14, fn: 2, name: "router requests clock", up: [], down: [clock("time")] },
  {
    afn: 0x14,
    fn: 3,
    name: "router requests delay correction",
    up: [address("address"), u16("delaySeconds"), frame8()],
    down: [frame8()],
    confidence: "M",
  },
  // AFNF1 concurrent reading (2013 HPLC practice) [M].
  {
    afn: 0xf1,
    fn: 1,
    name: "concurrent reading",
    down: [u8("protocol"), u8("reserved"), frame16()],
    up: [u8("protocol"), frame16()],
    confidence: "M",
  },
];

const byKey = new Map<number, FnRow>();
for (const row of FN_ROWS) {
  const key = (row.afn << 8) | row.fn;
  if (byKey.has(key)) throw new Error(`duplicate 1376.2 row AFN${row.afn.toString(16)} F${row.fn}`);
  byKey.set(key, row);
}

export function findRow(afn: number, fn: number): FnRow | undefined {
  return byKey.get((afn << 8) | fn);
}

/** Deny error codes, AFN00 F2 (§4.1 [H]; 9..12 are 2013 additions). */
export const DENY_CODE = {
  timeout: 0,
  invalidData: 1,
  lengthError: 2,
  checksumError: 3,
  noSuchFn: 4,
  formatError: 5,
  duplicateMeter: 6,
  noSuchMeter: 7,
  meterNoAnswer: 8,
  masterBusy: 9,
  notSupported: 10,
  slaveNoAnswer: 11,
  slaveNotInNetwork: 12,
} as const;

/** Communication protocol type of a slave node / message (§4.3 [H]). */
export const PROTOCOL = { transparent: 0, dlt645_1997: 1, dlt645_2007: 2, dlt698: 3 } as const;

/** AFN14 F1 down read flag (§4.14 [H]). */
export const READ_FLAG = { failed: 0, done: 1, read: 2 } as const;

/** AFN06 F3 route change kind (§4.6 [H]). */
export const ROUTE_CHANGE = { readingDone: 1, searchDone: 2 } as const;
