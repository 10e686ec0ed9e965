/**
 * What the web interface and the self-check watch of the field: channel activity (front-panel RS-485 and
 * carrier indicators, utilisation and queue depth for /metrics), the modules (cellular modem, carrier
 * module as identified over 1376.2), and self-check probes for the configured serial ports and the carrier
 * module.
 */
import type { Clock } from "../common/clock.ts";
import type { ModemMonitor } from "../terminal/modem/modem-monitor.ts";
import { carrierProbe, type SelfCheckRunner, serialPortsProbe } from "../terminal/self-check.ts";
import { ChannelActivityMonitor } from "../web/channel-activity.ts";
import type { WebProviders } from "../web/providers.ts";
import type { DaemonConfig } from "./config.ts";
import { type Field, SIMULATED_RS485_PORT } from "./field.ts";

export interface FieldMonitoring {
  close(): void;
}

/** Serial device paths the field really uses (simulated ports have none). */
export function fieldSerialPaths(config: DaemonConfig): string[] {
  const f = config.field;
  const rs485 = f.serial
    .filter((p) => !(f.simulateMeters > 0 && p.port === SIMULATED_RS485_PORT))
    .map((p) => p.path);
  const carrier = f.carrier !== undefined && f.simulateCarrier === 0 ? [f.carrier.path] : [];
  return [...rs485, ...carrier];
}

export function monitorField(
  field: Field,
  config: DaemonConfig,
  deps: {
    readonly clock: Clock;
    readonly selfCheck: SelfCheckRunner;
    readonly providers: WebProviders;
    readonly modem: ModemMonitor | undefined;
  },
): FieldMonitoring {
  const activity = new ChannelActivityMonitor([...field.channels.values()], deps.clock);
  activity.start();
  deps.providers.channels = activity;
  deps.providers.modules = {
    modem: () => deps.modem?.info(),
    localModule: () => {
      const info = field.carrier?.moduleInfo;
      return info === undefined
        ? undefined
        : { vendor: info.vendor, chip: info.chip, version: info.version, versionDate: info.versionDate };
    },
  };
  const paths = fieldSerialPaths(config);
  if (paths.length > 0) deps.selfCheck.addProbe(serialPortsProbe(() => paths));
  deps.selfCheck.addProbe(
    carrierProbe(() => {
      const carrier = field.carrier;
      // "starting" is judged once the first identification has failed (the channel then restarts)
      if (carrier === undefined || carrier.state === "closed" || carrier.state === "starting")
        return undefined;
      return carrier.state === "ready"
        ? { ok: true }
        : { ok: false, reason: "module not answering; restarting it" };
    }),
  );
  return { close: () => activity.stop() };
}
