/**
 * The concentrator process: TerminalCore over the SQLite file, the AFN dispatcher, and the uplink in server
 * and/or client mode. `startDaemon` returns once everything is listening / dialling; `close()` logs out,
 * closes the sockets, flushes traffic counters and closes the database.
 *
 *   SQLite ◄── TerminalCore ◄── Dispatcher ◄── LinkSession(s) ◄── UplinkServer (masters connect)
 *                                                          ◄── UplinkClient (dials the master)
 *   outbox ──► ActiveReporter ──► (the logged-in client link, else a master's connection): reporting.ts
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { type Clock, SystemClock } from "../common/clock.ts";
import { type Logger, silentLogger } from "../common/logger.ts";
import { monthKey } from "../store/calendar.ts";
import { AFN_HANDLERS, Dispatcher } from "../terminal/dispatcher.ts";
import { erc32 } from "../terminal/erc-records.ts";
import { importantEventsPending } from "../terminal/handlers/afn0e-read-pointer.ts";
import type { SelfCheckRunner } from "../terminal/self-check.ts";
import { TerminalCore } from "../terminal/terminal-core.ts";
import { openSerial } from "../transport/serial.ts";
import { prepareUpgradeStart, setupUpgrade } from "../upgrade/daemon-upgrade.ts";
import type { UpgradeService } from "../upgrade/upgrade-service.ts";
import { webUpgradeInstaller } from "../upgrade/web-installer.ts";
import type { TerminalIdentity } from "../uplink/address-match.ts";
import { FlowControl } from "../uplink/flow-control.ts";
import { planLink } from "../uplink/link-plan.ts";
import type { EventCounterSource } from "../uplink/link-session.ts";
import { MaintenancePort } from "../uplink/maintenance-port.ts";
import { authSchemeFromF5, PW_LENGTH, verifyPw } from "../uplink/pw-check.ts";
import { needsFreshTraffic, TrafficMeter } from "../uplink/traffic-meter.ts";
import { UplinkClient } from "../uplink/uplink-client.ts";
import { UplinkManager } from "../uplink/uplink-manager.ts";
import { UplinkServer } from "../uplink/uplink-server.ts";
import { LogRing } from "../web/log-ring.ts";
import type { WebProviders } from "../web/providers.ts";
import { startWebServer, type WebServer } from "../web/web-server.ts";
import { type Collection, startCollection } from "./collect-wiring.ts";
import { type DaemonConfig, type DaemonConfigInput, parseDaemonConfig } from "./config.ts";
import { type Field, startField } from "./field.ts";
import { monitorField } from "./field-monitoring.ts";
import { enterSimulatedField } from "./first-run.ts";
import { startModemMonitor } from "./modem-wiring.ts";
import { type Reporting, startReporting } from "./reporting.ts";
import { startSelfCheck } from "./self-check-wiring.ts";
import { uplinkStatusSource } from "./uplink-status.ts";
import { uplinkTimings } from "./uplink-timings.ts";

export { DEFAULT_LISTEN } from "../uplink/link-plan.ts";

/** kv key: month (YYYYMM) ERC32 was last raised for. */
const KEY_TRAFFIC_ALERT_MONTH = "uplink.trafficAlertMonth";

export interface DaemonHandle {
  readonly config: DaemonConfig;
  readonly core: TerminalCore;
  /** Where the uplink server listens (actual port when 0 was asked), if in server mode. */
  readonly listening: { host: string; port: number } | undefined;
  readonly client: UplinkClient | undefined;
  /** The server-mode listener and its sessions, if in server mode. */
  readonly server: UplinkServer | undefined;
  /** Runs the modes AFN04 F8 asks for and follows F3/F7/F8 changes at run time. */
  readonly uplink: UplinkManager;
  /** The local serial maintenance port, when `maintenance` is configured. */
  readonly maintenance: MaintenancePort | undefined;
  /** Traffic statistics of every uplink connection and the maintenance port. */
  readonly traffic: TrafficMeter;
  /** Monthly traffic limit (AFN04 F36); active reports consult `flowControl.reportsAllowed()`. */
  readonly flowControl: FlowControl;
  /** Active reporting: the reporter's counters; the outbox itself is `core.store.outbox`. */
  readonly reporting: Reporting;
  /** The web interface, when `web.listen` is configured. */
  readonly web: WebServer | undefined;
  /** The periodic self-check; channels add their probes (serial ports, carrier module) with `addProbe`. */
  readonly selfCheck: SelfCheckRunner;
  /** What the web interface shows beyond the core (reading engine, channels, upgrade, modules): fill in. */
  readonly webProviders: WebProviders;
  /** Local install entry point (web UI); undefined without `upgrade.installRoot`. */
  readonly upgrade: UpgradeService | undefined;
  /** The meter channels by 1376.1 port (RS-485 lines, carrier module): what the reading engine reads through. */
  readonly channels: Field["channels"];
  /** The channels with their kinds, the port controls (AFN05 F49–F51) and any simulated field. */
  readonly field: Field;
  /** The reading engine, running whenever there are channels (config `collect`). */
  readonly collection: Collection | undefined;
  /** Resolves (with the reason) when the daemon wants to be restarted: exit with EXIT_RESTART after close. */
  readonly restartRequested: Promise<string>;
  close(): Promise<void>;
}

export interface DaemonDependencies {
  logger?: Logger;
  clock?: Clock;
}

export async function startDaemon(
  input: DaemonConfigInput,
  deps: DaemonDependencies = {},
): Promise<DaemonHandle> {
  const config = parseDaemonConfig(input);
  // The last log lines stay in memory for the web interface's maintenance page.
  const logRing = new LogRing();
  const logger = logRing.wrap(deps.logger ?? silentLogger);
  const clock = deps.clock ?? new SystemClock();
  if (config.dbPath !== ":memory:") mkdirSync(dirname(config.dbPath), { recursive: true });
  await prepareUpgradeStart(config.upgrade, config.dbPath, logger);
  const core = new TerminalCore({
    dbPath: config.dbPath,
    hostClock: clock,
    utcOffsetMinutes: config.utcOffsetMinutes,
    logger,
  });
  // Before start(): the start-up events (ERC1, ERC14) are reported like any other.
  const reporting = startReporting({ core, config, logger });
  core.start();
  let askRestart: (reason: string) => void = () => undefined;
  const restartRequested = new Promise<string>((resolve) => {
    askRestart = resolve;
  });
  let restartTimer: ReturnType<Clock["setTimer"]> | undefined;
  const upgrade = await setupUpgrade({
    config: config.upgrade,
    core,
    clock,
    logger,
    requestRestart: (reason) => {
      logger.info({ reason, inMs: config.upgrade.restartDelayMs }, "restart requested");
      restartTimer ??= clock.setTimer(config.upgrade.restartDelayMs, () => askRestart(reason));
    },
  }).catch((error: unknown) => {
    reporting.close();
    core.close();
    throw error;
  });
  const dispatcher = new Dispatcher(
    core,
    logger.child({ module: "dispatcher" }),
    new Map([...AFN_HANDLERS, [0x0f, upgrade.registration]]),
  );
  dispatcher.livePolicy = config.dataService;
  // AFN0C F4 reports what the reporter does before the master ever sent AFN05 F29 / F37.
  dispatcher.reportingAllowedByDefault = config.reporting.allowedByDefault;
  // Group addresses are re-read when AFN04 F6 is set (see the parameter listener below).
  let groups = groupAddresses(core);
  const field = await startField(config.field, {
    core,
    clock,
    logger,
    area: config.area,
    address: config.address,
    utcOffsetMinutes: config.utcOffsetMinutes,
  });
  dispatcher.ports = field.ports;
  if (config.firstRun.enterSimulatedField) enterSimulatedField(core, field, logger);
  const identity: TerminalIdentity = {
    area: config.area,
    terminal: config.address,
    get groups() {
      return groups;
    },
  };
  reporting.startTasks((request) => dispatcher.handle(request), identity);
  const events: EventCounterSource = {
    counters: () => core.store.events.counters(),
    importantPending: () => importantEventsPending(core.store),
  };
  const trafficMeter = new TrafficMeter({
    store: core.store.traffic,
    clock: core.clock,
    utcOffsetMinutes: config.utcOffsetMinutes,
    logger: logger.child({ module: "traffic" }),
    flushIntervalMs: config.uplink.trafficFlushMs,
    onFlushed: () => flowControl.check(),
  });
  const flowControl = new FlowControl({
    threshold: () => {
      const f36 = core.parameters.getDecoded(36, 0) as { bytesPerMonth?: unknown } | undefined;
      return typeof f36?.bytesPerMonth === "number" ? f36.bytesPerMonth : 0;
    },
    monthTotal: () => {
      const month = core.store.traffic.thisMonth();
      const pending = trafficMeter.pending;
      return month.upBytes + month.downBytes + pending.inBytes + pending.outBytes;
    },
    month: () => monthKey(core.clock.now(), config.utcOffsetMinutes),
    alertedMonth: () => {
      const month = core.store.kv.get(KEY_TRAFFIC_ALERT_MONTH);
      return typeof month === "number" ? month : undefined;
    },
    setAlertedMonth: (month) => core.store.kv.set(KEY_TRAFFIC_ALERT_MONTH, month),
    onExceeded: (monthBytes, threshold) =>
      core.events.record(erc32(core.clock.now(), config.utcOffsetMinutes, monthBytes, threshold)),
    logger: logger.child({ module: "flow-control" }),
  });
  trafficMeter.start();
  reporting.addGate(flowControl);
  const accountTraffic = (): void => trafficMeter.flush();
  const common = {
    identity,
    handle: (request: Parameters<Dispatcher["handle"]>[0]) => {
      if (needsFreshTraffic(request)) trafficMeter.flush();
      return dispatcher.handle(request);
    },
    traffic: trafficMeter,
    rateLimit: config.uplink.rateLimit,
    clock: core.clock,
    utcOffsetMinutes: config.utcOffsetMinutes,
    partialFrameTimeoutMs: config.uplink.partialFrameTimeoutMs,
    events,
    onSessionEnd: accountTraffic,
    authenticate: (request: Parameters<Dispatcher["handle"]>[0]) =>
      verifyPw(request.pw, authSchemeFromF5(core.parameters.getDecoded(5, 0)), config.uplink.auth),
    onAuthFailure: (request: Parameters<Dispatcher["handle"]>[0]) =>
      core.recordAuthFailure(request.pw ?? new Uint8Array(PW_LENGTH), request.address.master),
  };

  const timings = uplinkTimings(core, config);
  let uplink: UplinkManager | undefined;
  let maintenance: MaintenancePort | undefined;
  let web: WebServer | undefined;
  const webProviders: WebProviders = { traffic: trafficMeter };
  const modem =
    config.modem === undefined
      ? undefined
      : startModemMonitor(config.modem, { clock, kv: core.store.kv, logger });
  const selfCheck = startSelfCheck(config, { core, clock, logger });
  const fieldMonitoring = monitorField(field, config, { clock, selfCheck, providers: webProviders, modem });
  if (upgrade.service !== undefined) webProviders.upgrade = webUpgradeInstaller(upgrade.service);
  const collection = startCollection(config.collect, {
    core,
    channels: field.channels,
    clock,
    logger,
    dispatcher,
    providers: webProviders,
  });
  try {
    uplink = await UplinkManager.start({
      plan: () =>
        planLink(
          {
            listen: config.uplink.listen,
            connect: config.uplink.connect,
            reconnect: config.uplink.reconnect,
          },
          {
            f3: core.parameters.getDecoded(3, 0),
            f7: core.parameters.getDecoded(7, 0),
            f8: core.parameters.getDecoded(8, 0),
          },
        ),
      startServer: (listen) =>
        UplinkServer.start({
          ...common,
          host: listen.host,
          port: listen.port,
          logger,
          maxConnections: config.uplink.maxConnections,
          onSessionStart: (session) => reporting.attach(session, "server"),
          idleTimeoutMs: () => config.uplink.idleTimeoutMs ?? timings.heartbeatMs() + 60_000,
        }),
      createClient: (masters, backoff) =>
        new UplinkClient({
          ...common,
          masters,
          logger,
          timings,
          backoff,
          onOnline: (session) => reporting.attach(session, "client"),
        }),
      logger,
    });
    const manager = uplink;
    // AFN04 F1/F3/F6/F7/F8 set by the master (or cleared by AFN01) apply at once (shared/protocol §3.1, §3.4).
    core.parameters.onChange((change) => {
      const touches = (fn: number) => change === "all" || change.includes(fn);
      if (touches(6)) groups = groupAddresses(core);
      if (touches(1)) manager.client?.refreshTimings();
      if (touches(3) || touches(7) || touches(8)) void manager.reconcile();
    });
    const serial = config.maintenance;
    if (serial !== undefined) {
      maintenance = new MaintenancePort({
        ...common,
        open: () =>
          openSerial({
            path: serial.path,
            baudRate: serial.baudRate,
            parity: serial.parity,
            dataBits: serial.dataBits,
            stopBits: serial.stopBits,
          }),
        logger,
      });
      maintenance.start();
    }
    if (config.web !== undefined) {
      web = await startWebServer({
        host: config.web.listen.host,
        port: config.web.listen.port,
        core,
        hostClock: clock,
        logger,
        identity: { area: config.area, address: config.address },
        uplink: uplinkStatusSource(
          () => uplink?.server,
          () => uplink?.client,
          maintenance === undefined || serial === undefined
            ? undefined
            : { port: maintenance, path: serial.path, baudRate: serial.baudRate },
        ),
        providers: webProviders,
        logRing,
        dbPath: config.dbPath,
        sessionIdleMs: config.web.sessionIdleMinutes * 60_000,
        limits: { uploadMaxBytes: config.web.uploadMaxBytes },
      });
    }
    await upgrade.watchHealth({
      masterOnline: manager.client === undefined ? undefined : () => manager.client?.state === "online",
      selfCheck: async () => (await selfCheck.runOnce()).faults,
    });
  } catch (error) {
    fieldMonitoring.close();
    await selfCheck.stop();
    await modem?.stop();
    await maintenance?.stop();
    await uplink?.close();
    upgrade.close();
    trafficMeter.stop();
    reporting.close();
    collection?.close();
    await field.close();
    core.close();
    throw error;
  }
  logger.info({ area: config.area, address: config.address, db: config.dbPath }, "daemon ready");

  const manager = uplink;
  let closing: Promise<void> | undefined;
  return {
    config,
    core,
    get listening() {
      const server = manager.server;
      return server === undefined ? undefined : { host: server.host, port: server.port };
    },
    get client() {
      return manager.client;
    },
    get server() {
      return manager.server;
    },
    uplink: manager,
    maintenance,
    traffic: trafficMeter,
    flowControl,
    reporting,
    web,
    selfCheck,
    webProviders,
    upgrade: upgrade.service,
    channels: field.channels,
    field,
    collection,
    restartRequested,
    close() {
      closing ??= (async () => {
        restartTimer?.cancel();
        upgrade.close();
        await web?.close();
        fieldMonitoring.close();
        await selfCheck.stop();
        await modem?.stop();
        reporting.close();
        await maintenance?.stop();
        await manager.close();
        trafficMeter.stop();
        collection?.close();
        await field.close();
        core.close();
        logger.info({}, "daemon stopped");
      })();
      return closing;
    },
  };
}

/** AFN04 F6 group addresses (8 × A2, 0 = unused). */
function groupAddresses(core: TerminalCore): number[] {
  const f6 = core.parameters.getDecoded(6, 0) as { groups?: unknown } | undefined;
  const list = f6?.groups;
  if (!Array.isArray(list)) return [];
  return list
    .map((a) => (typeof a === "number" ? a : (a as { a2?: unknown })?.a2))
    .filter((a): a is number => typeof a === "number" && a > 0);
}
