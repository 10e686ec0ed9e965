/**
 * AFN0B request task data (shared/protocol/gw1376-1.md §4.11 [L]): F1 pulls class-1 task pn, F2 class-2 task
 * pn, where pn is the task number of AFN04 F65 / F66. The answer is what the timed report of that task would
 * carry: the task's AFN0C / AFN0D request at its latest due time (now, before its base time), answered by the
 * same data handlers (reporting/task-definitions.ts builds the request for both).
 *
 * Decisions [L] (the reference names the function, not its behaviour):
 * - The answer frame carries AFN 0C (F1) or 0D (F2), FC 8: the units are class-1 / class-2 units and only
 *   the AFN tells a master which table to decode them with (protocol/gw1376-1/afn0b.ts).
 * - A task that is not defined (no F65 / F66 for pn), pn 0, "all points" or a number no task can have → no
 *   answer for that item; nothing left → AFN00 F2 deny. A defined but stopped task (F67 / F68 = 0xAA) is still
 *   answered: pulling is the master's own request, not an active report.
 * - One request mixing F1 and F2 is denied: one reply frame carries one AFN.
 */
import { ALL_POINTS } from "../../protocol/gw1376-1/dadt.ts";
import type { DataItem } from "../../protocol/gw1376-1/data-units.ts";
import { messageItems } from "../../protocol/gw1376-1/message.ts";
import { latestDue } from "../reporting/report-schedule.ts";
import { taskRequest as buildRequest, type ReportTask, readTask } from "../reporting/task-definitions.ts";
import { handleAfn0C } from "./afn0c-current-data.ts";
import { handleAfn0D } from "./afn0d-historical-data.ts";
import type { AfnHandler } from "./handler.ts";

export const AFN0B_FNS: readonly number[] = [1, 2];

export const handleAfn0B: AfnHandler = async (context) => {
  const { core, items, request, logger } = context;
  const tasks: ReportTask[] = [];
  for (const item of items) {
    if (item.raw !== undefined || (item.fn !== 1 && item.fn !== 2)) continue;
    if (item.pn < 1 || item.pn === ALL_POINTS) continue;
    const task = readTask(core, item.fn, item.pn, logger);
    if (task !== undefined && !tasks.some((t) => t.cls === task.cls && t.task === task.task))
      tasks.push(task);
  }
  const first = tasks[0];
  if (first === undefined) return { kind: "deny", reason: "no such task" };
  if (tasks.some((t) => t.cls !== first.cls)) return { kind: "deny", reason: "F1 and F2 in one request" };

  const now = core.clock.now();
  const answers: DataItem[] = [];
  for (const task of tasks) {
    const due = latestDue(task.baseMs, task.period, now, core.utcOffsetMinutes) ?? now;
    const own = { area: request.address.area, terminal: request.address.terminal };
    const taskRequest = buildRequest(task, due, own, core.utcOffsetMinutes);
    const handle = task.cls === 1 ? handleAfn0C : handleAfn0D;
    const reply = await handle({ ...context, request: taskRequest, items: messageItems(taskRequest) });
    if (reply.kind === "data") answers.push(...reply.items);
  }
  return { kind: "data", afn: first.afn, items: answers };
};
