/**
 * AFN0F F1 through the real codec and dispatcher: segments in any order are acknowledged by index and
 * committed first; bad segments get FF FF FF FF; file id 0 aborts; AFN0C F14 reports what is missing, also
 * after a restart; the 2013 profile's reversed segment bytes reach the sink in natural order.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { ManualClock } from "../common/clock.ts";
import { silentLogger } from "../common/logger.ts";
import { toHex } from "../protocol/common/hex.ts";
import { decodeMessage, encodeMessage } from "../protocol/gw1376-1/message.ts";
import { type Gw13761Profile, PROFILE_2009, PROFILE_2013 } from "../protocol/gw1376-1/profile.ts";
import { decodeMissingGroup } from "../protocol/gw1376-1/segment-bitmap.ts";
import { AFN_HANDLERS, Dispatcher, supportedFunctions } from "./dispatcher.ts";
import { FileReceiver, type FileSink, SEGMENT_REFUSED, type SinkVerdict } from "./file-receiver.ts";
import { afn0fRegistration } from "./handlers/afn0f-file-transfer.ts";
import { TerminalCore } from "./terminal-core.ts";

/** Records what reaches it; refuses files whose first byte is 0xBD ("bad"). */
class RecordingSink implements FileSink {
  readonly files: Uint8Array[] = [];
  aborts = 0;
  accept(_fileId: number, file: Uint8Array): SinkVerdict {
    if (file[0] === 0xbd) return { ok: false, reason: "test: refused" };
    this.files.push(file);
    return { ok: true };
  }
  abort(): void {
    this.aborts++;
  }
}

let dir: string;
let core: TerminalCore;
let sink: RecordingSink;
let dispatcher: Dispatcher;
const clock = new ManualClock(Date.UTC(2026, 10, 26, 2));

function open(withSink = true, maxFileBytes?: number): void {
  core = new TerminalCore({ dbPath: join(dir, "dcu.db"), hostClock: clock, utcOffsetMinutes: 480 });
  core.start();
  const receiver = new FileReceiver({
    store: core.store,
    logger: silentLogger,
    ...(withSink ? { sink } : {}),
    ...(maxFileBytes === undefined ? {} : { maxFileBytes }),
  });
  dispatcher = new Dispatcher(
    core,
    silentLogger,
    new Map([...AFN_HANDLERS, [0x0f, afn0fRegistration(receiver)]]),
  );
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "opendcu-afn0f-"));
  sink = new RecordingSink();
  open();
});

afterEach(() => {
  core.close();
  rmSync(dir, { recursive: true, force: true });
});

let pseq = 0;
/** Encodes a master request to bytes and decodes it as the terminal does (the full codec path). */
function wire(afn: number, fn: number, data: Record<string, unknown>, profile: Gw13761Profile) {
  const bytes = encodeMessage(
    {
      control: { dir: 0, prm: 1, fcbAcd: 0, fcv: 0, fc: afn === 0x0f ? 10 : 11 },
      address: { area: "4403", terminal: 1, master: 1, group: false },
      afn,
      seq: { tpv: false, fir: true, fin: true, con: false, seq: pseq++ & 15 },
      groups: [{ pns: [0], fns: [fn], items: [{ pn: 0, fn, data: data as never }] }],
      ...(profile.pwAfns.includes(afn) ? { pw: new Uint8Array(16) } : {}),
    },
    profile,
  );
  const decoded = decodeMessage(bytes, profile);
  assert.ok(decoded.ok, decoded.ok ? "" : JSON.stringify(decoded.error));
  return { bytes, message: decoded.ok ? decoded.value : (undefined as never) };
}

async function segment(
  index: number,
  count: number,
  data: Uint8Array,
  extra: { fileId?: number; attribute?: number; instruction?: number; profile?: Gw13761Profile } = {},
): Promise<number> {
  const { message } = wire(
    0x0f,
    1,
    {
      fileId: extra.fileId ?? 1,
      attribute: extra.attribute ?? (index === count - 1 ? 1 : 0),
      instruction: extra.instruction ?? 0,
      segmentCount: count,
      segmentIndex: index,
      data: toHex(data),
    },
    extra.profile ?? PROFILE_2013,
  );
  const reply = await dispatcher.handle(message);
  assert.equal(reply.kind, "data");
  if (reply.kind !== "data") return -1;
  assert.equal(reply.items[0]?.fn, 1);
  return reply.items[0]?.data.segmentIndex as number;
}

async function missing(): Promise<number[] | undefined> {
  const reply = await dispatcher.handle(wire(0x0c, 14, {}, PROFILE_2013).message);
  assert.equal(reply.kind, "data");
  return reply.kind === "data" ? decodeMissingGroup(reply.items[0]?.data ?? {}) : undefined;
}

const file = Uint8Array.from({ length: 25 }, (_, i) => i + 1);
const part = (i: number) => file.subarray(i * 10, Math.min(25, i * 10 + 10));

describe("AFN0F F1 file transfer", () => {
  it("acknowledges segments in any order by index and hands the complete file to the sink", async () => {
    assert.equal(await segment(2, 3, part(2)), 2);
    assert.equal((await missing())?.join(), "0,1");
    assert.equal(await segment(0, 3, part(0)), 0);
    assert.equal(core.store.files.received(1).join(), "0,2", "committed before the answer");
    assert.equal(sink.files.length, 0);
    assert.equal(await segment(1, 3, part(1)), 1);
    assert.deepEqual(Buffer.from(sink.files[0] ?? []), Buffer.from(file));
    assert.deepEqual(await missing(), [], "nothing missing: group 0, empty bitmap");
  });

  it("2013 profile: segment bytes travel reversed and are stored in natural order; 2009 keeps them", async () => {
    const data = Uint8Array.of(1, 2, 3, 4, 5);
    const { bytes } = wire(
      0x0f,
      1,
      { fileId: 1, attribute: 1, instruction: 0, segmentCount: 1, segmentIndex: 0, data: toHex(data) },
      PROFILE_2013,
    );
    assert.ok(toHex(bytes).includes("05 00 05 04 03 02 01"), "Lf then the reversed bytes on the wire");
    const old = wire(
      0x0f,
      1,
      { fileId: 1, attribute: 1, instruction: 0, segmentCount: 1, segmentIndex: 0, data: toHex(data) },
      PROFILE_2009,
    );
    assert.ok(toHex(old.bytes).includes("05 00 01 02 03 04 05"));
    assert.equal(await segment(0, 1, data, { profile: PROFILE_2013 }), 0);
    assert.deepEqual([...(sink.files[0] ?? [])], [1, 2, 3, 4, 5]);
  });

  it("answers FF FF FF FF to bad segments and stores nothing for them", async () => {
    assert.equal(await segment(0, 3, part(0)), 0);
    assert.equal(await segment(1, 3, file.subarray(0, 9)), SEGMENT_REFUSED, "wrong fixed length");
    assert.equal(
      await segment(2, 3, file.subarray(0, 11)),
      SEGMENT_REFUSED,
      "last longer than the fixed length",
    );
    assert.equal(await segment(3, 3, part(0)), SEGMENT_REFUSED, "index past the count");
    assert.equal(
      await segment(1, 3, part(1), { fileId: 2 }),
      SEGMENT_REFUSED,
      "file type not installed here",
    );
    assert.equal(await segment(1, 3, part(1), { instruction: 1 }), SEGMENT_REFUSED, "FTP instruction");
    assert.equal(await segment(1, 3, part(1), { attribute: 1 }), SEGMENT_REFUSED, "'last' on a middle index");
    assert.deepEqual(core.store.files.received(1), [0]);
  });

  it("refuses a file above the configured cap", async () => {
    core.close();
    open(true, 100);
    assert.equal(await segment(0, 20, new Uint8Array(10)), SEGMENT_REFUSED);
    assert.equal(core.store.files.get(1), undefined);
  });

  it("refuses every segment when no upgrade is configured (no sink)", async () => {
    core.close();
    open(false);
    assert.equal(await segment(0, 3, part(0)), SEGMENT_REFUSED);
  });

  it("a file the sink refuses gets FF FF FF FF on its last segment and is discarded", async () => {
    const bad = Uint8Array.of(0xbd, 1, 2);
    assert.equal(await segment(0, 1, bad), SEGMENT_REFUSED);
    assert.equal(core.store.files.get(1), undefined);
    assert.equal((await missing())?.length, 1024, "the master has to start again");
  });

  it("file id 0 aborts: the download is cleared and the sink asked to roll back", async () => {
    await segment(0, 3, part(0));
    assert.equal(await segment(0, 1, Uint8Array.of(0), { fileId: 0 }), 0);
    assert.equal(core.store.files.get(1), undefined);
    assert.equal(sink.aborts, 1);
  });

  it("resumes after a restart: the stored segments survive, F14 names the rest", async () => {
    await segment(1, 3, part(1));
    core.close();
    open();
    assert.deepEqual(await missing(), [0, 2]);
    assert.equal(await segment(0, 3, part(0)), 0);
    assert.equal(await segment(2, 3, part(2)), 2);
    assert.deepEqual(Buffer.from(sink.files[0] ?? []), Buffer.from(file));
  });

  it("AFN09 F6 advertises F14 (derived from the registrations)", () => {
    assert.ok(supportedFunctions(AFN_HANDLERS).class1.includes(14));
  });
});

describe("AFN0C F14 without any download", () => {
  it("reports every segment of group 0 missing", async () => {
    assert.equal((await missing())?.length, 1024);
  });
});
