/**
 * Runs the uplink modes the link plan asks for (link-plan.ts) and follows it at run time: when the master
 * sets AFN04 F3/F7/F8 (or an initialisation clears them), `reconcile()` starts, stops, moves or retargets
 * the server and the client.
 *
 *   parameters changed ─► reconcile ─► plan ─┬─► server: start / move (F7 port) / stop
 *                                            └─► client: start / retarget (F3, F8 redial) / stop (logout)
 *
 * Order matters for reachability: what the new plan needs is started before what it drops is stopped, and
 * links are only closed after the answers already owed on them (the master's own AFN04 confirm) were
 * written. Reconciliations run one at a time; a failure to start a server at run time is logged and the
 * previous one kept, never thrown.
 */
import type { Logger } from "../common/logger.ts";
import type { BackoffOptions } from "./backoff.ts";
import { type Endpoint, type LinkPlan, sameEndpoint } from "./link-plan.ts";
import type { UplinkClient } from "./uplink-client.ts";
import type { UplinkServer } from "./uplink-server.ts";

export interface UplinkManagerOptions {
  readonly plan: () => LinkPlan;
  readonly startServer: (listen: Endpoint) => Promise<UplinkServer>;
  /** Creates (not starts) a client for these masters. */
  readonly createClient: (masters: readonly Endpoint[], backoff: BackoffOptions) => UplinkClient;
  readonly logger: Logger;
}

export class UplinkManager {
  readonly #o: UplinkManagerOptions;
  readonly #logger: Logger;
  #server: UplinkServer | undefined;
  /** The listen endpoint the server was started with (its port may be 0 = ephemeral). */
  #serverListen: Endpoint | undefined;
  #client: UplinkClient | undefined;
  #plan: LinkPlan | undefined;
  #chain: Promise<void> = Promise.resolve();
  #closed = false;
  /** Reconciliations done after the start (for tests and status). */
  reconciliations = 0;

  private constructor(options: UplinkManagerOptions) {
    this.#o = options;
    this.#logger = options.logger.child({ module: "uplink" });
  }

  /** Starts what the plan asks for; a server that cannot listen at start-up is an error (thrown). */
  static async start(options: UplinkManagerOptions): Promise<UplinkManager> {
    const manager = new UplinkManager(options);
    const plan = options.plan();
    manager.#plan = plan;
    if (plan.note !== undefined) manager.#logger.warn({ role: plan.role }, plan.note);
    if (plan.listen !== undefined) {
      const server = await options.startServer(plan.listen);
      manager.#server = server;
      manager.#serverListen = plan.listen;
      manager.#logger.info({ host: server.host, port: server.port }, "uplink listening");
    }
    if (plan.masters.length > 0) {
      manager.#client = options.createClient(plan.masters, plan.backoff);
      manager.#client.start();
    }
    return manager;
  }

  get server(): UplinkServer | undefined {
    return this.#server;
  }

  get client(): UplinkClient | undefined {
    return this.#client;
  }

  get plan(): LinkPlan | undefined {
    return this.#plan;
  }

  /** Brings the running modes in line with the current plan. Serialised; never rejects. */
  reconcile(): Promise<void> {
    const run = this.#chain.then(() => this.#reconcile());
    this.#chain = run.catch((error: unknown) => {
      this.#logger.error({ error: String(error) }, "uplink reconfiguration failed");
    });
    return this.#chain;
  }

  async #reconcile(): Promise<void> {
    // Let the request that changed the parameters finish and queue its answer first.
    await new Promise((resolve) => setImmediate(resolve));
    if (this.#closed) return;
    const plan = this.#o.plan();
    const before = this.#plan;
    this.#plan = plan;
    this.reconciliations++;
    if (plan.note !== undefined) this.#logger.warn({ role: plan.role }, plan.note);
    this.#logger.info(
      { from: before?.role, to: plan.role, listen: plan.listen, masters: plan.masters },
      "applying link parameters",
    );

    // 1. What the new plan needs.
    const serverMoves =
      this.#server !== undefined &&
      plan.listen !== undefined &&
      !sameEndpoint(plan.listen, this.#serverListen);
    if (plan.listen !== undefined && this.#server === undefined) await this.#startServer(plan.listen);
    if (plan.masters.length > 0) {
      if (this.#client === undefined) {
        this.#client = this.#o.createClient(plan.masters, plan.backoff);
        this.#client.start();
      } else {
        await this.#client.retarget(plan.masters, plan.backoff);
      }
    }

    // 2. What it drops (after the answers owed on those links were written).
    if (plan.masters.length === 0 && this.#client !== undefined) {
      const client = this.#client;
      this.#client = undefined;
      await client.stop();
    }
    if ((plan.listen === undefined || serverMoves) && this.#server !== undefined) {
      const old = this.#server;
      const oldListen = this.#serverListen;
      await Promise.all([...old.sessions].map((s) => s.drained()));
      this.#server = undefined;
      this.#serverListen = undefined;
      await old.close();
      if (plan.listen !== undefined && !(await this.#startServer(plan.listen)) && oldListen !== undefined) {
        this.#logger.warn({ listen: oldListen }, "keeping the previous listen address");
        await this.#startServer(oldListen);
      }
    }
  }

  async #startServer(listen: Endpoint): Promise<boolean> {
    try {
      this.#server = await this.#o.startServer(listen);
      this.#serverListen = listen;
      this.#logger.info({ host: this.#server.host, port: this.#server.port }, "uplink listening");
      return true;
    } catch (error) {
      this.#logger.error({ listen, error: String(error) }, "cannot listen");
      return false;
    }
  }

  /** Logs the client out (bounded wait) and closes everything. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#chain;
    await this.#client?.stop();
    await this.#server?.close();
  }
}
