/**
 * Client mode (AFN04 F8 D5..D4 = 1, shared/protocol/gw1376-1.md §3.1–§3.2): the terminal dials the master,
 * logs in (AFN02 F1), sends heartbeats (F3) every AFN04 F1 period — restarted by any valid frame from the
 * master — and logs out (F2) before an orderly close. Three unconfirmed logins or heartbeats in a row close
 * the socket (NUC hard-codes 3 [M]); the next dial waits a jittered exponential back-off.
 *
 * Masters (AFN04 F3 main, then backup): a failed connect or login moves to the next address; after a link
 * that was online drops, dialling starts again at the main master. `retarget` applies new addresses and
 * back-off at run time; `refreshTimings` re-arms the heartbeat after AFN04 F1 changed.
 */
import type { Clock, TimerHandle } from "../common/clock.ts";
import type { Logger } from "../common/logger.ts";
import { FORMATS } from "../protocol/gw1376-1/formats.ts";
import { type Message, messageItems } from "../protocol/gw1376-1/message.ts";
import { type Gw13761Profile, PROFILE_2013 } from "../protocol/gw1376-1/profile.ts";
import { encodeA1 } from "../terminal/local-time.ts";
import { connectTcp } from "../transport/tcp.ts";
import { type BackoffOptions, backoffDelay } from "./backoff.ts";
import { type Endpoint, sameEndpoint, sameEndpoints } from "./link-plan.ts";
import { LinkSession, type LinkSessionOptions } from "./link-session.ts";

/** Link frames are PRM=1 with function code 9 "link test" (§1.3). */
const FC_LINK_TEST = 9;
const MAX_UNCONFIRMED = 3;
/** An orderly stop waits at most this long for the master to confirm the logout. */
export const LOGOUT_WAIT_MS = 2000;

export interface UplinkTimings {
  /** Heartbeat period (AFN04 F1 byte 5, minutes; 0 treated as 1). */
  heartbeatMs(): number;
  /** Wait for the master's AFN00 (AFN04 F1 D11..D0 seconds, clamped). */
  confirmTimeoutMs(): number;
}

export interface UplinkClientOptions
  extends Omit<LinkSessionOptions, "stream" | "logger" | "onResponse" | "onValidFrame"> {
  /** Masters to dial, main first (AFN04 F3 or the start-up file); must not be empty. */
  readonly masters: readonly Endpoint[];
  readonly logger: Logger;
  readonly timings: UplinkTimings;
  readonly backoff?: BackoffOptions;
  /** Longest wait for the logout confirm on stop (default LOGOUT_WAIT_MS). */
  readonly logoutWaitMs?: number;
  readonly connectTimeoutMs?: number;
  readonly onSessionEnd?: (session: LinkSession) => void;
  /** The master confirmed the login: the link may now carry active reports (§3.2: not before). */
  readonly onOnline?: (session: LinkSession) => void;
}

type LinkState = "connecting" | "logging-in" | "online" | "closed";

export class UplinkClient {
  readonly #o: UplinkClientOptions;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #profile: Gw13761Profile;
  #state: LinkState = "connecting";
  #session: LinkSession | undefined;
  #attempt = 0;
  #unconfirmed = 0;
  #waiting:
    | {
        pseq: number;
        kind: "login" | "heartbeat" | "logout";
        timer: TimerHandle;
        done: (ok: boolean) => void;
      }
    | undefined;
  #heartbeatTimer: TimerHandle | undefined;
  #redialTimer: TimerHandle | undefined;
  #stopped = false;
  #dialling = false;
  /** The link is being closed to move to another master: dial again at once instead of backing off. */
  #redialNow = false;
  #masters: readonly Endpoint[];
  #backoff: BackoffOptions;
  #masterIndex = 0;
  /** The master the current link goes to. */
  #target: Endpoint | undefined;
  /** Successful logins since start (for tests and status). */
  logins = 0;
  heartbeatsConfirmed = 0;

  constructor(options: UplinkClientOptions) {
    this.#o = options;
    this.#clock = options.clock;
    this.#profile = options.profile ?? PROFILE_2013;
    this.#logger = options.logger.child({ module: "uplink", mode: "client" });
    this.#masters = options.masters;
    this.#backoff = options.backoff ?? { initialMs: 1000, maxMs: 300_000 };
  }

  get state(): LinkState {
    return this.#state;
  }

  /** The master of the current (or last attempted) link. */
  get master(): Endpoint | undefined {
    return this.#target;
  }

  get masters(): readonly Endpoint[] {
    return this.#masters;
  }

  /**
   * New master addresses / back-off (AFN04 F3 / F8 changed). A link to a master no longer listed is logged
   * out and closed, and the new main master is dialled at once; a pending redial is brought forward.
   */
  async retarget(masters: readonly Endpoint[], backoff: BackoffOptions): Promise<void> {
    this.#backoff = backoff;
    if (masters.length === 0 || sameEndpoints(masters, this.#masters)) return;
    this.#masters = masters;
    this.#masterIndex = 0;
    this.#attempt = 0;
    if (this.#stopped) return;
    const stillListed = masters.some((m) => sameEndpoint(m, this.#target));
    if (this.#session !== undefined && stillListed) return;
    this.#logger.info({ masters }, "master addresses changed: reconnecting");
    this.#redialTimer?.cancel();
    this.#redialTimer = undefined;
    const session = this.#session;
    if (session === undefined) {
      if (this.#state === "connecting" && !this.#dialling) void this.#dial();
      return;
    }
    this.#redialNow = true;
    await this.#logout(session);
    await session.close();
  }

  /** AFN04 F1 changed: the heartbeat period applies from now, not from the next beat. */
  refreshTimings(): void {
    if (this.#state === "online" && this.#waiting === undefined) this.#armHeartbeat();
  }

  start(): void {
    void this.#dial();
  }

  async #dial(): Promise<void> {
    if (this.#stopped || this.#dialling) return;
    this.#state = "connecting";
    const target = this.#masters[this.#masterIndex % this.#masters.length] as Endpoint;
    this.#target = target;
    let stream: Awaited<ReturnType<typeof connectTcp>>;
    this.#dialling = true;
    try {
      stream = await connectTcp(target.host, target.port, this.#o.connectTimeoutMs ?? 10_000);
    } catch (error) {
      this.#logger.warn({ master: target, error: String(error) }, "connect failed");
      this.#nextMaster();
      this.#scheduleRedial();
      return;
    } finally {
      this.#dialling = false;
    }
    if (this.#stopped || !this.#masters.some((m) => sameEndpoint(m, target))) {
      // Stopped, or retargeted while this connect was under way: not this master any more.
      await stream.close();
      if (!this.#stopped) void this.#dial();
      return;
    }
    this.#logger.info({ master: target }, "connected to master");
    const session = new LinkSession({
      ...this.#o,
      stream,
      logger: this.#logger,
      onResponse: (m) => this.#onResponse(m),
      onValidFrame: () => {
        if (this.#state === "online") this.#armHeartbeat();
      },
    });
    this.#session = session;
    void stream.closed.then(() => this.#onClosed(session));
    this.#unconfirmed = 0;
    this.#state = "logging-in";
    this.#login();
  }

  #login(): void {
    this.#send("login", 1, {}, (ok) => {
      if (ok) {
        this.#state = "online";
        this.#attempt = 0;
        this.#unconfirmed = 0;
        this.logins++;
        this.#logger.info({}, "logged in");
        this.#armHeartbeat();
        if (this.#session !== undefined) this.#o.onOnline?.(this.#session);
      } else if (++this.#unconfirmed >= MAX_UNCONFIRMED) {
        this.#logger.warn({ tries: this.#unconfirmed }, "login not confirmed; reconnecting");
        this.#nextMaster();
        void this.#session?.close();
      } else {
        this.#login();
      }
    });
  }

  #armHeartbeat(): void {
    this.#heartbeatTimer?.cancel();
    this.#heartbeatTimer = this.#clock.setTimer(this.#o.timings.heartbeatMs(), () => this.#heartbeat());
  }

  #heartbeat(): void {
    this.#heartbeatTimer = undefined;
    if (this.#state !== "online" || this.#waiting !== undefined) {
      this.#armHeartbeat();
      return;
    }
    const clock = this.#profile.heartbeatClock
      ? (FORMATS["A.1"].decode(encodeA1(this.#clock.now(), this.#o.utcOffsetMinutes)) ?? null)
      : null;
    this.#send("heartbeat", 3, { clock }, (ok) => {
      if (ok) {
        this.#unconfirmed = 0;
        this.heartbeatsConfirmed++;
      } else if (++this.#unconfirmed >= MAX_UNCONFIRMED) {
        this.#logger.warn({ tries: this.#unconfirmed }, "heartbeat not confirmed; reconnecting");
        void this.#session?.close();
        return;
      }
      this.#armHeartbeat();
    });
  }

  #send(
    kind: "login" | "heartbeat" | "logout",
    fn: number,
    data: Record<string, unknown>,
    done: (ok: boolean) => void,
    timeoutMs = this.#o.timings.confirmTimeoutMs(),
  ): void {
    const session = this.#session;
    if (session === undefined) {
      done(false);
      return;
    }
    const { pseq } = session.sendInitiated(0x02, FC_LINK_TEST, [{ pn: 0, fn, data: data as never }], true);
    const timer = this.#clock.setTimer(timeoutMs, () => {
      if (this.#waiting?.pseq !== pseq) return;
      this.#waiting = undefined;
      this.#logger.warn({ kind, pseq }, "no confirm from master");
      done(false);
    });
    this.#waiting = { pseq, kind, timer, done };
    this.#logger.debug({ kind, pseq }, "link frame sent");
  }

  /** §3.2: AFN00 F1 (confirm all) or F3 with every ERR = 0 confirms; F2 or ERR ≠ 0 rejects. */
  #onResponse(message: Message): void {
    const waiting = this.#waiting;
    if (message.afn !== 0x00 || waiting === undefined || message.seq.seq !== waiting.pseq) return;
    const items = messageItems(message);
    const confirmed =
      items.length > 0 &&
      items.every((item) => {
        if (item.fn === 1) return true;
        if (item.fn !== 3) return false;
        const units = (item.data as { units?: { err?: unknown }[] }).units ?? [];
        return units.every((u) => u.err === 0);
      });
    waiting.timer.cancel();
    this.#waiting = undefined;
    if (!confirmed) this.#logger.warn({ kind: waiting.kind }, "master refused");
    waiting.done(confirmed);
  }

  #onClosed(session: LinkSession): void {
    if (this.#session !== session) return;
    this.#session = undefined;
    const wasOnline = this.#state === "online";
    this.#heartbeatTimer?.cancel();
    this.#heartbeatTimer = undefined;
    this.#waiting?.timer.cancel();
    this.#waiting = undefined;
    this.#logger.info({ ...session.counters }, "disconnected from master");
    this.#o.onSessionEnd?.(session);
    // A link that was up starts again at the main master; a failed login already moved to the next one.
    if (wasOnline) this.#masterIndex = 0;
    if (this.#redialNow) {
      this.#redialNow = false;
      this.#state = "connecting";
      void this.#dial();
      return;
    }
    this.#scheduleRedial();
  }

  #nextMaster(): void {
    this.#masterIndex = (this.#masterIndex + 1) % Math.max(1, this.#masters.length);
  }

  #scheduleRedial(): void {
    if (this.#stopped) {
      this.#state = "closed";
      return;
    }
    this.#state = "connecting";
    const delay = backoffDelay(this.#attempt++, this.#backoff);
    this.#logger.info({ delayMs: delay, attempt: this.#attempt }, "redial scheduled");
    this.#redialTimer = this.#clock.setTimer(delay, () => void this.#dial());
  }

  /** Orderly stop: logout (waits for the confirm at most `logoutWaitMs`), then close. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#redialTimer?.cancel();
    const session = this.#session;
    if (session !== undefined) await this.#logout(session);
    this.#state = "closed";
    await session?.close();
  }

  /** Sends F2 logout on an online link and waits for the confirm, at most `logoutWaitMs`. */
  async #logout(session: LinkSession): Promise<void> {
    // One budget for the whole goodbye: answers still owed on this link (e.g. the confirm of the AFN04 that
    // caused this; a live read may be under way) go out first, then the logout waits for its confirm.
    const budgetMs = Math.min(this.#o.logoutWaitMs ?? LOGOUT_WAIT_MS, this.#o.timings.confirmTimeoutMs());
    const start = this.#clock.now();
    let timer: TimerHandle | undefined;
    await Promise.race([
      session.drained(),
      new Promise<void>((resolve) => {
        timer = this.#clock.setTimer(budgetMs, resolve);
      }),
    ]);
    timer?.cancel();
    this.#heartbeatTimer?.cancel();
    this.#heartbeatTimer = undefined;
    if (this.#state !== "online" || this.#session !== session) return;
    this.#waiting?.timer.cancel();
    this.#waiting = undefined;
    const left = Math.max(0, budgetMs - (this.#clock.now() - start));
    await new Promise<void>((resolve) => this.#send("logout", 2, {}, () => resolve(), left));
  }
}
