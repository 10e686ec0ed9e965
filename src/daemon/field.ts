/**
 * The daemon's field: one MeterChannel per configured port, built from the start-up file (serial devices)
 * or simulated in-process, and kept in step with the parameters the master sets.
 *
 *   field.serial[]     ──► Rs485Channel(port n)  ◄── openSerial(path, line)      (line ◄── AFN04 F34)
 *   simulateMeters N   ──► Rs485Channel(port 2)  ◄── paced pipe (simulateBaud) 8E1 ◄── MeterBus ◄── N virtual meters
 *   field.carrier      ──► CarrierChannel(31)    ◄── openSerial(path)            (archive ◄── AFN04 F10)
 *   simulateCarrier N  ──► CarrierChannel(31)    ◄── SimulatedCarrier (module + PLC network + N meters)
 *
 * The reading engine takes `channels`; AFN05 F49–F51 reach the channels through `ports`.
 */
import { archiveTarget } from "../channels/carrier/archive-target.ts";
import { CarrierChannel } from "../channels/carrier/carrier-channel.ts";
import type { ModuleInfo } from "../channels/carrier/carrier-client.ts";
import type { MeterChannel } from "../channels/meter-channel.ts";
import {
  type LineSettings,
  lineFromF34,
  type SerialControlWord,
  sameLine,
} from "../channels/rs485/line-settings.ts";
import { Rs485Channel } from "../channels/rs485/rs485-channel.ts";
import type { Clock, TimerHandle } from "../common/clock.ts";
import { definedOnly } from "../common/defined.ts";
import type { Logger } from "../common/logger.ts";
import { SimulatedCarrier } from "../sim/carrier-field.ts";
import { LazyMeter, warmUp } from "../sim/lazy-meter.ts";
import { MeterBus } from "../sim/meter-bus.ts";
import { VirtualMeter } from "../sim/virtual-meter.ts";
import type { PortControl } from "../terminal/port-control.ts";
import type { TerminalCore } from "../terminal/terminal-core.ts";
import { createPipe } from "../transport/pipe.ts";
import { openSerial } from "../transport/serial.ts";
import type { FieldConfig } from "./field-config.ts";

/** 1376.1 port of the first RS-485 line, where `--simulate-meters` puts its meters. */
export const SIMULATED_RS485_PORT = 2;
/** 1376.1 port of the carrier module. */
export const CARRIER_PORT = 31;
/** kv key of what the carrier module said about itself (AFN03 F1/F4/F10). */
export const MODULE_INFO_KEY = "carrier.moduleInfo";
/** Days of history each simulated meter starts with: the 62 days of daily frozen data a master may ask. */
const SIMULATED_HISTORY_DAYS = 70;

export interface Field {
  /** Every channel by 1376.1 port: what the reading engine reads through. */
  readonly channels: ReadonlyMap<number, MeterChannel>;
  readonly rs485: ReadonlyMap<number, Rs485Channel>;
  readonly carrier: CarrierChannel | undefined;
  /** AFN05 F49 / F50 / F51. */
  readonly ports: PortControl;
  /** The simulated field, when there is one (tests and demos look at the meters' side). */
  readonly simulation: {
    readonly meters: readonly LazyMeter[];
    readonly bus: MeterBus<LazyMeter> | undefined;
    readonly carrier: SimulatedCarrier | undefined;
  };
  close(): Promise<void>;
}

export interface FieldDependencies {
  readonly core: TerminalCore;
  /** Host time: channel timers and simulated meters (true time, not the terminal's settable clock). */
  readonly clock: Clock;
  readonly logger: Logger;
  /** Terminal address, for the default carrier master node address. */
  readonly area: string;
  readonly address: number;
  readonly utcOffsetMinutes: number;
}

/** `--simulate-meters` addresses: 000000000001 … */
export function simulatedMeterAddress(i: number): string {
  return String(i).padStart(12, "0");
}

/**
 * Default master node address for the module: the terminal address as digits, A1 (4) then A2 (5), left
 * padded to 12 [L: modules only need it to be unique on the network; vendors differ].
 */
export function defaultMasterNodeAddress(area: string, address: number): string {
  return `${area}${String(address).padStart(5, "0")}`.padStart(12, "0");
}

export async function startField(config: FieldConfig, deps: FieldDependencies): Promise<Field> {
  const logger = deps.logger.child({ module: "field" });
  const rs485 = new Map<number, Rs485Channel>();
  const stoppers: (() => void)[] = [];
  let meters: LazyMeter[] = [];
  let bus: MeterBus<LazyMeter> | undefined;
  let simulatedCarrier: SimulatedCarrier | undefined;

  for (const serial of config.serial) {
    if (serial.port === SIMULATED_RS485_PORT && config.simulateMeters > 0) continue;
    const line: LineSettings = {
      baud: serial.baud,
      parity: serial.parity,
      dataBits: serial.dataBits,
      stopBits: serial.stopBits,
    };
    rs485.set(
      serial.port,
      new Rs485Channel({
        port: serial.port,
        line,
        timing: definedOnly(serial.timing),
        clock: deps.clock,
        logger: deps.logger,
        open: (l) =>
          openSerial({
            path: serial.path,
            baudRate: l.baud,
            parity: l.parity,
            dataBits: l.dataBits === 7 ? 7 : 8,
            stopBits: l.stopBits,
          }),
      }),
    );
  }

  if (config.simulateMeters > 0) {
    const meterOptions = { historyDays: SIMULATED_HISTORY_DAYS, utcOffsetMinutes: deps.utcOffsetMinutes };
    meters = Array.from({ length: config.simulateMeters }, (_, i) => {
      const address = simulatedMeterAddress(i + 1);
      return new LazyMeter(address, () =>
        VirtualMeter.create(address, deps.clock, { ...meterOptions, seed: i + 1 }),
      );
    });
    const simulatedBus = new MeterBus(meters);
    bus = simulatedBus;
    stoppers.push(warmUp(meters.map((m) => () => m.meter)));
    rs485.set(
      SIMULATED_RS485_PORT,
      new Rs485Channel({
        port: SIMULATED_RS485_PORT,
        clock: deps.clock,
        logger: deps.logger,
        line: { baud: config.simulateBaud, parity: "even", dataBits: 8, stopBits: 1 },
        // A line paced like a real 8E1 bus (2400 baud unless `simulateBaud` says), the meters at its far end.
        open: async () => {
          const [dcu, meterSide] = createPipe({
            baud: config.simulateBaud,
            bitsPerByte: 11,
            labels: ["sim-rs485:dcu", "sim-rs485:meters"],
          });
          simulatedBus.attach(meterSide);
          return dcu;
        },
      }),
    );
  }

  let carrier: CarrierChannel | undefined;
  const carrierCommon = {
    port: CARRIER_PORT,
    clock: deps.clock,
    logger: deps.logger,
    masterAddress: config.carrier?.masterAddress ?? defaultMasterNodeAddress(deps.area, deps.address),
    archive: () => archiveTarget(deps.core.store.meters.listPort(CARRIER_PORT), CARRIER_PORT),
    saveModuleInfo: (info: ModuleInfo) => deps.core.store.kv.set(MODULE_INFO_KEY, info),
    timing: {
      ...(config.carrierArchive.pollMs === undefined ? {} : { archivePollMs: config.carrierArchive.pollMs }),
      ...(config.carrierArchive.syncDelayMs === undefined
        ? {}
        : { archiveSyncDelayMs: config.carrierArchive.syncDelayMs }),
    },
  };
  if (config.simulateCarrier > 0) {
    const sim = new SimulatedCarrier({
      clock: deps.clock,
      nodes: config.simulateCarrier,
      loss: 0.05,
      meter: { historyDays: SIMULATED_HISTORY_DAYS, utcOffsetMinutes: deps.utcOffsetMinutes },
    });
    simulatedCarrier = sim;
    stoppers.push(sim.warmUp());
    carrier = new CarrierChannel({
      ...carrierCommon,
      open: () => sim.open(),
      resetModule: () => sim.reset(),
    });
  } else if (config.carrier !== undefined) {
    const { path, baud, parity } = config.carrier;
    carrier = new CarrierChannel({
      ...carrierCommon,
      open: () => openSerial({ path, baudRate: baud, parity }),
    });
  }

  const channels = new Map<number, Rs485Channel | CarrierChannel>(rs485);
  if (carrier !== undefined) {
    channels.set(CARRIER_PORT, carrier);
    // In the background: a module that does not answer must not hold up the daemon's start.
    carrier.start().catch((error: unknown) => logger.error({ error: String(error) }, "carrier start failed"));
  }

  const applyPortParameters = (): void => {
    try {
      for (const [port, line] of portParameters(deps.core)) {
        const channel = rs485.get(port);
        if (channel !== undefined && !sameLine(channel.line, line)) {
          logger.info({ port, ...line }, "port parameters from AFN04 F34");
          channel.configure(line);
        }
      }
    } catch (error) {
      logger.error({ error: String(error) }, "AFN04 F34 not applied");
    }
  };
  applyPortParameters();
  let pollTimer: TimerHandle | undefined;
  const poll = (): void => {
    pollTimer = deps.clock.setTimer(config.parameterPollMs, () => {
      applyPortParameters();
      poll();
    });
  };
  if (rs485.size > 0) poll();
  // A master's AFN04 F34 / F10 (or an initialisation) applies at once; the polls are the safety net for
  // changes made by other paths.
  const unsubscribe = deps.core.parameters.onChange((change) => {
    const touches = (fn: number): boolean => change === "all" || change.includes(fn);
    if (touches(34)) applyPortParameters();
    if (touches(10)) carrier?.archiveChanged();
  });

  logger.info(
    {
      rs485: [...rs485.keys()],
      carrier: carrier !== undefined,
      simulated: config.simulateMeters + config.simulateCarrier,
    },
    "field ready",
  );

  const control = (port: number, act: (channel: Rs485Channel | CarrierChannel) => void): boolean => {
    const channel = channels.get(port);
    if (channel === undefined) return false;
    act(channel);
    return true;
  };
  return {
    channels,
    rs485,
    carrier,
    ports: {
      pause: (port) => control(port, (c) => c.pause()),
      resume: (port) => control(port, (c) => c.resume()),
      restart: (port) =>
        control(port, (c) => {
          c.restart().catch((error: unknown) =>
            logger.error({ port, error: String(error) }, "port restart failed"),
          );
        }),
    },
    simulation: { meters, bus, carrier: simulatedCarrier },
    async close() {
      unsubscribe();
      pollTimer?.cancel();
      for (const stop of stoppers) stop();
      await Promise.all([...channels.values()].map((c) => c.close()));
      bus?.detach();
      await simulatedCarrier?.close();
    },
  };
}

/** AFN04 F34 as line settings per port (entries that do not decode are skipped). */
function portParameters(core: TerminalCore): Map<number, LineSettings> {
  const out = new Map<number, LineSettings>();
  const decoded = core.parameters.getDecoded(34, 0) as { ports?: unknown } | undefined;
  if (!Array.isArray(decoded?.ports)) return out;
  for (const entry of decoded.ports as { port?: unknown; control?: unknown; baud?: unknown }[]) {
    const control = entry.control as Partial<SerialControlWord> | undefined;
    if (typeof entry.port !== "number" || typeof control?.baudCode !== "number") continue;
    out.set(
      entry.port,
      lineFromF34(
        {
          baudCode: control.baudCode,
          twoStopBits: control.twoStopBits ?? 0,
          parityEnabled: control.parityEnabled ?? 1,
          oddParity: control.oddParity ?? 0,
          dataBitsCode: control.dataBitsCode ?? 3,
        },
        typeof entry.baud === "number" ? entry.baud : 0,
      ),
    );
  }
  return out;
}
