/**
 * Wires active reporting into the daemon (shared/protocol/gw1376-1.md §3.5):
 *
 *   EventRecorder ──important event──► event-reports ──┐
 *   report-tasks (AFN04 F65–F68, clock) ──────────────┼──► outbox (SQLite) ──► ActiveReporter ──► links
 *                                                      │                          ▲
 *   AFN05 F29/F37 + traffic gate ──────────────────────┴──────── allowed? ────────┘
 *
 * Link rules come from AFN04 F1 at each use: confirm timeout (daemon/uplink-timings.ts), resend count
 * (D13..D12; factory default 3 when F1 was never set, LIM/NUC), which classes need a confirm (byte 4; all of
 * them when F1 was never set, so that nothing is dropped unconfirmed by default).
 */
import type { Logger } from "../common/logger.ts";
import type { OutboxEntry } from "../store/outbox-repo.ts";
import { markImportantRead } from "../terminal/handlers/afn0e-read-pointer.ts";
import { queueImportantEventReports } from "../terminal/reporting/event-reports.ts";
import { type ReportTaskOptions, ReportTaskScheduler } from "../terminal/reporting/report-tasks.ts";
import { activeReportingAllowed } from "../terminal/reporting/reporting-switch.ts";
import type { TerminalCore } from "../terminal/terminal-core.ts";
import {
  ActiveReporter,
  type ReportClass,
  type ReportGate,
  type ReportPolicy,
} from "../uplink/active-reporter.ts";
import type { LinkSession } from "../uplink/link-session.ts";
import type { DaemonConfig } from "./config.ts";
import { uplinkTimings } from "./uplink-timings.ts";

/** Factory resend count (LIM/NUC defaults, shared/protocol/gw1376-1.md §3.2). */
const DEFAULT_RESENDS = 3;
const CONFIRM_BIT: Readonly<Record<ReportClass, number>> = { class1: 0x01, class2: 0x02, event: 0x04 };

interface F1Value {
  response?: { resends?: unknown };
  confirmFlags?: unknown;
}

export interface ReportingDependencies {
  readonly core: TerminalCore;
  readonly config: DaemonConfig;
  readonly logger: Logger;
}

export interface Reporting {
  readonly reporter: ActiveReporter<OutboxEntry>;
  /** The timed report tasks, once started. */
  readonly tasks: ReportTaskScheduler | undefined;
  /** A link that may carry reports: a logged-in client link or a master's server-mode connection. */
  attach(session: LinkSession, role: "client" | "server"): void;
  /** A further hold on sending, e.g. the monthly traffic limit (uplink/flow-control.ts). */
  addGate(gate: ReportGate): void;
  /** Starts the timed report tasks (AFN04 F65–F68), answered by `handle` (the dispatcher). */
  startTasks(
    handle: ReportTaskOptions["handle"],
    identity: ReportTaskOptions["identity"],
  ): ReportTaskScheduler;
  close(): void;
}

/** Starts reporting; call before `core.start()` so that start-up events (ERC1, ERC14) are reported too. */
export function startReporting(deps: ReportingDependencies): Reporting {
  const { core, config } = deps;
  const logger = deps.logger.child({ module: "reporting" });
  const timings = uplinkTimings(core, config);
  const f1 = (): F1Value | undefined => core.parameters.getDecoded(1, 0) as F1Value | undefined;
  const allowedByMaster = () => activeReportingAllowed(core.store, config.reporting.allowedByDefault);

  const gates: ReportGate[] = [];
  const policy: ReportPolicy = {
    confirmTimeoutMs: () => timings.confirmTimeoutMs(),
    resends() {
      const n = f1()?.response?.resends;
      return typeof n === "number" ? n : DEFAULT_RESENDS;
    },
    needsConfirm(kind) {
      const flags = f1()?.confirmFlags;
      return typeof flags === "number" ? (flags & CONFIRM_BIT[kind]) !== 0 : true;
    },
    retryPauseMs: () => config.reporting.retryPauseMs,
  };

  const reporter = new ActiveReporter({
    outbox: core.store.outbox,
    policy,
    gate: { reportsAllowed: () => allowedByMaster() && gates.every((g) => g.reportsAllowed()) },
    clock: core.clock,
    logger,
    onDelivered(report) {
      // The master now has this event: it counts as read for ACD/EC (§3.5).
      const slot = report.eventSlot;
      if (report.kind === "event" && slot !== undefined)
        markImportantRead(core.store, slot, (slot + 1) % 256);
    },
  });

  const stopEvents = queueImportantEventReports(core, {
    allowed: allowedByMaster,
    outboxMax: config.reporting.outboxMax,
    onQueued: () => reporter.kick(),
    logger,
  });

  let tasks: ReportTaskScheduler | undefined;
  return {
    reporter,
    get tasks() {
      return tasks;
    },
    attach: (session, role) => reporter.attach(session, role),
    addGate: (gate) => gates.push(gate),
    startTasks(handle, identity) {
      tasks?.stop();
      tasks = new ReportTaskScheduler({
        core,
        handle,
        identity,
        allowed: allowedByMaster,
        outboxMax: config.reporting.outboxMax,
        onQueued: () => reporter.kick(),
        logger,
      });
      tasks.start();
      return tasks;
    },
    close() {
      tasks?.stop();
      stopEvents();
      reporter.close();
    },
  };
}
