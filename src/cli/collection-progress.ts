/**
 * The first collection cycle, shown while `opendcu run` starts: how many of the meters to read have their
 * latest daily frozen data, from the reading status the web interface uses. On a terminal one line updates
 * in place; in a log (not a TTY) a line is written at each quarter and at the end. It stops when every meter
 * is read or after `maxMs`, whichever comes first — progress, not monitoring.
 */
import type { Clock, TimerHandle } from "../common/clock.ts";
import type { ReadingStatusProvider } from "../web/providers.ts";

export interface ProgressOptions {
  readonly reading: () => ReadingStatusProvider | undefined;
  readonly clock: Clock;
  readonly write: (text: string) => void;
  readonly tty: boolean;
  readonly intervalMs?: number;
  readonly maxMs?: number;
}

function totals(reading: ReadingStatusProvider): { read: number; due: number } {
  let read = 0;
  let due = 0;
  for (const row of reading.dailySuccess(1)) {
    read += row.read;
    due += row.due;
  }
  return { read, due };
}

/** Starts watching; returns a function that stops early (at shutdown). */
export function watchFirstCollection(options: ProgressOptions): () => void {
  const started = options.clock.now();
  const interval = options.intervalMs ?? 1000;
  const maxMs = options.maxMs ?? 30 * 60_000;
  let timer: TimerHandle | undefined;
  let lastQuarter = -1;
  let shown = false;
  const finish = (text: string): void => {
    options.write(`${options.tty && shown ? "\r" : ""}${text}\n`);
    timer = undefined;
  };
  const tick = (): void => {
    const reading = options.reading();
    const { read, due } = reading === undefined ? { read: 0, due: 0 } : totals(reading);
    if (due === 0) {
      // nothing to read (yet): the engine may still be planning, or the archive is empty; look again
      if (options.clock.now() - started < maxMs) timer = options.clock.setTimer(interval, tick);
      return;
    }
    const seconds = Math.round((options.clock.now() - started) / 1000);
    if (read >= due) {
      finish(`first collection: all ${due} meters read (${seconds} s)`);
      return;
    }
    if (options.clock.now() - started >= maxMs) {
      finish(
        `first collection: ${read} of ${due} meters read after ${seconds} s; the reading page lists the others`,
      );
      return;
    }
    const line = `first collection: ${read} of ${due} meters read (${Math.floor((100 * read) / due)} %)`;
    if (options.tty) {
      options.write(`\r${line}`);
      shown = true;
    } else {
      const quarter = Math.floor((4 * read) / due);
      if (quarter !== lastQuarter) options.write(`${line}\n`);
      lastQuarter = quarter;
    }
    timer = options.clock.setTimer(interval, tick);
  };
  timer = options.clock.setTimer(0, tick);
  return () => {
    timer?.cancel();
    timer = undefined;
  };
}
