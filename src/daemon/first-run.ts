/**
 * First run of a demo (`opendcu run --demo`, what `npm start` does): the simulated field is entered in the
 * meter archive so collection can start at once — RS-485 meters on port 2, then the carrier nodes on port 31,
 * serials and measurement points 1, 2, … — through the parameter service, exactly as a master's AFN04 F10
 * would (ERC3 with master address 0). Only when the archive is empty: a demo restarted keeps what the
 * operator changed since.
 */
import type { Logger } from "../common/logger.ts";
import type { TerminalCore } from "../terminal/terminal-core.ts";
import { saveMeters } from "../web/meters/meter-archive.ts";
import { METER_SCHEMA, type MeterForm } from "../web/meters/meter-form.ts";
import { CARRIER_PORT, type Field, SIMULATED_RS485_PORT } from "./field.ts";

/** What `--demo` adds under the start-up file and the other flags: a small simulated field and modem. */
export const DEMO_CONFIG = {
  field: { simulateMeters: 16, simulateCarrier: 16 },
  modem: { simulate: true },
  firstRun: { enterSimulatedField: true },
} as const;

/** F10 protocol of the virtual meters: DL/T 645-2007. */
const DLT645_2007 = 30;

/** The archive entries of the simulated field, in serial order. */
export function simulatedFieldEntries(field: Field): MeterForm[] {
  const addresses = [
    ...field.simulation.meters.map((m) => ({ port: SIMULATED_RS485_PORT, address: m.address })),
    ...(field.simulation.carrier?.addresses ?? []).map((address) => ({ port: CARRIER_PORT, address })),
  ].slice(0, 2040);
  return addresses.map(({ port, address }, i) =>
    METER_SCHEMA.parse({ serial: i + 1, point: i + 1, port, protocol: DLT645_2007, address }),
  );
}

/** Enters the simulated field when the archive is empty; returns how many meters were entered. */
export function enterSimulatedField(core: TerminalCore, field: Field, logger: Logger): number {
  if (core.store.meters.count() > 0) return 0;
  const entries = simulatedFieldEntries(field);
  if (entries.length === 0) return 0;
  saveMeters(core, entries);
  logger.info({ meters: entries.length }, "first run: the simulated field is in the meter archive");
  return entries.length;
}
