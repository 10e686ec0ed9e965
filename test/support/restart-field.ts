/**
 * The field of the restart test (test/collect-restart.test.ts and its child process): two RS-485 buses and a
 * carrier port with 5 % loss, two meters dead all along, billing items only.
 */
import type { CollectConfig } from "../../src/collect/engine.ts";
import { dataClassBody, type PortSpec } from "./collect-fixture.ts";

export const RESTART_FIELD: readonly PortSpec[] = [
  { port: 2, meters: 20, firstAddress: 700_001, firstPoint: 1 },
  { port: 3, meters: 20, firstAddress: 700_101, firstPoint: 21 },
  {
    port: 31,
    kind: "carrier",
    meters: 60,
    firstAddress: 710_001,
    firstPoint: 41,
    exchangeMs: 2000,
    timeoutMs: 8000,
    loss: 0.05,
  },
];

/** One RS-485 meter and one carrier node that never answer. */
export const RESTART_DEAD: readonly number[] = [12, 77];

export const RESTART_PARAMETERS = [
  { fn: 38, body: dataClassBody([]) },
  { fn: 39, body: dataClassBody([161, 177]) },
];

export const RESTART_CONFIG: Partial<CollectConfig> = { cutoffHour: 22, supplementaryIntervalMinutes: 30 };
