/**
 * The work queue of one channel (one RS-485 bus or the carrier module):
 *
 *   tasks (one meter's collection each, deduplicated by key) ──► run one at a time, best rank first
 *        │ each task issues its reads as jobs
 *        ▼
 *   jobs (one channel exchange each: read, forward, broadcast) ──► one at a time on the channel, best rank
 *        ▲                                                          first, expired ones never reach the wire
 *   live reads and forwarded frames (rank "live") enter here directly, so a master waiting for a meter is
 *   served before the next exchange of whatever collection runs.
 *
 * Both queues are bounded; a refused task or job is counted and reported, never silently queued without end.
 */
import type {
  MeterChannel,
  MeterReadRequest,
  MeterReadResult,
  MeterTarget,
} from "../channels/meter-channel.ts";
import type { Clock } from "../common/clock.ts";
import type { Logger } from "../common/logger.ts";

/** Lower runs first: a master waiting, the day's frozen data, its supplementary re-reads, real-time values. */
export const RANK = { live: 0, frozen: 1, supplementary: 2, realtime: 3, background: 4 } as const;
export type Rank = (typeof RANK)[keyof typeof RANK];

export interface WorkerTask {
  /** Deduplication key: a task with the same key already queued is not queued twice. */
  readonly key: string;
  readonly rank: Rank;
  run(): Promise<void>;
}

/** Most tasks queued per channel: every meter of the archive a few times over. */
export const MAX_TASKS = 4 * 2040 + 64;
/** Most exchanges waiting per channel (tasks issue one at a time; the rest is live traffic). */
export const MAX_JOBS = 256;

interface Job {
  readonly rank: Rank;
  readonly seq: number;
  readonly deadline: number | undefined;
  readonly start: () => Promise<void>;
  readonly expire: () => void;
}

interface QueuedTask {
  task: WorkerTask;
  rank: Rank;
  readonly seq: number;
}

const PRIORITY: Readonly<Record<Rank, MeterReadRequest["priority"]>> = {
  0: "live",
  1: "scheduled",
  2: "supplementary",
  3: "scheduled",
  4: "supplementary",
};

export interface PortWorkerOptions {
  readonly channel: MeterChannel;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Whether a task of this rank may start now (reading windows); live work is never held. */
  readonly mayStart?: (rank: Rank) => boolean;
  readonly onIdle?: () => void;
}

export class PortWorker {
  readonly channel: MeterChannel;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #mayStart: (rank: Rank) => boolean;
  readonly #onIdle: (() => void) | undefined;
  readonly #tasks = new Map<string, QueuedTask>();
  #jobs: Job[] = [];
  #seq = 0;
  #taskRunning: WorkerTask | undefined;
  #jobRunning = false;
  #closed = false;
  /** Counters for status and logs. */
  readonly counters = { tasksRun: 0, tasksRefused: 0, jobsRefused: 0, jobsExpired: 0, taskErrors: 0 };

  constructor(options: PortWorkerOptions) {
    this.channel = options.channel;
    this.#clock = options.clock;
    this.#logger = options.logger;
    this.#mayStart = options.mayStart ?? (() => true);
    this.#onIdle = options.onIdle;
  }

  get port(): number {
    return this.channel.port;
  }

  /** Queues a task; an already queued task with the key keeps its place but takes the better rank. */
  enqueue(task: WorkerTask): boolean {
    if (this.#closed) return false;
    const queued = this.#tasks.get(task.key);
    if (queued !== undefined) {
      if (task.rank < queued.rank) {
        queued.rank = task.rank;
        queued.task = task;
      }
      return true;
    }
    if (this.#taskRunning?.key === task.key) return true;
    if (this.#tasks.size >= MAX_TASKS) {
      this.counters.tasksRefused++;
      return false;
    }
    this.#tasks.set(task.key, { task, rank: task.rank, seq: this.#seq++ });
    this.kick();
    return true;
  }

  /** Queued (not running) tasks, optionally only those whose key starts with `prefix`. */
  queued(prefix = ""): number {
    if (prefix === "") return this.#tasks.size;
    let n = 0;
    for (const key of this.#tasks.keys()) if (key.startsWith(prefix)) n++;
    return n;
  }

  /** Queued or running tasks whose key starts with `prefix`. */
  busyWith(prefix: string): number {
    return this.queued(prefix) + (this.#taskRunning?.key.startsWith(prefix) === true ? 1 : 0);
  }

  get idle(): boolean {
    return this.#tasks.size === 0 && this.#taskRunning === undefined;
  }

  /** Drops queued tasks whose key starts with `prefix` (only those of `rank` when given). */
  drop(prefix: string, rank?: Rank): number {
    let n = 0;
    for (const [key, queued] of [...this.#tasks]) {
      if (key.startsWith(prefix) && (rank === undefined || queued.rank === rank)) {
        this.#tasks.delete(key);
        n++;
      }
    }
    return n;
  }

  /** Re-evaluates whether a task can start (after a window opened or the channel resumed). */
  kick(): void {
    void this.#nextTask();
  }

  read(request: Omit<MeterReadRequest, "priority">, rank: Rank): Promise<MeterReadResult> {
    const full: MeterReadRequest = { ...request, priority: PRIORITY[rank] };
    return this.#job(rank, request.deadline, () => this.channel.read(full), {
      ok: false,
      reason: "expired",
    });
  }

  forward(
    meter: MeterTarget | undefined,
    frame: Uint8Array,
    timeoutMs: number,
    rank: Rank = RANK.live,
  ): Promise<Uint8Array | undefined> {
    return this.#job(rank, undefined, () => this.channel.forward(meter, frame, timeoutMs), undefined);
  }

  broadcast(frame: Uint8Array, rank: Rank = RANK.background): Promise<void> {
    return this.#job(rank, undefined, () => this.channel.broadcast(frame), undefined);
  }

  /** Stops taking work; queued tasks are dropped, queued jobs answer as expired. */
  close(): void {
    this.#closed = true;
    this.#tasks.clear();
    for (const job of this.#jobs) job.expire();
    this.#jobs = [];
  }

  #job<T>(rank: Rank, deadline: number | undefined, run: () => Promise<T>, refused: T): Promise<T> {
    if (this.#closed) return Promise.resolve(refused);
    if (deadline !== undefined && this.#clock.now() >= deadline) {
      this.counters.jobsExpired++;
      return Promise.resolve(refused);
    }
    if (this.#jobs.length >= MAX_JOBS) {
      this.counters.jobsRefused++;
      this.#logger.warn({ port: this.port, rank }, "channel queue full: exchange refused");
      return Promise.resolve(refused);
    }
    return new Promise<T>((resolve) => {
      const job: Job = {
        rank,
        seq: this.#seq++,
        deadline,
        start: async () => {
          try {
            resolve(await run());
          } catch (error) {
            // Channels never reject by contract; a bug there must not stall the queue.
            this.#logger.error({ port: this.port, error: String(error) }, "channel exchange threw");
            resolve(refused);
          }
        },
        expire: () => resolve(refused),
      };
      // Keep the list ordered by (rank, seq): insert after every job that goes first.
      let at = this.#jobs.length;
      while (at > 0 && (this.#jobs[at - 1] as Job).rank > rank) at--;
      this.#jobs.splice(at, 0, job);
      void this.#nextJob();
    });
  }

  async #nextJob(): Promise<void> {
    if (this.#jobRunning) return;
    const job = this.#jobs.shift();
    if (job === undefined) return;
    this.#jobRunning = true;
    try {
      if (job.deadline !== undefined && this.#clock.now() >= job.deadline) {
        this.counters.jobsExpired++;
        job.expire();
      } else {
        await job.start();
      }
    } finally {
      this.#jobRunning = false;
      void this.#nextJob();
    }
  }

  #pick(): QueuedTask | undefined {
    let best: QueuedTask | undefined;
    for (const q of this.#tasks.values()) {
      if (best === undefined || q.rank < best.rank || (q.rank === best.rank && q.seq < best.seq)) best = q;
    }
    return best;
  }

  async #nextTask(): Promise<void> {
    if (this.#taskRunning !== undefined || this.#closed) return;
    const next = this.#pick();
    if (next === undefined) return;
    if (this.channel.paused || !this.#mayStart(next.rank)) return;
    this.#tasks.delete(next.task.key);
    this.#taskRunning = next.task;
    try {
      await next.task.run();
      this.counters.tasksRun++;
    } catch (error) {
      this.counters.taskErrors++;
      this.#logger.error(
        { port: this.port, task: next.task.key, error: String(error) },
        "collection task failed",
      );
    } finally {
      this.#taskRunning = undefined;
      if (this.idle) this.#onIdle?.();
      void this.#nextTask();
    }
  }
}
