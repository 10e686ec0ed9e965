/**
 * The cellular module for the daemon: its AT port on a serial line (8N1, as modems use), the host's
 * ModemManager (mmcli) when it owns the modem, or, for demos and tests, a simulated modem on an in-memory
 * pipe. Returns the monitor that refreshes and stores the module info.
 */
import type { Clock } from "../common/clock.ts";
import type { Logger } from "../common/logger.ts";
import { SimulatedAtModem } from "../sim/at-modem.ts";
import type { KvRepository } from "../store/kv-repo.ts";
import { mmcliRunner, readModemManagerInfo } from "../terminal/modem/modem-manager.ts";
import { ModemMonitor } from "../terminal/modem/modem-monitor.ts";
import type { ByteStream } from "../transport/byte-stream.ts";
import { createPipe } from "../transport/pipe.ts";
import { openSerial } from "../transport/serial.ts";
import type { DaemonConfig } from "./config.ts";

export function startModemMonitor(
  config: NonNullable<DaemonConfig["modem"]>,
  deps: { clock: Clock; kv: KvRepository; logger: Logger },
): ModemMonitor {
  let simulated: SimulatedAtModem | undefined;
  const open = async (): Promise<ByteStream> => {
    if (config.port !== undefined) {
      return openSerial({
        path: config.port,
        baudRate: config.baud,
        parity: "none",
        dataBits: 8,
        stopBits: 1,
      });
    }
    await simulated?.close();
    const [terminalEnd, modemEnd] = createPipe({ labels: ["pipe:at", "pipe:sim-modem"] });
    simulated = new SimulatedAtModem(modemEnd);
    return terminalEnd;
  };
  const manager = config.modemManager;
  const monitor = new ModemMonitor({
    ...(manager === undefined
      ? { open }
      : { read: (now) => readModemManagerInfo(mmcliRunner(manager.mmcli), now, manager.modem) }),
    clock: deps.clock,
    kv: deps.kv,
    logger: deps.logger,
    refreshMs: config.refreshSeconds * 1000,
  });
  monitor.start();
  return monitor;
}
