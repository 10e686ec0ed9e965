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
 * - The request a task stands for at a due time (DA/DT and class-2 time labels) is built in
 *   task-definitions.ts, shared with AFN0B (the master pulling a task's data).
 * - An answer longer than a frame becomes several reports (one frame each, each confirmed on its own).
 * - Nothing is queued while the master forbids active reporting (AFN05 F37); the due time still passes.
 */
import type { Clock, TimerHandle } from "../../common/clock.ts";
import type { Logger } from "../../common/logger.ts";
import type { Message } from "../../protocol/gw1376-1/message.ts";
import { packDataUnits } from "../../protocol/gw1376-1/multi-frame.ts";
import { type Gw13761Profile, PROFILE_2013 } from "../../protocol/gw1376-1/profile.ts";
import type { HandlerReply } from "../handlers/handler.ts";
import type { TerminalCore } from "../terminal-core.ts";
import { latestDue } from "./report-schedule.ts";
import {
  type ReportTask,
  readTask,
  TASK_CLASSES,
  type TaskIdentity,
  taskRequest,
} from "./task-definitions.ts";

export type { ReportTask } from "./task-definitions.ts";

const MINUTE = 60_000;
const START = 0x55;
/** A due time passed less than this long ago when a task is (re)started still counts. */
const GRACE_MS = MINUTE;

export interface ReportTaskOptions {
  readonly core: TerminalCore;
  /** The dispatcher: the same handlers that answer the master's AFN0C/AFN0D requests. */
  readonly handle: (request: Message) => Promise<HandlerReply>;
  /** Own address, for the synthetic request's header. */
  readonly identity: TaskIdentity;
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
    for (const c of TASK_CLASSES) {
      for (const stored of params.listFn(c.taskFn)) {
        // Stopped tasks are skipped before parsing: a broken stopped task is not worth a warning a minute.
        const control = params.get(c.switchFn, stored.pn);
        if ((control?.decoded as { control?: unknown } | undefined)?.control !== START) continue;
        const task = readTask(this.#o.core, c.cls, stored.pn, this.#o.logger);
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
    const reply = await this.#o.handle(
      taskRequest(task, due, this.#o.identity, this.#o.core.utcOffsetMinutes),
    );
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
}
