/**
 * Active reporting (shared/protocol/gw1376-1.md §3.5 [M-H]): sends the outbox's reports to the master one at
 * a time as terminal-initiated frames (PRM=1, MSA=0) and deletes each only once the master has answered it.
 *
 *   outbox (SQLite) ──next()──► ActiveReporter ──sendInitiatedUnits()──► LinkSession (the chosen link)
 *        ▲    ◄──── remove() on the master's AFN00 ◄──── onMasterResponse() ◄───────┘
 *        └── event reports, timed-task reports (terminal/reporting/)
 *
 * - CON=1 with FC 10 when AFN04 F1 byte 4 asks for confirmation of the report's class, else CON=0 with FC 4
 *   (such a report is deleted once written to the socket: nothing will confirm it).
 * - The wait for the confirm is the AFN04 F1 timeout; up to the F1 resend count retransmissions follow, with
 *   the same PSEQ (§2.2: a retransmission does not advance the PFC). When they are used up the report stays
 *   in the outbox, the link is marked silent, and the reporter tries another link at once or waits
 *   `retryPauseMs`. NUC gives up at that point and lets the master find the event through EC; we keep it,
 *   so nothing is lost (the outbox's cap bounds what is kept).
 * - AFN00 F1 (or F3 with every ERR 0) confirms; F2 (or an F3 with an error) is the master refusing the report:
 *   it is deleted as well (resending would be refused again) and counted.
 * - Routing (our choice; the reference does not say): the client-mode link once the master has confirmed the
 *   login; otherwise the newest server-mode connection that has not proven silent, else the newest. Newest
 *   first because an older connection is more likely half-open. One report is in flight at a time
 *   (stop-and-wait), so reports arrive in outbox order.
 * - Delivery is at least once: a report confirmed just before a crash may be sent again after the restart.
 */
import type { Clock, TimerHandle } from "../common/clock.ts";
import type { Logger } from "../common/logger.ts";
import { type Message, messageItems } from "../protocol/gw1376-1/message.ts";
import type { LinkSession } from "./link-session.ts";

/** Function codes of terminal-initiated user data (§1.3): 10 when a confirmation is asked, 4 when not. */
const FC_CONFIRMED = 10;
const FC_UNCONFIRMED = 4;

export type ReportClass = "event" | "class1" | "class2";

/** A report waiting in the outbox: the data units of one frame. */
export interface PendingReport {
  readonly id: number;
  readonly kind: ReportClass;
  readonly afn: number;
  readonly units: Uint8Array;
}

/** The durable queue (store/outbox-repo.ts). */
export interface ReportOutbox<R extends PendingReport = PendingReport> {
  next(): R | undefined;
  recordAttempt(id: number, at: number): void;
  remove(id: number): boolean;
}

/** Link rules that come from AFN04 F1 (daemon/reporting.ts reads them at each use). */
export interface ReportPolicy {
  confirmTimeoutMs(): number;
  /** Retransmissions after the first send (F1 D13..D12, 0..3). */
  resends(): number;
  /** F1 byte 4: D0 class-1, D1 class-2, D2 events need confirmation. */
  needsConfirm(kind: ReportClass): boolean;
  /** Wait before trying again when every link left a report unconfirmed, or reporting is held. */
  retryPauseMs(): number;
}

/** Whether active reports may go out now (AFN05 F29/F37, the monthly traffic limit …). */
export interface ReportGate {
  reportsAllowed(): boolean;
}

export interface ActiveReporterOptions<R extends PendingReport> {
  readonly outbox: ReportOutbox<R>;
  readonly policy: ReportPolicy;
  readonly gate: ReportGate;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Called after the master confirmed a report (or it was written without needing a confirm). */
  readonly onDelivered?: (report: R) => void;
}

export interface ReporterCounters {
  /** First transmissions. */
  sent: number;
  resent: number;
  confirmed: number;
  /** Reports that needed no confirm, deleted once written. */
  deliveredUnconfirmed: number;
  /** Reports the master answered with a deny (deleted). */
  refused: number;
  /** Times the resends ran out without a confirm (the report stayed in the outbox). */
  unconfirmed: number;
  /** Reports that could not be framed (deleted; should never happen). */
  unsendable: number;
}

type Role = "client" | "server";

interface Route {
  readonly session: LinkSession;
  readonly role: Role;
  readonly order: number;
  /** Left a report unconfirmed through all its resends. */
  silent: boolean;
  unsubscribe: () => void;
}

interface InFlight<R> {
  readonly report: R;
  readonly route: Route;
  /** PSEQ of the first transmission (retransmissions repeat it). */
  pseq: number;
  readonly con: boolean;
  resendsLeft: number;
  timer: TimerHandle | undefined;
}

export class ActiveReporter<R extends PendingReport = PendingReport> {
  readonly counters: ReporterCounters = {
    sent: 0,
    resent: 0,
    confirmed: 0,
    deliveredUnconfirmed: 0,
    refused: 0,
    unconfirmed: 0,
    unsendable: 0,
  };
  readonly #o: ActiveReporterOptions<R>;
  readonly #logger: Logger;
  readonly #routes: Route[] = [];
  #inFlight: InFlight<R> | undefined;
  #pause: TimerHandle | undefined;
  #order = 0;
  #closed = false;

  constructor(options: ActiveReporterOptions<R>) {
    this.#o = options;
    this.#logger = options.logger.child({ module: "reporter" });
  }

  /** Links that can carry reports now. */
  get links(): number {
    return this.#routes.length;
  }

  /** Outbox id of the report waiting for its confirm, if any. */
  get inFlightId(): number | undefined {
    return this.#inFlight?.report.id;
  }

  /**
   * A link that may carry reports from now on (a logged-in client link, or a master's connection in server
   * mode). It is dropped when its stream closes.
   */
  attach(session: LinkSession, role: Role): void {
    if (this.#closed || !session.stream.isOpen) return;
    const route: Route = { session, role, order: this.#order++, silent: false, unsubscribe: () => undefined };
    route.unsubscribe = session.onMasterResponse((message) => this.#onResponse(route, message));
    this.#routes.push(route);
    void session.stream.closed.then(() => this.#detach(route));
    this.#logger.info({ role, peer: session.stream.label }, "link available for active reports");
    // A new link may be the one that confirms: no need to sit out a pause meant for silent links.
    this.#pause?.cancel();
    this.#pause = undefined;
    this.kick();
  }

  /** Something may be sendable now (a new report, reporting allowed again). Never throws. */
  kick(): void {
    try {
      this.#pump();
    } catch (error) {
      this.#logger.error({ error: String(error) }, "active reporting failed; retrying later");
      this.#pauseThenRetry();
    }
  }

  close(): void {
    this.#closed = true;
    this.#pause?.cancel();
    this.#inFlight?.timer?.cancel();
    this.#inFlight = undefined;
    for (const route of this.#routes) route.unsubscribe();
    this.#routes.length = 0;
  }

  #pump(): void {
    if (this.#closed || this.#inFlight !== undefined || this.#pause !== undefined) return;
    const route = this.#choose();
    if (route === undefined) return;
    if (!this.#o.gate.reportsAllowed()) {
      // Held (forbidden, traffic limit): look again later; the reports wait in the outbox.
      if (this.#o.outbox.next() !== undefined) this.#pauseThenRetry();
      return;
    }
    const report = this.#o.outbox.next();
    if (report === undefined) return;
    const con = this.#o.policy.needsConfirm(report.kind);
    const resendsLeft = this.#o.policy.resends();
    this.#transmit({ report, route, pseq: -1, con, resendsLeft, timer: undefined }, undefined);
  }

  /** First transmission (`repeatPseq` undefined) or a retransmission of `flight`. */
  #transmit(flight: InFlight<R>, repeatPseq: number | undefined): void {
    const { report, route, con } = flight;
    let sending: { pseq: number; sent: Promise<boolean> };
    try {
      sending = route.session.sendInitiatedUnits(
        report.afn,
        con ? FC_CONFIRMED : FC_UNCONFIRMED,
        report.units,
        con,
        repeatPseq,
      );
    } catch (error) {
      // Bytes that cannot be framed would block the outbox for ever: drop them, loudly.
      this.counters.unsendable++;
      this.#o.outbox.remove(report.id);
      this.#logger.error({ id: report.id, error: String(error) }, "active report cannot be framed; deleted");
      this.#inFlight = undefined;
      this.kick();
      return;
    }
    try {
      this.#o.outbox.recordAttempt(report.id, this.#o.clock.now());
    } catch (error) {
      // Only bookkeeping: the report itself is safe in the outbox; never let it stop the link's timers.
      this.#logger.warn({ id: report.id, error: String(error) }, "report attempt not recorded");
    }
    flight.pseq = sending.pseq;
    this.#inFlight = flight;
    if (repeatPseq === undefined) this.counters.sent++;
    else this.counters.resent++;
    this.#logger.info(
      { id: report.id, kind: report.kind, pseq: sending.pseq, con, retransmission: repeatPseq !== undefined },
      "active report sent",
    );
    if (con) {
      flight.timer = this.#o.clock.setTimer(this.#o.policy.confirmTimeoutMs(), () => this.#onTimeout(flight));
      return;
    }
    void sending.sent.then((written) => {
      if (this.#inFlight !== flight) return;
      this.#inFlight = undefined;
      if (written) {
        try {
          this.#o.outbox.remove(report.id);
        } catch (error) {
          this.#logger.error({ id: report.id, error: String(error) }, "written report not deleted");
        }
        this.counters.deliveredUnconfirmed++;
        this.#delivered(report);
        this.kick();
      } else {
        this.#pauseThenRetry();
      }
    });
  }

  #onTimeout(flight: InFlight<R>): void {
    if (this.#inFlight !== flight || this.#closed) return;
    if (flight.resendsLeft > 0) {
      flight.resendsLeft--;
      this.#transmit(flight, flight.pseq);
      return;
    }
    this.#inFlight = undefined;
    flight.route.silent = true;
    this.counters.unconfirmed++;
    this.#logger.warn(
      { id: flight.report.id, peer: flight.route.session.stream.label },
      "active report not confirmed; kept in the outbox",
    );
    const other = this.#choose();
    if (other !== undefined && !other.silent) this.kick();
    else this.#pauseThenRetry();
  }

  #onResponse(route: Route, message: Message): void {
    const flight = this.#inFlight;
    if (flight === undefined || flight.route !== route || message.afn !== 0x00) return;
    if (message.seq.seq !== flight.pseq) return;
    const verdict = confirmVerdict(message);
    if (verdict === undefined) return;
    flight.timer?.cancel();
    this.#inFlight = undefined;
    route.silent = false;
    try {
      this.#o.outbox.remove(flight.report.id);
    } catch (error) {
      // Still in the outbox: it will be sent again (at least once), which is the safe side.
      this.#logger.error({ id: flight.report.id, error: String(error) }, "confirmed report not deleted");
    }
    if (verdict === "confirmed") {
      this.counters.confirmed++;
      this.#logger.info({ id: flight.report.id, pseq: flight.pseq }, "active report confirmed");
      this.#delivered(flight.report);
    } else {
      this.counters.refused++;
      this.#logger.warn({ id: flight.report.id, pseq: flight.pseq }, "active report refused by the master");
    }
    this.kick();
  }

  #delivered(report: R): void {
    try {
      this.#o.onDelivered?.(report);
    } catch (error) {
      this.#logger.error({ id: report.id, error: String(error) }, "delivery listener failed");
    }
  }

  #detach(route: Route): void {
    const at = this.#routes.indexOf(route);
    if (at < 0) return;
    this.#routes.splice(at, 1);
    route.unsubscribe();
    this.#logger.info({ role: route.role, peer: route.session.stream.label }, "link gone for active reports");
    if (this.#inFlight?.route === route) {
      // The report stays in the outbox and goes out again on the next link.
      this.#inFlight.timer?.cancel();
      this.#inFlight = undefined;
      this.kick();
    }
  }

  #choose(): Route | undefined {
    const client = this.#routes.find((r) => r.role === "client");
    if (client !== undefined) return client;
    const newestFirst = this.#routes.filter((r) => r.role === "server").sort((a, b) => b.order - a.order);
    return newestFirst.find((r) => !r.silent) ?? newestFirst[0];
  }

  #pauseThenRetry(): void {
    if (this.#closed || this.#pause !== undefined) return;
    this.#pause = this.#o.clock.setTimer(this.#o.policy.retryPauseMs(), () => {
      this.#pause = undefined;
      for (const route of this.#routes) route.silent = false;
      this.kick();
    });
  }
}

/** §3.2 rules for the master's answer: F1, or F3 with every ERR 0, confirms; F2 or an F3 error refuses. */
function confirmVerdict(message: Message): "confirmed" | "refused" | undefined {
  const items = messageItems(message);
  if (items.length === 0) return undefined;
  if (items.some((i) => i.fn === 2)) return "refused";
  const ok = items.every((item) => {
    if (item.fn === 1) return true;
    if (item.fn !== 3) return false;
    const units = (item.data as { units?: { err?: unknown }[] }).units ?? [];
    return units.every((u) => u.err === 0);
  });
  return ok ? "confirmed" : "refused";
}
