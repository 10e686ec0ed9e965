/**
 * Timed report tasks (shared/protocol/gw1376-1.md §3.5 [M], §4.3 F65–F68): AFN04 F65 (class 1) / F66
 * (class 2) define task pn — period, base time, curve ratio and a list of DA/DT — and F67 / F68 start (0x55)
 * or stop (0xAA) it. At each due time the terminal answers its own AFN0C / AFN0D request for those DA/DT
 * and sends the answer as active reports.
 *
 *   Clock (every minute) ──► due tasks ──► synthetic AFN0C/AFN0D request ──► Dispatcher (the data handlers)
 *                                                                              │ data items
 *   ActiveReporter ◄── kick ◄── outbox (one row per frame) ◄── packDataUnits ◄─┘
 *
 * Decisions (the reference gives the parameters, not the behaviour) [L]:
 * - The schedule is checked once a minute (the finest period unit); parameters are re-read at each check, so
 *   a task set or started by the master takes effect within a minute.
 * - A due time is reported once; after a restart (or a long stop) only the latest missed due time is
 *   reported, not every one missed. The last due time reported is kept in kv per task, with the parameters'
 *   set times, so that re-setting or restarting a task starts its schedule afresh.
 * - Class-2 time labels: daily items (Td_d) report the day before the due time (the last complete daily
 *   freeze), monthly items (Td_m) the month before; curve items (Td_c) the window of one period ending at the
 *   due time, at 15-minute density (at most 96 points), thinned by the curve ratio R to 30 or 60 minutes.
 * - An answer longer than a frame becomes several reports (one frame each, each confirmed on its own).
 * - Nothing is queued while the master forbids active reporting (AFN05 F37); the due time still passes.
 */
import type { Clock, TimerHandle } from "../../common/clock.ts";
import type { Logger } from "../../common/logger.ts";
import { fnsFromDt, pnsFromDa } from "../../protocol/gw1376-1/dadt.ts";
import type { DataItem, DataUnitGroup } from "../../protocol/gw1376-1/data-units.ts";
import { findFnRow } from "../../protocol/gw1376-1/fn-table.ts";
import { FORMATS } from "../../protocol/gw1376-1/formats.ts";
import type { Record_ } from "../../protocol/gw1376-1/layout.ts";
import type { Message } from "../../protocol/gw1376-1/message.ts";
import { packDataUnits } from "../../protocol/gw1376-1/multi-frame.ts";
import { type Gw13761Profile, PROFILE_2013 } from "../../protocol/gw1376-1/profile.ts";
import { fromLocalParts, localParts } from "../../store/calendar.ts";
import type { ReportKind } from "../../store/outbox-repo.ts";
import type { HandlerReply } from "../handlers/handler.ts";
import { encodeA15 } from "../local-time.ts";
import type { TerminalCore } from "../terminal-core.ts";
import { latestDue, type PeriodUnit, periodMinutes, type TaskPeriod } from "./report-schedule.ts";

const MINUTE = 60_000;
const START = 0x55;
/** A due time passed less than this long ago when a task is (re)started still counts. */
const GRACE_MS = MINUTE;
const CURVE_STEP_MINUTES = 15;
const MAX_CURVE_POINTS = 96;

/** Class 1 → AFN0C with F65/F67, class 2 → AFN0D with F66/F68. */
const CLASSES = [
  { cls: 1, afn: 0x0c, taskFn: 65, switchFn: 67, kind: "class1" },
  { cls: 2, afn: 0x0d, taskFn: 66, switchFn: 68, kind: "class2" },
] as const;

export interface ReportTask {
  readonly cls: 1 | 2;
  readonly task: number;
  readonly afn: number;
  readonly kind: ReportKind;
  readonly period: TaskPeriod;
  readonly baseMs: number;
  readonly curveRatio: number;
  readonly units: readonly DataUnitGroup[];
  /** Changes whenever the master sets the task or its start/stop again. */
  readonly version: string;
}

export interface ReportTaskOptions {
  readonly core: TerminalCore;
  /** The dispatcher: the same handlers that answer the master's AFN0C/AFN0D requests. */
  readonly handle: (request: Message) => Promise<HandlerReply>;
  /** Own address, for the synthetic request's header. */
  readonly identity: { readonly area: string; readonly terminal: number };
  /** AFN05 F29/F37 state. */
  readonly allowed: () => boolean;
  readonly outboxMax: number;
  readonly onQueued: () => void;
  readonly logger: Logger;
  readonly profile?: Gw13761Profile;
  /** Defaults to the core's clock. */
  readonly clock?: Clock;
}

export interface ReportTaskCounters {
  runs: number;
  /** Runs whose answer was empty or a deny (nothing to report). */
  empty: number;
  /** Runs skipped because active reporting is forbidden. */
  forbidden: number;
  framesQueued: number;
  /** Older reports the outbox cap dropped to make room. */
  dropped: number;
}

interface TaskState {
  version: string;
  lastDue: number | null;
}

export class ReportTaskScheduler {
  readonly counters: ReportTaskCounters = { runs: 0, empty: 0, forbidden: 0, framesQueued: 0, dropped: 0 };
  readonly #o: ReportTaskOptions;
  readonly #clock: Clock;
  readonly #profile: Gw13761Profile;
  #timer: TimerHandle | undefined;
  #ticking: Promise<void> | undefined;
  #again = false;
  #stopped = false;

  constructor(options: ReportTaskOptions) {
    this.#o = options;
    this.#clock = options.clock ?? options.core.clock;
    this.#profile = options.profile ?? PROFILE_2013;
  }

  /** Arms the once-a-minute check (at each minute boundary of the terminal clock). */
  start(): void {
    this.#stopped = false;
    this.#arm();
  }

  stop(): void {
    this.#stopped = true;
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  /** Resolves when a check in progress (if any) has finished. */
  idle(): Promise<void> {
    return this.#ticking ?? Promise.resolve();
  }

  /** The tasks defined by F65/F66 and started by F67/F68, in class then task order. */
  runningTasks(): ReportTask[] {
    const params = this.#o.core.store.parameters;
    const out: ReportTask[] = [];
    for (const c of CLASSES) {
      for (const stored of params.listFn(c.taskFn)) {
        const control = params.get(c.switchFn, stored.pn);
        if ((control?.decoded as { control?: unknown } | undefined)?.control !== START) continue;
        const task = this.#parse(c, stored.pn, stored.decoded, `${stored.setAt}/${control?.setAt}`);
        if (task !== undefined) out.push(task);
      }
    }
    return out;
  }

  /**
   * Runs every task due now (the minute timer calls this; tests may too). Never rejects. A call while a check
   * is still running (a live read can take a while) runs one more check right after it, so no minute is lost.
   */
  check(): Promise<void> {
    if (this.#ticking !== undefined) {
      this.#again = true;
      return this.#ticking;
    }
    this.#ticking = (async () => {
      do {
        this.#again = false;
        try {
          await this.#checkAll();
        } catch (error) {
          this.#o.logger.error({ error: String(error) }, "report task check failed");
        }
      } while (this.#again && !this.#stopped);
    })().finally(() => {
      this.#ticking = undefined;
    });
    return this.#ticking;
  }

  #arm(): void {
    if (this.#stopped) return;
    const now = this.#clock.now();
    this.#timer = this.#clock.setTimer(MINUTE - (((now % MINUTE) + MINUTE) % MINUTE), () => {
      this.#timer = undefined;
      // Re-armed first: the next minute's timer must not depend on how long this check takes.
      this.#arm();
      void this.check();
    });
  }

  async #checkAll(): Promise<void> {
    const now = this.#clock.now();
    const offset = this.#o.core.utcOffsetMinutes;
    for (const task of this.runningTasks()) {
      const due = latestDue(task.baseMs, task.period, now, offset);
      const key = `reporting.task.${task.cls}.${task.task}`;
      const state = this.#o.core.store.kv.get(key) as TaskState | undefined;
      let lastDue = state?.version === task.version ? state.lastDue : null;
      if (state?.version !== task.version) {
        // Newly set or restarted: earlier due times are not owed, except one that has only just passed.
        lastDue = due !== undefined && now - due > GRACE_MS ? due : null;
        this.#o.core.store.kv.set(key, { version: task.version, lastDue } satisfies TaskState);
      }
      if (due === undefined || (lastDue !== null && due <= lastDue)) continue;
      await this.#run(task, due);
      this.#o.core.store.kv.set(key, { version: task.version, lastDue: due } satisfies TaskState);
    }
  }

  async #run(task: ReportTask, due: number): Promise<void> {
    this.counters.runs++;
    if (!this.#o.allowed()) {
      this.counters.forbidden++;
      this.#o.logger.debug({ cls: task.cls, task: task.task }, "timed report skipped: reporting forbidden");
      return;
    }
    const reply = await this.#o.handle(this.#request(task, due));
    if (reply.kind !== "data" || reply.items.length === 0) {
      this.counters.empty++;
      this.#o.logger.info(
        { cls: task.cls, task: task.task, reply: reply.kind },
        "timed report: nothing to send",
      );
      return;
    }
    // Terminal-initiated frames carry no EC and no Tp: the whole AUX budget is free.
    const regions = packDataUnits(task.afn, 1, reply.items, 0, this.#profile);
    const store = this.#o.core.store;
    store.transaction(() => {
      for (const units of regions) {
        const { dropped } = store.outbox.add(
          { kind: task.kind, afn: task.afn, units },
          this.#clock.now(),
          this.#o.outboxMax,
        );
        this.counters.dropped += dropped;
      }
    });
    this.counters.framesQueued += regions.length;
    this.#o.logger.info(
      { cls: task.cls, task: task.task, items: reply.items.length, frames: regions.length },
      "timed report queued",
    );
    this.#o.onQueued();
  }

  /** The AFN0C/AFN0D request the master would send for this task's DA/DT at `due`. */
  #request(task: ReportTask, due: number): Message {
    const groups = task.units.map((group) => {
      const items: DataItem[] = [];
      for (const pn of group.pns)
        for (const fn of group.fns) items.push({ pn, fn, data: this.#requestBody(task, fn, due) });
      return { pns: group.pns, fns: group.fns, items };
    });
    return {
      pid: 2,
      control: { dir: 0, prm: 1, fcbAcd: 0, fcv: 0, fc: 11 },
      address: { area: this.#o.identity.area, terminal: this.#o.identity.terminal, master: 0, group: false },
      afn: task.afn,
      seq: { tpv: false, fir: true, fin: true, con: false, seq: 0 },
      groups,
    };
  }

  /** Class 1: no body. Class 2: the time label the Fn's request layout asks for (see the file comment). */
  #requestBody(task: ReportTask, fn: number, due: number): Record_ {
    if (task.afn !== 0x0d) return {};
    const names = (findFnRow(0x0d, fn)?.down ?? []).map((f) => f.name);
    const offset = this.#o.core.utcOffsetMinutes;
    const at = localParts(due, offset);
    const two = (n: number) => String(n).padStart(2, "0");
    if (names.includes("Td_d")) {
      const day = localParts(
        fromLocalParts({ ...at, hour: 0, minute: 0, second: 0 }, offset) - 86_400_000,
        offset,
      );
      return { Td_d: `${day.year}-${two(day.month)}-${two(day.day)}` };
    }
    if (names.includes("Td_m")) {
      const index = at.year * 12 + (at.month - 1) - 1;
      return { Td_m: `${Math.floor(index / 12)}-${two((index % 12) + 1)}` };
    }
    if (names.includes("start")) {
      const { density, stepMinutes } = curveDensity(task.curveRatio);
      const points = Math.max(
        1,
        Math.min(MAX_CURVE_POINTS, Math.floor(periodMinutes(task.period) / stepMinutes)),
      );
      const startMs = Math.floor(due / MINUTE) * MINUTE - points * stepMinutes * MINUTE;
      const start = FORMATS["A.15"].decode(encodeA15(startMs, offset));
      return { start: start ?? null, density, points };
    }
    return {};
  }

  #parse(
    c: (typeof CLASSES)[number],
    task: number,
    decoded: unknown,
    version: string,
  ): ReportTask | undefined {
    const v = decoded as {
      period?: { unit?: unknown; value?: unknown };
      baseTime?: { time?: unknown };
      curveRatio?: unknown;
      items?: { da?: unknown; dt?: unknown }[];
    };
    const unit = v.period?.unit;
    const value = v.period?.value;
    const baseMs = parseA1Time(v.baseTime?.time, this.#o.core.utcOffsetMinutes);
    if (typeof unit !== "number" || typeof value !== "number" || value < 1 || baseMs === undefined) {
      this.#o.logger.warn({ fn: c.taskFn, task }, "report task ignored: no usable period or base time");
      return undefined;
    }
    const units: DataUnitGroup[] = [];
    for (const entry of v.items ?? []) {
      const da = hexBytes(entry.da);
      const dt = hexBytes(entry.dt);
      if (da === undefined || dt === undefined) continue;
      const pns = pnsFromDa(da[0] as number, da[1] as number);
      const fns = fnsFromDt(dt[0] as number, dt[1] as number);
      if (pns.length > 0 && fns.length > 0) units.push({ pns, fns, items: [] });
    }
    return {
      cls: c.cls,
      task,
      afn: c.afn,
      kind: c.kind,
      period: { unit: unit as PeriodUnit, value },
      baseMs,
      curveRatio: typeof v.curveRatio === "number" ? v.curveRatio : 1,
      units,
      version,
    };
  }
}

/**
 * The curve density for curve ratio R: 15-minute points thinned by R, rounded up to a density the label can
 * name (appendix C: code 1 = 15 min, 2 = 30 min, 3 = 60 min) [L].
 */
function curveDensity(ratio: number): { density: number; stepMinutes: number } {
  const wanted = CURVE_STEP_MINUTES * Math.max(1, ratio);
  if (wanted <= 15) return { density: 1, stepMinutes: 15 };
  if (wanted <= 30) return { density: 2, stepMinutes: 30 };
  return { density: 3, stepMinutes: 60 };
}

function hexBytes(value: unknown): Uint8Array | undefined {
  if (typeof value !== "string") return undefined;
  const clean = value.replace(/\s+/g, "");
  if (!/^[0-9a-fA-F]{4}$/.test(clean)) return undefined;
  return Uint8Array.of(Number.parseInt(clean.slice(0, 2), 16), Number.parseInt(clean.slice(2, 4), 16));
}

/** "YYYY-MM-DD hh:mm:ss" local → epoch ms. */
function parseA1Time(text: unknown, utcOffsetMinutes: number): number | undefined {
  const m = typeof text === "string" ? /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(text) : null;
  if (m === null) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return fromLocalParts({ year, month, day, hour, minute, second }, utcOffsetMinutes);
}
