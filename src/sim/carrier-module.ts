/**
 * A virtual local communication module (CCO / router) speaking Q/GDW 1376.2 towards the concentrator and
 * reaching meters through a simulated PLC network.
 *
 * This file is the module's state machine: `handleFrame` / `handleTimer` take one input and return the
 * effects to apply (send bytes after a delay, set or cancel a named timer, persist the archive). It does no
 * I/O and reads no clock; `carrier-module-driver.ts` applies the effects to a byte stream and a `Clock`.
 *
 *   DCU ──1376.2 frames──► handleFrame ──► effects: send (reply after processing/PLC time), timers, persist
 *                          handleTimer ◄── timers  (router-led walk, registration, report retries, PLC done)
 *
 * Behaviour facts and their confidence: docs/protocol/gw1376-2.md §5. Choices marked [L] there are options.
 */
import type { Body } from "../protocol/gw1376-2/fields.ts";
import { DENY_CODE, PROTOCOL, READ_FLAG, ROUTE_CHANGE } from "../protocol/gw1376-2/fn-table.ts";
import { decodeFrame } from "../protocol/gw1376-2/frame.ts";
import { confirmBody, decodeMessage, type Message, upFrame } from "../protocol/gw1376-2/message.ts";
import type { PlcNetwork } from "./carrier-network.ts";

export interface ArchiveEntry {
  readonly address: string;
  readonly protocol: number;
}

/** What survives a restart (a real module keeps it in flash). */
export interface ModuleArchive {
  readonly masterAddress: string;
  readonly nodes: readonly ArchiveEntry[];
}

export interface CarrierModuleOptions {
  readonly vendor?: string;
  readonly chip?: string;
  /** "YYMMDD". */
  readonly versionDate?: string;
  /** 4 BCD digits. */
  readonly version?: string;
  /** Communication mode in C (3 = broadband/HPLC). */
  readonly mode?: number;
  readonly maxNodes?: number;
  /** Node records per AFN10 F2 page at most. */
  readonly maxPage?: number;
  /** Time to process a local command before answering, ms. */
  readonly processingMs?: number;
  /** Slave-node monitoring timeout (AFN03 F7 / AFN05 F4), seconds. */
  readonly monitorTimeoutSeconds?: number;
  /** PLC attempts per exchange. */
  readonly maxAttempts?: number;
  /** How long the module waits for the DCU's answer to AFN14 / confirm of AFN06 before resending, ms. */
  readonly dcuAnswerTimeoutMs?: number;
  /** Resends of a module-initiated frame before giving up on it. */
  readonly dcuRetries?: number;
  /** Rounds over the archive in router-led reading (failed nodes are retried in later rounds). */
  readonly routerRounds?: number;
  /** Pause between router-led requests, ms. */
  readonly routerGapMs?: number;
  /** Registration: each unregistered node is found at a random time within min(duration, this), ms. */
  readonly registrationFindWindowMs?: number;
  /**
   * Registration: how often the network is looked at again for nodes that joined during the window (powered
   * on, newly installed), ms; 0 = only the nodes present when the window opened.
   */
  readonly registrationScanMs?: number;
  /** Registration: report found nodes with AFN06 F4 (device type) or F1. [L] */
  readonly registrationReport?: "F4" | "F1";
  /** Reply to a failed AFN13 read: empty AFN13 answer, AFN00 deny (slave no answer), or nothing. [L] */
  readonly monitorFailure?: "empty" | "deny" | "silent";
  /** Multiplies every modelled PLC-side duration (latency, monitor timeout, registration) — tests use < 1. */
  readonly timeScale?: number;
}

export type ModuleEffect =
  | { readonly kind: "send"; readonly bytes: Uint8Array; readonly delayMs: number }
  | { readonly kind: "timer"; readonly name: string; readonly ms: number }
  | { readonly kind: "cancel"; readonly name: string }
  | { readonly kind: "persist"; readonly archive: ModuleArchive }
  | { readonly kind: "log"; readonly event: string; readonly detail: Record<string, unknown> };

interface Outstanding {
  readonly bytes: Uint8Array;
  readonly seq: number;
  /** The DCU frame that settles it: AFN00 (confirm of a report) or AFN14 F1 down (answer of a request). */
  readonly awaits: "confirm" | "afn14";
  /** After the confirm of an AFN06 F2 reading report, ask the DCU again about the same node. */
  readonly thenAskAgain: boolean;
  tries: number;
}

interface RouterNodeState {
  status: "pending" | "done" | "failed";
}

const DEFAULTS = {
  vendor: "OD",
  chip: "SM",
  versionDate: "261126",
  version: "0100",
  mode: 3,
  maxNodes: 2040,
  maxPage: 32,
  processingMs: 20,
  monitorTimeoutSeconds: 90,
  maxAttempts: 3,
  dcuAnswerTimeoutMs: 3000,
  dcuRetries: 3,
  routerRounds: 2,
  routerGapMs: 10,
  registrationFindWindowMs: 60_000,
  registrationScanMs: 15_000,
  registrationReport: "F4" as const,
  monitorFailure: "empty" as const,
  timeScale: 1,
};

type Resolved = Required<CarrierModuleOptions>;

/** One registration window (AFN11 F5) as the module runs it; times are ms since the window opened. */
interface RegistrationRun {
  readonly active: boolean;
  readonly durationMs: number;
  /** Time of the last registration event handled (find or scan). */
  nowMs: number;
  /** Time of the last network scan. */
  scanAtMs: number;
  /** Nodes still to be found, earliest first. */
  readonly queue: { readonly address: string; readonly at: number }[];
  /** Every node queued in this window (found or not yet), so none is reported twice. */
  readonly scheduled: Set<string>;
}

const IDLE_REGISTRATION: RegistrationRun = {
  active: false,
  durationMs: 0,
  nowMs: 0,
  scanAtMs: 0,
  queue: [],
  scheduled: new Set(),
};

/** Module-initiated frames waiting behind the outstanding one, at most. */
const MAX_OUTBOX = 1024;

export class CarrierModule {
  readonly options: Resolved;
  readonly network: PlcNetwork;
  masterAddress: string;
  /** Archive in insertion order; the index of a node is its 1-based position (docs §5.3 [M]). */
  readonly archive = new Map<string, ArchiveEntry>();
  /** Nodes found by registration runs (AFN10 F6). */
  readonly registered = new Map<string, ArchiveEntry>();
  #seq = 0;
  /** AFN13/AFN02 PLC exchange in progress until this modelled time. */
  #plcBusy = false;
  #routing: "idle" | "running" | "paused" = "idle";
  #routerNodes = new Map<string, RouterNodeState>();
  #routerRound = 1;
  #routerCurrent: string | undefined;
  #registration: RegistrationRun = IDLE_REGISTRATION;
  #outstanding: Outstanding | undefined;
  /** Module-initiated frames waiting for the line (one outstanding at a time). */
  #outbox: { bytes: Uint8Array; seq: number; awaits: "confirm" | "afn14"; thenAskAgain: boolean }[] = [];
  /** Router-led: the PLC result being delivered (read by the "plc-done" timer). */
  #plcResult:
    | { address: string; index: number; protocol: number; reply: Uint8Array | undefined; ms: number }
    | undefined;
  readonly counters = {
    frames: 0,
    badFrames: 0,
    denies: 0,
    plcExchanges: 0,
    plcAttempts: 0,
    plcFailures: 0,
    reportsDropped: 0,
  };

  constructor(network: PlcNetwork, options: CarrierModuleOptions = {}, archive?: ModuleArchive) {
    this.network = network;
    this.options = { ...DEFAULTS, ...options };
    this.masterAddress = archive?.masterAddress ?? "000000000000";
    for (const n of archive?.nodes ?? [])
      this.archive.set(n.address.toLowerCase(), { ...n, address: n.address.toLowerCase() });
  }

  get routing(): "idle" | "running" | "paused" {
    return this.#routing;
  }

  get registrationActive(): boolean {
    return this.#registration.active;
  }

  snapshot(): ModuleArchive {
    return { masterAddress: this.masterAddress, nodes: [...this.archive.values()] };
  }

  indexOf(address: string): number {
    let i = 1;
    for (const key of this.archive.keys()) {
      if (key === address) return i;
      i++;
    }
    return 0;
  }

  #scaled(ms: number): number {
    return ms * this.options.timeScale;
  }

  #nextSeq(): number {
    this.#seq = (this.#seq + 1) & 0xff;
    return this.#seq;
  }

  // -------------------------------------------------------------------------------------------------------
  // Inputs

  /** One complete frame from the concentrator (as cut by the splitter). */
  handleFrame(bytes: Uint8Array): ModuleEffect[] {
    this.counters.frames++;
    const framed = decodeFrame(bytes);
    if (!framed.ok) {
      this.counters.badFrames++;
      return [{ kind: "log", event: "bad-frame", detail: { error: framed.error.message } }];
    }
    if (framed.value.control.dir !== "down") {
      this.counters.badFrames++;
      return [{ kind: "log", event: "uplink-frame-ignored", detail: {} }];
    }
    const decoded = decodeMessage(framed.value);
    const seq = framed.value.info.seq;
    if (!decoded.ok) {
      this.counters.badFrames++;
      const code = decoded.error.code === "unknown-fn" ? DENY_CODE.noSuchFn : DENY_CODE.formatError;
      return [
        this.#deny(code, seq),
        { kind: "log", event: "bad-body", detail: { error: decoded.error.message } },
      ];
    }
    const m = decoded.value;
    if (!m.control.prm) return this.#handleAnswer(m);
    return this.#handleRequest(m);
  }

  handleTimer(name: string): ModuleEffect[] {
    switch (name) {
      case "outstanding":
        return this.#resendOutstanding();
      case "router-next":
        return this.#routerNext();
      case "plc-done":
        return this.#routerPlcDone();
      case "registration-find":
        return this.#registrationFind();
      case "registration-scan":
        return this.#registrationScan();
      case "registration-end":
        return this.#registrationEnd();
      case "plc-free":
        this.#plcBusy = false;
        return [];
      default:
        return [];
    }
  }

  // -------------------------------------------------------------------------------------------------------
  // Replies

  #reply(
    afn: number,
    fn: number,
    body: Body,
    seq: number,
    delayMs = this.options.processingMs,
    source?: string,
  ): ModuleEffect {
    const opts: Parameters<typeof upFrame>[4] = { mode: this.options.mode };
    const bytes = source
      ? upFrame(afn, fn, body, seq, { ...opts, source, destination: this.masterAddress })
      : upFrame(afn, fn, body, seq, opts);
    return { kind: "send", bytes, delayMs };
  }

  #confirm(seq: number): ModuleEffect {
    return this.#reply(0x00, 1, confirmBody(0), seq);
  }

  #deny(code: number, seq: number, delayMs = this.options.processingMs): ModuleEffect {
    this.counters.denies++;
    return this.#reply(0x00, 2, { error: code }, seq, delayMs);
  }

  // -------------------------------------------------------------------------------------------------------
  // Requests from the concentrator

  #handleRequest(m: Message): ModuleEffect[] {
    const seq = m.info.seq;
    const b = m.body;
    switch ((m.afn << 8) | m.fn) {
      case 0x0101: // hardware init: forget run-time state, keep the archive
        return [this.#confirm(seq), ...this.#stopAll()];
      case 0x0102: // parameter init: clear the archive
        this.archive.clear();
        this.registered.clear();
        return [this.#confirm(seq), ...this.#stopAll(), { kind: "persist", archive: this.snapshot() }];
      case 0x0103: // data init: clear reading state
        this.#routerNodes.clear();
        return [this.#confirm(seq)];
      case 0x0201:
        return this.#forward(m);
      case 0x0301:
        return [this.#reply(0x03, 1, this.#versionBody(), seq)];
      case 0x0304:
        return [this.#reply(0x03, 4, { address: this.masterAddress }, seq)];
      case 0x0307:
        return [this.#reply(0x03, 7, { seconds: this.options.monitorTimeoutSeconds }, seq)];
      case 0x030a:
        return [this.#reply(0x03, 10, this.#runModeBody(), seq)];
      case 0x0401:
      case 0x0403:
        return [this.#confirm(seq)];
      case 0x0501:
        this.masterAddress = b.address as string;
        return [this.#confirm(seq), { kind: "persist", archive: this.snapshot() }];
      case 0x0502:
        return [this.#confirm(seq)];
      case 0x0503: {
        const n = this.network.broadcast(b.frame as Uint8Array);
        return [this.#confirm(seq), { kind: "log", event: "broadcast", detail: { nodes: n } }];
      }
      case 0x0504:
        (this.options as { monitorTimeoutSeconds: number }).monitorTimeoutSeconds = b.seconds as number;
        return [this.#confirm(seq)];
      case 0x1001:
        return [this.#reply(0x10, 1, { count: this.archive.size, maxNodes: this.options.maxNodes }, seq)];
      case 0x1002:
        return [this.#reply(0x10, 2, this.#page([...this.archive.values()], b), seq)];
      case 0x1004:
        return [this.#reply(0x10, 4, this.#runStatus(), seq)];
      case 0x1005: {
        const failed = [...this.#routerNodes.entries()]
          .filter(([, s]) => s.status === "failed")
          .map(([a]) => this.archive.get(a))
          .filter((e): e is ArchiveEntry => e !== undefined);
        return [this.#reply(0x10, 5, this.#page(failed, b), seq)];
      }
      case 0x1006:
        return [this.#reply(0x10, 6, this.#page([...this.registered.values()], b), seq)];
      case 0x1101:
        return this.#addNodes(m);
      case 0x1102:
        return this.#deleteNodes(m);
      case 0x1105:
        return this.#startRegistration(m);
      case 0x1106:
        return [this.#confirm(seq), ...this.#stopRegistration(false)];
      case 0x1201: // restart: a new router-led reading pass over the whole archive
        this.#routerNodes = new Map([...this.archive.keys()].map((a) => [a, { status: "pending" }]));
        this.#routerRound = 1;
        this.#routing = "running";
        return [
          this.#confirm(seq),
          { kind: "timer", name: "router-next", ms: this.options.processingMs + 1 },
        ];
      case 0x1202:
        this.#routing = "paused";
        return [this.#confirm(seq), { kind: "cancel", name: "router-next" }];
      case 0x1203:
        if (this.#routerNodes.size === 0) {
          this.#routerNodes = new Map([...this.archive.keys()].map((a) => [a, { status: "pending" }]));
        }
        this.#routing = "running";
        return [
          this.#confirm(seq),
          { kind: "timer", name: "router-next", ms: this.options.processingMs + 1 },
        ];
      case 0x1301:
        return this.#monitor(m);
      case 0xf101:
        return this.#concurrent(m);
      default:
        return [this.#deny(DENY_CODE.notSupported, seq)];
    }
  }

  #versionBody(): Body {
    const o = this.options;
    return { vendor: o.vendor, chip: o.chip, versionDate: o.versionDate, version: o.version };
  }

  #runModeBody(): Body {
    const o = this.options;
    return {
      mode: { commMode: o.mode === 3 ? 2 : 1, routeManagement: 1, slaveInfoNeeded: 1, readingMode: 3 },
      features: { delayParams: 0, failover: 1, broadcastConfirm: 0, broadcastChannel: 0 },
      channels: { count: 1, powerDown: 0 },
      rateInfo: { count: 1, reserved: 0 },
      reserved: new Uint8Array(2),
      monitorTimeoutSeconds: o.monitorTimeoutSeconds,
      broadcastTimeoutSeconds: 120,
      maxFrameLength: 2048,
      maxFilePacket: 1024,
      upgradeWaitSeconds: 30,
      masterAddress: this.masterAddress,
      maxNodes: o.maxNodes,
      nodeCount: this.archive.size,
      protocolDate: "130801",
      protocolFiledDate: "130801",
      ...this.#versionBody(),
      rates: [{ rate: { value: 100, kbps: 1 } }],
    };
  }

  #nodeInfo(address: string, protocol: number): Body {
    const node = this.network.get(address);
    const phase = node ? 1 << (node.phase - 1) : 0;
    return {
      address,
      info: {
        relayLevel: node?.depth ?? 0,
        signalQuality: node ? Math.max(1, Math.round(node.successProbability * 15)) : 0,
        phase,
        protocol: protocol & 7,
        reserved: 0,
      },
    };
  }

  #page(entries: readonly ArchiveEntry[], b: Body): Body {
    const start = Math.max(1, b.start as number);
    const count = Math.min(b.count as number, this.options.maxPage);
    const slice = entries.slice(start - 1, start - 1 + count);
    return { total: entries.length, nodes: slice.map((e) => this.#nodeInfo(e.address, e.protocol)) };
  }

  #runStatus(): Body {
    const states = [...this.#routerNodes.values()];
    const done = states.filter((s) => s.status === "done").length;
    return {
      status: (this.#routing === "running" ? 2 : 0) | (this.#routing === "idle" && done > 0 ? 1 : 0),
      nodeCount: this.archive.size,
      readCount: done,
      relayReadCount: 0,
      workSwitch: this.#registration.active ? 0x40 : 0,
      rate: 100,
      relayLevels: new Uint8Array(3),
      workSteps: new Uint8Array(3),
    };
  }

  #addNodes(m: Message): ModuleEffect[] {
    const nodes = m.body.nodes as readonly Body[];
    const seq = m.info.seq;
    const seen = new Set<string>();
    for (const n of nodes) {
      const a = (n.address as string).toLowerCase();
      // docs §5.3 [M]: a node already in the archive (or twice in one frame) is refused with "meter repeated".
      if (this.archive.has(a) || seen.has(a)) return [this.#deny(DENY_CODE.duplicateMeter, seq)];
      seen.add(a);
    }
    if (this.archive.size + nodes.length > this.options.maxNodes)
      return [this.#deny(DENY_CODE.invalidData, seq)];
    for (const n of nodes) {
      const a = (n.address as string).toLowerCase();
      this.archive.set(a, { address: a, protocol: n.protocol as number });
    }
    return [this.#confirm(seq), { kind: "persist", archive: this.snapshot() }];
  }

  #deleteNodes(m: Message): ModuleEffect[] {
    const seq = m.info.seq;
    const nodes = (m.body.nodes as readonly Body[]).map((n) => (n.address as string).toLowerCase());
    if (nodes.some((a) => !this.archive.has(a))) return [this.#deny(DENY_CODE.noSuchMeter, seq)];
    for (const a of nodes) {
      this.archive.delete(a);
      this.#routerNodes.delete(a);
    }
    return [this.#confirm(seq), { kind: "persist", archive: this.snapshot() }];
  }

  #budgetMs(): number {
    return this.#scaled(this.options.monitorTimeoutSeconds * 1000);
  }

  #plcExchange(address: string, frame: Uint8Array): { reply: Uint8Array | undefined; ms: number } {
    this.counters.plcExchanges++;
    const r = this.network.exchange(
      address,
      frame,
      this.options.maxAttempts,
      this.#budgetMs() / this.options.timeScale,
    );
    this.counters.plcAttempts += r.attempts;
    if (!r.reply) this.counters.plcFailures++;
    return { reply: r.reply, ms: this.#scaled(r.durationMs) };
  }

  #monitor(m: Message): ModuleEffect[] {
    const seq = m.info.seq;
    const destination = m.address?.destination;
    if (!destination) return [this.#deny(DENY_CODE.formatError, seq)];
    if (this.#plcBusy || this.#routing === "running") return [this.#deny(DENY_CODE.masterBusy, seq)];
    const protocol = m.body.protocol as number;
    const { reply, ms } = this.#plcExchange(destination, m.body.frame as Uint8Array);
    this.#plcBusy = true;
    const effects: ModuleEffect[] = [{ kind: "timer", name: "plc-free", ms }];
    const transitSeconds = Math.round(ms / this.options.timeScale / 1000);
    if (reply) {
      effects.push(this.#reply(0x13, 1, { transitSeconds, protocol, frame: reply }, seq, ms, destination));
    } else if (this.options.monitorFailure === "empty") {
      effects.push(
        this.#reply(0x13, 1, { transitSeconds, protocol, frame: new Uint8Array(0) }, seq, ms, destination),
      );
    } else if (this.options.monitorFailure === "deny") {
      effects.push(this.#deny(DENY_CODE.slaveNoAnswer, seq, ms));
    }
    return effects;
  }

  #concurrent(m: Message): ModuleEffect[] {
    const seq = m.info.seq;
    const destination = m.address?.destination;
    if (!destination) return [this.#deny(DENY_CODE.formatError, seq)];
    const protocol = m.body.protocol as number;
    const { reply, ms } = this.#plcExchange(destination, m.body.frame as Uint8Array);
    if (!reply) return [this.#deny(DENY_CODE.slaveNoAnswer, seq, ms)];
    return [this.#reply(0xf1, 1, { protocol, frame: reply }, seq, ms, destination)];
  }

  #forward(m: Message): ModuleEffect[] {
    const seq = m.info.seq;
    const frame = m.body.frame as Uint8Array;
    // The destination is the DL/T 645 address inside the forwarded frame (bytes 1..6, LSB first).
    if (frame.length < 12 || frame[0] !== 0x68) return [this.#deny(DENY_CODE.formatError, seq)];
    let address = "";
    for (let i = 6; i >= 1; i--) address += (frame[i] as number).toString(16).padStart(2, "0");
    const { reply, ms } = this.#plcExchange(address, frame);
    if (!reply) return [this.#deny(DENY_CODE.slaveNoAnswer, seq, ms)];
    return [this.#reply(0x02, 1, { protocol: m.body.protocol as number, frame: reply }, seq, ms)];
  }

  // -------------------------------------------------------------------------------------------------------
  // Answers from the concentrator (PRM=0): confirms of our reports and AFN14 answers.

  #handleAnswer(m: Message): ModuleEffect[] {
    const out = this.#outstanding;
    if (!out || m.info.seq !== out.seq) {
      return [{ kind: "log", event: "unexpected-answer", detail: { afn: m.afn, fn: m.fn, seq: m.info.seq } }];
    }
    if (out.awaits === "confirm" && m.afn === 0x00) {
      this.#outstanding = undefined;
      const again = out.thenAskAgain ? this.#routerAskAgain() : [];
      return [
        { kind: "cancel", name: "outstanding" },
        ...again,
        ...this.#flushOutbox(),
        ...this.#kickRouter(),
      ];
    }
    if (out.awaits === "afn14" && m.afn === 0x14 && m.fn === 1) {
      this.#outstanding = undefined;
      return [{ kind: "cancel", name: "outstanding" }, ...this.#routerAnswer(m.body)];
    }
    return [{ kind: "log", event: "unexpected-answer", detail: { afn: m.afn, fn: m.fn, seq: m.info.seq } }];
  }

  #send(bytes: Uint8Array, seq: number, awaits: "confirm" | "afn14", thenAskAgain = false): ModuleEffect[] {
    if (this.#outstanding) {
      // Bounded: a DCU that never answers must not grow the module's memory (conventions §15).
      if (this.#outbox.length >= MAX_OUTBOX) {
        this.counters.reportsDropped++;
        return [{ kind: "log", event: "outbox-full", detail: { seq } }];
      }
      this.#outbox.push({ bytes, seq, awaits, thenAskAgain });
      return [];
    }
    this.#outstanding = { bytes, seq, awaits, thenAskAgain, tries: 1 };
    return [
      { kind: "send", bytes, delayMs: this.options.processingMs },
      {
        kind: "timer",
        name: "outstanding",
        // Serial-line time, not PLC time: never scaled.
        ms: this.options.processingMs + this.options.dcuAnswerTimeoutMs,
      },
    ];
  }

  #flushOutbox(): ModuleEffect[] {
    const next = this.#outbox.shift();
    return next ? this.#send(next.bytes, next.seq, next.awaits, next.thenAskAgain) : [];
  }

  #resendOutstanding(): ModuleEffect[] {
    const out = this.#outstanding;
    if (!out) return [];
    if (out.tries > this.options.dcuRetries) {
      this.#outstanding = undefined;
      this.counters.reportsDropped++;
      const effects: ModuleEffect[] = [{ kind: "log", event: "dcu-no-answer", detail: { seq: out.seq } }];
      // A router-led request nobody answered: skip that node for this round.
      if (out.awaits === "afn14") effects.push(...this.#routerMarkCurrent("failed"));
      else if (out.thenAskAgain) effects.push(...this.#routerAskAgain());
      return [...effects, ...this.#flushOutbox(), ...this.#kickRouter()];
    }
    out.tries++;
    return [
      { kind: "send", bytes: out.bytes, delayMs: 0 },
      { kind: "timer", name: "outstanding", ms: this.options.dcuAnswerTimeoutMs },
    ];
  }

  // -------------------------------------------------------------------------------------------------------
  // Router-led reading (AFN14): walk the archive, ask the DCU what to send to each node.

  #routerNext(): ModuleEffect[] {
    if (this.#routing !== "running" || this.#outstanding || this.#plcBusy || this.#routerCurrent) return [];
    let next: string | undefined;
    for (const [a, s] of this.#routerNodes) {
      if (s.status === "pending" && this.archive.has(a)) {
        next = a;
        break;
      }
    }
    if (!next) {
      const failed = [...this.#routerNodes.values()].filter((s) => s.status === "failed");
      if (failed.length > 0 && this.#routerRound < this.options.routerRounds) {
        this.#routerRound++;
        for (const s of failed) s.status = "pending";
        return this.#routerNext();
      }
      this.#routing = "idle";
      this.#routerCurrent = undefined;
      return this.#send(
        upFrame(0x06, 3, { change: ROUTE_CHANGE.readingDone }, this.#nextSeq(), {
          prm: true,
          mode: this.options.mode,
        }),
        this.#seq,
        "confirm",
      );
    }
    this.#routerCurrent = next;
    const node = this.network.get(next);
    const seq = this.#nextSeq();
    const bytes = upFrame(
      0x14,
      1,
      { phase: node?.phase ?? 0, address: next, index: this.indexOf(next) },
      seq,
      { prm: true, mode: this.options.mode },
    );
    return this.#send(bytes, seq, "afn14");
  }

  /** Lets a router-led walk that waited for the line continue (router-next checks it is really free). */
  #kickRouter(): ModuleEffect[] {
    return this.#routing === "running" && !this.#routerCurrent
      ? [{ kind: "timer", name: "router-next", ms: this.#scaled(this.options.routerGapMs) }]
      : [];
  }

  #routerMarkCurrent(status: "done" | "failed"): ModuleEffect[] {
    const current = this.#routerCurrent;
    if (current) {
      const s = this.#routerNodes.get(current);
      if (s) s.status = status;
    }
    this.#routerCurrent = undefined;
    return this.#routing === "running"
      ? [{ kind: "timer", name: "router-next", ms: this.#scaled(this.options.routerGapMs) }]
      : [];
  }

  #routerAnswer(body: Body): ModuleEffect[] {
    const current = this.#routerCurrent;
    const flag = body.readFlag as number;
    if (!current || flag === READ_FLAG.done) return this.#routerMarkCurrent("done");
    if (flag !== READ_FLAG.read) return this.#routerMarkCurrent("failed");
    const entry = this.archive.get(current);
    const { reply, ms } = this.#plcExchange(current, body.frame as Uint8Array);
    this.#plcBusy = true;
    this.#plcResult = {
      address: current,
      index: this.indexOf(current),
      protocol: entry?.protocol ?? PROTOCOL.dlt645_2007,
      reply,
      ms,
    };
    return [{ kind: "timer", name: "plc-done", ms }];
  }

  #routerPlcDone(): ModuleEffect[] {
    this.#plcBusy = false;
    const r = this.#plcResult;
    this.#plcResult = undefined;
    if (!r) return [];
    if (!r.reply) return this.#routerMarkCurrent("failed");
    const seq = this.#nextSeq();
    const transitSeconds = Math.round(r.ms / this.options.timeScale / 1000);
    const bytes = upFrame(
      0x06,
      2,
      { index: r.index, protocol: r.protocol, transitSeconds, frame: r.reply },
      seq,
      { prm: true, mode: this.options.mode, source: r.address, destination: this.masterAddress },
    );
    return this.#send(bytes, seq, "confirm", true);
  }

  /** After the DCU confirmed an AFN06 F2: ask again for the same node (the DCU may have more to read). */
  #routerAskAgain(): ModuleEffect[] {
    if (this.#routing !== "running") return [];
    if (this.#routerCurrent) {
      const current = this.#routerCurrent;
      const seq = this.#nextSeq();
      const node = this.network.get(current);
      const bytes = upFrame(
        0x14,
        1,
        { phase: node?.phase ?? 0, address: current, index: this.indexOf(current) },
        seq,
        { prm: true, mode: this.options.mode },
      );
      return this.#send(bytes, seq, "afn14");
    }
    return [{ kind: "timer", name: "router-next", ms: this.#scaled(this.options.routerGapMs) }];
  }

  // -------------------------------------------------------------------------------------------------------
  // Registration (AFN11 F5/F6): find nodes present on the network but missing from the archive.

  #startRegistration(m: Message): ModuleEffect[] {
    const seq = m.info.seq;
    const durationMs = this.#scaled((m.body.durationMinutes as number) * 60_000);
    const scanMs = this.#scaled(this.options.registrationScanMs);
    const r: RegistrationRun = {
      active: true,
      durationMs,
      nowMs: 0,
      scanAtMs: 0,
      queue: [],
      scheduled: new Set(),
    };
    this.#registration = r;
    this.#scheduleJoiners(r);
    const effects: ModuleEffect[] = [
      this.#confirm(seq),
      { kind: "timer", name: "registration-end", ms: durationMs },
      ...this.#nextFind(r),
    ];
    if (scanMs > 0 && scanMs < durationMs)
      effects.push({ kind: "timer", name: "registration-scan", ms: scanMs });
    return effects;
  }

  /**
   * Queues every online node that is neither in the archive nor already queued in this run, each found at a
   * random time within min(time left, find window): nodes present at the start and nodes that joined later
   * (powered on, installed) are handled alike.
   */
  #scheduleJoiners(r: RegistrationRun): void {
    const window = Math.min(r.durationMs - r.nowMs, this.#scaled(this.options.registrationFindWindowMs));
    for (const node of this.network.nodes()) {
      if (!node.online || this.archive.has(node.address) || r.scheduled.has(node.address)) continue;
      r.scheduled.add(node.address);
      r.queue.push({ address: node.address, at: r.nowMs + this.network.random() * window });
    }
    r.queue.sort((a, b) => a.at - b.at);
  }

  /** The timer for the next find (replacing any set before: the queue may have changed). */
  #nextFind(r: RegistrationRun): ModuleEffect[] {
    const next = r.queue[0];
    return next === undefined
      ? [{ kind: "cancel", name: "registration-find" }]
      : [{ kind: "timer", name: "registration-find", ms: Math.max(0, next.at - r.nowMs) }];
  }

  #registrationScan(): ModuleEffect[] {
    const r = this.#registration;
    if (!r.active) return [];
    const scanMs = this.#scaled(this.options.registrationScanMs);
    r.scanAtMs += scanMs;
    r.nowMs = Math.max(r.nowMs, r.scanAtMs);
    this.#scheduleJoiners(r);
    const effects = this.#nextFind(r);
    if (r.scanAtMs + scanMs < r.durationMs)
      effects.push({ kind: "timer", name: "registration-scan", ms: scanMs });
    return effects;
  }

  #registrationFind(): ModuleEffect[] {
    const r = this.#registration;
    if (!r.active) return [];
    const found = r.queue.shift();
    if (!found) return [];
    r.nowMs = Math.max(r.nowMs, found.at);
    const address = found.address;
    const node = this.network.get(address);
    const effects: ModuleEffect[] = [];
    // A node that left again (or that the DCU added meanwhile) is not reported.
    if (node?.online && !this.archive.has(address)) {
      const entry = { address, protocol: node.protocol };
      this.registered.set(address, entry);
      const index = this.registered.size;
      const body: Body =
        this.options.registrationReport === "F4"
          ? {
              nodes: [
                { address, protocol: node.protocol, index, deviceType: 1, attachedTotal: 0, attached: [] },
              ],
            }
          : { nodes: [{ address, protocol: node.protocol, index }] };
      effects.push(...this.report(this.options.registrationReport === "F4" ? 4 : 1, body));
    }
    effects.push(...this.#nextFind(r));
    return effects;
  }

  /**
   * Sends a module-initiated AFN06 report (confirmed and resent like any other). The registration run uses
   * it; tests use it through the driver to play a module that reports garbage (bad addresses, unknown
   * protocols, repeats).
   */
  report(fn: number, body: Body): ModuleEffect[] {
    const seq = this.#nextSeq();
    return this.#send(upFrame(0x06, fn, body, seq, { prm: true, mode: this.options.mode }), seq, "confirm");
  }

  #registrationEnd(): ModuleEffect[] {
    if (!this.#registration.active) return [];
    return this.#stopRegistration(true);
  }

  #stopRegistration(report: boolean): ModuleEffect[] {
    const wasActive = this.#registration.active;
    this.#registration = IDLE_REGISTRATION;
    const effects: ModuleEffect[] = [
      { kind: "cancel", name: "registration-find" },
      { kind: "cancel", name: "registration-scan" },
      { kind: "cancel", name: "registration-end" },
    ];
    if (report && wasActive) effects.push(...this.report(3, { change: ROUTE_CHANGE.searchDone }));
    return effects;
  }

  #stopAll(): ModuleEffect[] {
    this.#routing = "idle";
    this.#routerNodes.clear();
    this.#routerCurrent = undefined;
    this.#outstanding = undefined;
    this.#outbox = [];
    this.#plcBusy = false;
    return [
      { kind: "cancel", name: "router-next" },
      { kind: "cancel", name: "outstanding" },
      { kind: "cancel", name: "plc-done" },
      ...this.#stopRegistration(false),
    ];
  }
}
