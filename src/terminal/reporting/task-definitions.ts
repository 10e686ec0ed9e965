/**
 * The timed tasks as the master defined them (AFN04 F65 class 1 / F66 class 2, started or stopped by F67 /
 * F68; shared/protocol/gw1376-1.md §3.5 [M], §4.3), and the AFN0C / AFN0D request a task stands for at a
 * given due time. Shared by the scheduler that reports tasks (report-tasks.ts) and by AFN0B, where the master
 * pulls a task's data (handlers/afn0b-task-data.ts): both answer the same synthetic request with the same
 * data handlers, so a pulled task and a reported task carry the same data.
 *
 * Class-2 time labels [L]: daily items (Td_d) name the day before the due time (the last complete daily
 * freeze), monthly items (Td_m) the month before; curve items (Td_c) the window of one period ending at the
 * due time, at 15-minute density (at most 96 points), thinned by the curve ratio R to 30 or 60 minutes.
 */
import type { Logger } from "../../common/logger.ts";
import { fnsFromDt, pnsFromDa } from "../../protocol/gw1376-1/dadt.ts";
import type { DataItem, DataUnitGroup } from "../../protocol/gw1376-1/data-units.ts";
import { findFnRow } from "../../protocol/gw1376-1/fn-table.ts";
import { FORMATS } from "../../protocol/gw1376-1/formats.ts";
import type { Record_ } from "../../protocol/gw1376-1/layout.ts";
import type { Message } from "../../protocol/gw1376-1/message.ts";
import { fromLocalParts, localParts } from "../../store/calendar.ts";
import type { ReportKind } from "../../store/outbox-repo.ts";
import { encodeA15, parseA1Text } from "../local-time.ts";
import type { TerminalCore } from "../terminal-core.ts";
import { type PeriodUnit, periodMinutes, type TaskPeriod } from "./report-schedule.ts";

const MINUTE = 60_000;
/** F67 / F68 control byte: start; 0xAA (or anything else) is stopped. */
const START = 0x55;
const CURVE_STEP_MINUTES = 15;
const MAX_CURVE_POINTS = 96;

/** Class 1 → AFN0C with F65/F67, class 2 → AFN0D with F66/F68. */
export const TASK_CLASSES = [
  { cls: 1, afn: 0x0c, taskFn: 65, switchFn: 67, kind: "class1" },
  { cls: 2, afn: 0x0d, taskFn: 66, switchFn: 68, kind: "class2" },
] as const;

export type TaskClass = (typeof TASK_CLASSES)[number]["cls"];

export interface ReportTask {
  readonly cls: TaskClass;
  readonly task: number;
  readonly afn: number;
  readonly kind: ReportKind;
  readonly period: TaskPeriod;
  readonly baseMs: number;
  readonly curveRatio: number;
  readonly units: readonly DataUnitGroup[];
  /** F67 / F68 says 0x55 (start). */
  readonly started: boolean;
  /** Changes whenever the master sets the task or its start/stop again. */
  readonly version: string;
}

/** Own address, for the synthetic request's header. */
export interface TaskIdentity {
  readonly area: string;
  readonly terminal: number;
}

/**
 * Task `task` of class `cls` as F65/F66 defines it, started or not; undefined when it is not defined (or its
 * stored definition has no usable period or base time, which is logged).
 */
export function readTask(
  core: TerminalCore,
  cls: TaskClass,
  task: number,
  logger?: Logger,
): ReportTask | undefined {
  const c = TASK_CLASSES.find((k) => k.cls === cls);
  if (c === undefined || !Number.isInteger(task) || task < 1) return undefined;
  const stored = core.store.parameters.get(c.taskFn, task);
  if (stored === undefined) return undefined;
  return parseTask(core, c, task, stored.decoded, stored.setAt, logger);
}

/** Every defined task, started or not, in class then task order. */
export function definedTasks(core: TerminalCore, logger?: Logger): ReportTask[] {
  const out: ReportTask[] = [];
  for (const c of TASK_CLASSES) {
    for (const stored of core.store.parameters.listFn(c.taskFn)) {
      const task = parseTask(core, c, stored.pn, stored.decoded, stored.setAt, logger);
      if (task !== undefined) out.push(task);
    }
  }
  return out;
}

/** The AFN0C/AFN0D request the master would send for this task's DA/DT at `due`. */
export function taskRequest(
  task: ReportTask,
  due: number,
  identity: TaskIdentity,
  utcOffsetMinutes: number,
): Message {
  const groups = task.units.map((group) => {
    const items: DataItem[] = [];
    for (const pn of group.pns)
      for (const fn of group.fns) items.push({ pn, fn, data: requestBody(task, fn, due, utcOffsetMinutes) });
    return { pns: group.pns, fns: group.fns, items };
  });
  return {
    pid: 2,
    control: { dir: 0, prm: 1, fcbAcd: 0, fcv: 0, fc: 11 },
    address: { area: identity.area, terminal: identity.terminal, master: 0, group: false },
    afn: task.afn,
    seq: { tpv: false, fir: true, fin: true, con: false, seq: 0 },
    groups,
  };
}

/** Class 1: no body. Class 2: the time label the Fn's request layout asks for (see the file comment). */
function requestBody(task: ReportTask, fn: number, due: number, offset: number): Record_ {
  if (task.afn !== 0x0d) return {};
  const names = (findFnRow(0x0d, fn)?.down ?? []).map((f) => f.name);
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

function parseTask(
  core: TerminalCore,
  c: (typeof TASK_CLASSES)[number],
  task: number,
  decoded: unknown,
  setAt: number,
  logger: Logger | undefined,
): ReportTask | undefined {
  const v = decoded as {
    period?: { unit?: unknown; value?: unknown };
    baseTime?: { time?: unknown };
    curveRatio?: unknown;
    items?: { da?: unknown; dt?: unknown }[];
  };
  const unit = v.period?.unit;
  const value = v.period?.value;
  const baseMs = parseA1Text(v.baseTime?.time, core.utcOffsetMinutes);
  if (typeof unit !== "number" || typeof value !== "number" || value < 1 || baseMs === undefined) {
    logger?.warn({ fn: c.taskFn, task }, "report task ignored: no usable period or base time");
    return undefined;
  }
  const units: DataUnitGroup[] = [];
  for (const entry of Array.isArray(v.items) ? v.items : []) {
    const da = hexBytes(entry?.da);
    const dt = hexBytes(entry?.dt);
    if (da === undefined || dt === undefined) continue;
    const pns = pnsFromDa(da[0] as number, da[1] as number);
    const fns = fnsFromDt(dt[0] as number, dt[1] as number);
    if (pns.length > 0 && fns.length > 0) units.push({ pns, fns, items: [] });
  }
  const control = core.store.parameters.get(c.switchFn, task);
  return {
    cls: c.cls,
    task,
    afn: c.afn,
    kind: c.kind,
    period: { unit: unit as PeriodUnit, value },
    baseMs,
    curveRatio: typeof v.curveRatio === "number" ? v.curveRatio : 1,
    units,
    started: (control?.decoded as { control?: unknown } | undefined)?.control === START,
    version: `${setAt}/${control?.setAt}`,
  };
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
