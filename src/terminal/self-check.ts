/**
 * The periodic self-check: probes outside the terminal core — free disk under the database, available
 * memory, the serial ports the channels use, the carrier module — run every `intervalMs` on the injected
 * clock; their findings go to `TerminalCore.selfCheck`, which adds its own (database, clock), records ERC21
 * for a fault seen for the first time and clears faults that are gone (the alarm indicator follows).
 *
 * Fault codes (ERC21, shared/protocol/gw1376-1.md §4.8 [M]): storage and memory problems are "main memory"
 * (1), a serial port that is gone is "RS-485 reading" (4), a carrier module that does not work is "carrier
 * channel" (6).
 */
import { readFileSync } from "node:fs";
import { stat as statFile, statfs } from "node:fs/promises";
import { freemem } from "node:os";
import type { Clock, TimerHandle } from "../common/clock.ts";
import type { Logger } from "../common/logger.ts";
import { TERMINAL_FAULT } from "./erc-records.ts";
import type { FaultFinding, SelfCheckResult, TerminalCore } from "./terminal-core.ts";

export interface SelfCheckProbe {
  readonly name: string;
  /** The fault code this probe reports when it cannot even run. */
  readonly fault: number;
  /** Problems found now; empty when all is well. */
  run(): Promise<readonly FaultFinding[]>;
}

const MiB = 1024 * 1024;
const mib = (bytes: number) => `${Math.floor(bytes / MiB)} MiB`;

/** Free space of the file system holding `dir` (the database directory). */
export function diskProbe(
  dir: string,
  minFreeBytes: number,
  freeBytes: (dir: string) => Promise<number> = async (d) => {
    const s = await statfs(d);
    return s.bavail * s.bsize;
  },
): SelfCheckProbe {
  return {
    name: "disk",
    fault: TERMINAL_FAULT.mainMemory,
    async run() {
      const free = await freeBytes(dir);
      return free < minFreeBytes
        ? [
            {
              code: TERMINAL_FAULT.mainMemory,
              reason: `free disk ${mib(free)} under ${dir} is below ${mib(minFreeBytes)}`,
            },
          ]
        : [];
    },
  };
}

/** Memory the kernel could give without swapping (Linux MemAvailable; elsewhere free memory). */
export function availableMemoryBytes(): number {
  try {
    const m = /^MemAvailable:\s+(\d+)\s+kB$/m.exec(readFileSync("/proc/meminfo", "latin1"));
    if (m !== null) return Number(m[1]) * 1024;
  } catch {
    // not Linux
  }
  return freemem();
}

export function memoryProbe(
  minAvailableBytes: number,
  available: () => number = availableMemoryBytes,
): SelfCheckProbe {
  return {
    name: "memory",
    fault: TERMINAL_FAULT.mainMemory,
    async run() {
      const free = available();
      return free < minAvailableBytes
        ? [
            {
              code: TERMINAL_FAULT.mainMemory,
              reason: `available memory ${mib(free)} is below ${mib(minAvailableBytes)}`,
            },
          ]
        : [];
    },
  };
}

/** Each configured serial port must exist and be a character device (unplugged USB adapters vanish). */
export function serialPortsProbe(
  paths: () => readonly string[],
  isCharacterDevice: (path: string) => Promise<boolean> = async (p) =>
    (await statFile(p)).isCharacterDevice(),
): SelfCheckProbe {
  return {
    name: "serial-ports",
    fault: TERMINAL_FAULT.rs485Reading,
    async run() {
      const findings: FaultFinding[] = [];
      for (const path of paths()) {
        let ok = false;
        let why = "is not a character device";
        try {
          ok = await isCharacterDevice(path);
        } catch (error) {
          why =
            (error as NodeJS.ErrnoException).code === "ENOENT"
              ? "is missing"
              : `cannot be checked: ${String(error)}`;
        }
        if (!ok) findings.push({ code: TERMINAL_FAULT.rs485Reading, reason: `serial port ${path} ${why}` });
      }
      return findings;
    },
  };
}

export interface CarrierHealth {
  readonly ok: boolean;
  readonly reason?: string;
}

/** The carrier channel's own view of its module (undefined: no carrier channel configured). */
export function carrierProbe(health: () => CarrierHealth | undefined): SelfCheckProbe {
  return {
    name: "carrier",
    fault: TERMINAL_FAULT.plcChannel,
    async run() {
      const h = health();
      return h === undefined || h.ok
        ? []
        : [{ code: TERMINAL_FAULT.plcChannel, reason: `carrier module: ${h.reason ?? "not working"}` }];
    },
  };
}

export interface SelfCheckRunnerOptions {
  readonly core: TerminalCore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly intervalMs?: number;
  readonly probes?: readonly SelfCheckProbe[];
}

export const DEFAULT_SELF_CHECK_INTERVAL_MS = 60_000;

export class SelfCheckRunner {
  readonly #core: TerminalCore;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #intervalMs: number;
  readonly #probes: SelfCheckProbe[];
  #timer: TimerHandle | undefined;
  #running: Promise<SelfCheckResult> | undefined;
  #stopped = false;

  constructor(options: SelfCheckRunnerOptions) {
    this.#core = options.core;
    this.#clock = options.clock;
    this.#logger = options.logger.child({ module: "self-check" });
    this.#intervalMs = options.intervalMs ?? DEFAULT_SELF_CHECK_INTERVAL_MS;
    this.#probes = [...(options.probes ?? [])];
  }

  /** Adds a probe (e.g. the channels' ports once they are configured). */
  addProbe(probe: SelfCheckProbe): void {
    this.#probes.push(probe);
  }

  start(): void {
    this.#schedule(0);
  }

  /** Runs every probe now and hands the findings to the core (joins a run in progress). */
  runOnce(): Promise<SelfCheckResult> {
    this.#running ??= this.#run().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#timer?.cancel();
    await this.#running?.catch(() => {});
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    this.#timer = this.#clock.setTimer(ms, () => {
      this.runOnce()
        .catch((error: unknown) => this.#logger.error({ error: String(error) }, "self-check failed"))
        .finally(() => this.#schedule(this.#intervalMs));
    });
  }

  async #run(): Promise<SelfCheckResult> {
    const findings: FaultFinding[] = [];
    for (const probe of this.#probes) {
      try {
        findings.push(...(await probe.run()));
      } catch (error) {
        findings.push({ code: probe.fault, reason: `${probe.name} check failed: ${String(error)}` });
      }
    }
    if (this.#stopped) return { faults: this.#core.activeFaults(), findings };
    return this.#core.selfCheck(findings);
  }
}
