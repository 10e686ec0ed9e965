/**
 * A master-station client for Q/GDW 1376.1 (test tool, CLI `opendcu master`, load generator). Works over any
 * ByteStream: dial a DCU in server mode (`connectToDcu`) or accept DCUs in client mode (`listenForDcus`),
 * where their logins, heartbeats and logouts are answered with AFN00 F1 automatically.
 *
 * Requests are serialised (one outstanding per link); PFC increments per new request, PSEQ = PFC & 0x0F, and
 * a multi-frame answer is reassembled before the promise resolves (§2.2, §3.7).
 */
import { type Clock, SystemClock } from "../../common/clock.ts";
import { OpenDcuError } from "../../common/errors.ts";
import { type Logger, silentLogger } from "../../common/logger.ts";
import type { DataItem } from "../../protocol/gw1376-1/data-units.ts";
import type { TimeLabel } from "../../protocol/gw1376-1/frame.ts";
import type { Record_ } from "../../protocol/gw1376-1/layout.ts";
import { decodeMessage, encodeMessage, type Message, messageItems } from "../../protocol/gw1376-1/message.ts";
import { groupItemsCompactly, MultiFrameReassembler } from "../../protocol/gw1376-1/multi-frame.ts";
import { type Gw13761Profile, PROFILE_2013 } from "../../protocol/gw1376-1/profile.ts";
import { FrameSplitter } from "../../protocol/gw1376-1/splitter.ts";
import type { ByteStream } from "../../transport/byte-stream.ts";
import { connectTcp, listenTcp, type TcpListener } from "../../transport/tcp.ts";
import { makeTimeLabel } from "../../uplink/time-label.ts";

export interface MasterOptions {
  /** Target terminal A1 / A2 (in client mode: learnt from the DCU's login when omitted). */
  area?: string;
  terminal?: number;
  /** Master station address MSA 1..127. */
  msa?: number;
  timeoutMs?: number;
  utcOffsetMinutes?: number;
  profile?: Gw13761Profile;
  logger?: Logger;
  /** Time source of the answer timeouts (a ManualClock runs a transfer in simulated time). */
  clock?: Clock;
}

export interface RequestOptions {
  /** PW bytes for AFNs that carry one (default 16 zero bytes, scheme 0: §2.4). */
  pw?: Uint8Array;
  /** Add a Tp with this allowed delay (minutes); `sendTimeMs` overrides the send time (tests). */
  tp?: { delayMinutes: number; sendTimeMs?: number };
  timeoutMs?: number;
}

export interface RequestItem {
  pn: number;
  fn: number;
  data?: Record_;
}

/** The decoded answer; `denied` is true for AFN00 F2. */
export interface MasterReply {
  readonly message: Message;
  readonly items: readonly DataItem[];
  readonly denied: boolean;
}

export type LinkEvent = { kind: "login" | "heartbeat" | "logout"; message: Message };

/** A DCU-initiated data frame (active report, §3.5): an important event (AFN0E F1) or timed-task data. */
export interface ActiveReport {
  readonly afn: number;
  readonly items: readonly DataItem[];
  readonly message: Message;
  /** CON=1: the DCU waits for AFN00 F1, which the station sends once its report listeners have run. */
  readonly confirmRequested: boolean;
}

export type EventLog = "important" | "general";

/** AFN0E F1/F2 read as one list: the counters and pointers of the answer, the records oldest first. */
export interface EventsRead {
  readonly ec1: number;
  readonly ec2: number;
  readonly pm: number;
  readonly pn: number;
  readonly records: readonly Record_[];
}

/** Function codes of master-initiated frames (§1.3): 10 for set/control/reset, 11 for queries. */
function functionCode(afn: number): number {
  if (afn === 0x01) return 1;
  return [0x04, 0x05, 0x0f, 0x10].includes(afn) ? 10 : 11;
}

export class MasterStation {
  readonly #stream: ByteStream;
  readonly #profile: Gw13761Profile;
  readonly #logger: Logger;
  readonly #splitter = new FrameSplitter();
  readonly #reassembler = new MultiFrameReassembler();
  readonly #linkListeners = new Set<(event: LinkEvent) => void>();
  readonly #reportListeners = new Set<(report: ActiveReport) => void>();
  /** Active reports received and confirmed (status, tests). */
  readonly reportCounters = { received: 0, confirmed: 0 };
  #area: string | undefined;
  #terminal: number | undefined;
  readonly #msa: number;
  readonly #timeoutMs: number;
  readonly #utcOffset: number;
  readonly #clock: Clock;
  #pfc = 0;
  #chain: Promise<unknown> = Promise.resolve();
  #pending: { pseq: number; resolve: (m: Message) => void } | undefined;

  constructor(stream: ByteStream, options: MasterOptions = {}) {
    this.#stream = stream;
    this.#profile = options.profile ?? PROFILE_2013;
    this.#logger = (options.logger ?? silentLogger).child({ module: "master", peer: stream.label });
    this.#area = options.area;
    this.#terminal = options.terminal;
    this.#msa = options.msa ?? 1;
    this.#timeoutMs = options.timeoutMs ?? 5000;
    this.#utcOffset = options.utcOffsetMinutes ?? 480;
    this.#clock = options.clock ?? new SystemClock();
    stream.onData((chunk) => {
      for (const frame of this.#splitter.push(chunk)) this.#onFrame(frame);
    });
  }

  get stream(): ByteStream {
    return this.#stream;
  }

  /** Terminal address (known after the DCU logged in, in client mode). */
  get terminal(): { area: string; terminal: number } | undefined {
    return this.#area === undefined || this.#terminal === undefined
      ? undefined
      : { area: this.#area, terminal: this.#terminal };
  }

  /** Subscribes to the DCU's login / heartbeat / logout frames. */
  onLink(listener: (event: LinkEvent) => void): () => void {
    this.#linkListeners.add(listener);
    return () => this.#linkListeners.delete(listener);
  }

  /**
   * Subscribes to the DCU's active reports. A report that asks for confirmation (CON=1) is confirmed only
   * while at least one listener is subscribed: a station that is not listening (a one-shot CLI query) must
   * not take reports away from the master that is.
   */
  onReport(listener: (report: ActiveReport) => void): () => void {
    this.#reportListeners.add(listener);
    return () => this.#reportListeners.delete(listener);
  }

  /**
   * AFN0E F1 (important) / F2 (general) events from pointer `from` (inclusive) to `to` (exclusive), wrapping
   * at 256 (§3.6). Without a range: the whole ring, oldest first — a first one-slot request learns EC1/EC2,
   * then Pm = Pn = the counter asks for the full lap starting at the oldest record. Undefined on a deny.
   */
  async readEvents(
    log: EventLog,
    range?: { from: number; to: number },
    options: RequestOptions = {},
  ): Promise<EventsRead | undefined> {
    const fn = log === "important" ? 1 : 2;
    let pm = range?.from;
    let pn = range?.to;
    if (pm === undefined || pn === undefined) {
      const probe = await this.request(0x0e, [{ pn: 0, fn, data: { pm: 0, pn: 1 } }], options);
      const counters = probe.items[0]?.data as { ec1?: unknown; ec2?: unknown } | undefined;
      const next = log === "important" ? counters?.ec1 : counters?.ec2;
      if (probe.denied || typeof next !== "number") return undefined;
      pm = next;
      pn = next;
    }
    const reply = await this.request(0x0e, [{ pn: 0, fn, data: { pm, pn } }], options);
    const units = reply.items.filter((i) => i.fn === fn).map((i) => i.data as unknown as EventsRead);
    const first = units[0];
    const last = units[units.length - 1];
    if (reply.denied || first === undefined || last === undefined) return undefined;
    return {
      ec1: last.ec1,
      ec2: last.ec2,
      pm: first.pm,
      pn: last.pn,
      records: units.flatMap((u) => u.records),
    };
  }

  /** Sends one request and resolves with the (reassembled) answer; rejects with `timeout` when none comes. */
  request(afn: number, items: readonly RequestItem[], options: RequestOptions = {}): Promise<MasterReply> {
    const run = this.#chain.then(() => this.#request(afn, items, options));
    this.#chain = run.catch(() => undefined);
    return run;
  }

  #request(afn: number, items: readonly RequestItem[], options: RequestOptions): Promise<MasterReply> {
    if (this.#area === undefined || this.#terminal === undefined) {
      return Promise.reject(new OpenDcuError("internal", "terminal address unknown (no login yet)"));
    }
    const pfc = this.#pfc;
    this.#pfc = (this.#pfc + 1) & 0xff;
    const pseq = pfc & 0x0f;
    const tp: TimeLabel | undefined =
      options.tp === undefined
        ? undefined
        : makeTimeLabel(pfc, options.tp.sendTimeMs ?? Date.now(), this.#utcOffset, options.tp.delayMinutes);
    const needsPw = this.#profile.pwAfns.includes(afn);
    const frame = encodeMessage(
      {
        control: { dir: 0, prm: 1, fcbAcd: 0, fcv: 0, fc: functionCode(afn) },
        address: { area: this.#area, terminal: this.#terminal, master: this.#msa, group: false },
        afn,
        seq: {
          tpv: tp !== undefined,
          fir: true,
          fin: true,
          con: afn === 0x04 || afn === 0x05 || afn === 0x01,
          seq: pseq,
        },
        // Same-Fn items of points in one group of 8 share a DA bitmap (§2.3), as a master sends them.
        groups: groupItemsCompactly(items.map((i) => ({ pn: i.pn, fn: i.fn, data: i.data ?? {} }))),
        ...(needsPw ? { pw: options.pw ?? new Uint8Array(16) } : {}),
        ...(tp === undefined ? {} : { tp }),
      },
      this.#profile,
    );
    return new Promise<MasterReply>((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
      const timer = this.#clock.setTimer(timeoutMs, () => {
        this.#pending = undefined;
        reject(
          new OpenDcuError(
            "timeout",
            `no answer to AFN${afn.toString(16).padStart(2, "0")} within ${timeoutMs} ms`,
          ),
        );
      });
      this.#pending = {
        pseq,
        resolve: (message) => {
          timer.cancel();
          this.#pending = undefined;
          const answerItems = messageItems(message);
          resolve({
            message,
            items: answerItems,
            denied: message.afn === 0 && answerItems.some((i) => i.fn === 2),
          });
        },
      };
      this.#stream.write(frame).catch((error: unknown) => {
        timer.cancel();
        this.#pending = undefined;
        reject(error);
      });
    });
  }

  #onFrame(bytes: Uint8Array): void {
    const decoded = decodeMessage(bytes, this.#profile);
    if (!decoded.ok) {
      this.#logger.warn({ error: decoded.error }, "undecodable frame from DCU");
      return;
    }
    const m = decoded.value;
    if (m.control.dir !== 1) return;
    if (m.control.prm === 1) {
      this.#onInitiated(m);
      return;
    }
    const pending = this.#pending;
    if (pending === undefined) return;
    const result = this.#reassembler.push(m);
    if (result.state === "complete" && result.message.seq.seq === pending.pseq)
      pending.resolve(result.message);
    else if (result.state === "error")
      this.#logger.warn({ reason: result.reason }, "multi-frame answer dropped");
  }

  /**
   * DCU-initiated frames: AFN02 link frames are confirmed with AFN00 F1 (C=0B, SEQ 60+PSEQ: §3.2); any other
   * AFN is an active report, confirmed with AFN00 F1 (C=00, §1.3) when it asks for it and someone listens.
   */
  #onInitiated(m: Message): void {
    this.#area ??= m.address.area;
    this.#terminal ??= m.address.terminal;
    if (m.afn !== 0x02) {
      this.#onReport(m);
      return;
    }
    const fn = messageItems(m)[0]?.fn;
    const kind = fn === 1 ? "login" : fn === 3 ? "heartbeat" : fn === 2 ? "logout" : undefined;
    if (kind === undefined) return;
    this.#confirm(m, 11);
    for (const listener of this.#linkListeners) listener({ kind, message: m });
  }

  #onReport(m: Message): void {
    this.reportCounters.received++;
    const report: ActiveReport = {
      afn: m.afn,
      items: messageItems(m),
      message: m,
      confirmRequested: m.seq.con,
    };
    let heard = false;
    for (const listener of this.#reportListeners) {
      heard = true;
      try {
        listener(report);
      } catch (error) {
        this.#logger.error({ error: String(error) }, "report listener failed");
      }
    }
    if (report.confirmRequested && heard) {
      this.#confirm(m, 0);
      this.reportCounters.confirmed++;
    }
  }

  /** AFN00 F1 for the DCU frame `m`: same address, SEQ = its PSEQ, function code `fc`. */
  #confirm(m: Message, fc: number): void {
    const confirm = encodeMessage(
      {
        control: { dir: 0, prm: 0, fcbAcd: 0, fcv: 0, fc },
        address: { ...m.address, group: false },
        afn: 0x00,
        seq: { tpv: false, fir: true, fin: true, con: false, seq: m.seq.seq },
        groups: [{ pns: [0], fns: [1], items: [{ pn: 0, fn: 1, data: {} }] }],
      },
      this.#profile,
    );
    this.#stream.write(confirm).catch(() => undefined);
  }

  close(): Promise<void> {
    return this.#stream.close();
  }
}

/** Dials a DCU in server mode. */
export async function connectToDcu(
  host: string,
  port: number,
  options: MasterOptions = {},
): Promise<MasterStation> {
  const stream = await connectTcp(host, port, options.timeoutMs ?? 5000);
  return new MasterStation(stream, { area: "4403", terminal: 1, ...options });
}

/** Listens for DCUs in client mode; each connection becomes a MasterStation. */
export function listenForDcus(
  host: string,
  port: number,
  onStation: (station: MasterStation) => void,
  options: MasterOptions = {},
): Promise<TcpListener> {
  return listenTcp(host, port, (stream) => onStation(new MasterStation(stream, options)));
}
