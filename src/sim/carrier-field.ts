/**
 * A whole simulated carrier field for a DCU to talk to: N virtual DL/T 645-2007 meters on a simulated PLC
 * network behind a virtual module, reached over a serial-like link timed by the given clock.
 *
 *   DCU ──open()──► link (9600 8E1) ──► CarrierModuleDriver ──► CarrierModule ──► PlcNetwork ──► meters
 *
 * `open()` gives a fresh link each time (a re-opened serial port), `reset()` power-cycles the module (run
 * state lost, archive kept as in flash), `hang()` makes it mute until the next reset. Meters are created on
 * first use, so a field of thousands of nodes starts at once.
 */
import type { Clock } from "../common/clock.ts";
import type { ByteStream } from "../transport/byte-stream.ts";
import { createCarrierLink } from "./carrier-link.ts";
import { CarrierModule, type CarrierModuleOptions } from "./carrier-module.ts";
import { CarrierModuleDriver } from "./carrier-module-driver.ts";
import { PlcNetwork, seededRandom } from "./carrier-network.ts";
import { warmUp } from "./lazy-meter.ts";
import { VirtualMeter, type VirtualMeterOptions } from "./virtual-meter.ts";

export interface SimulatedCarrierOptions {
  readonly clock: Clock;
  readonly nodes: number;
  /** Address of node `i` (1-based); default 100000000000 + i, as `opendcu run --simulate-carrier`. */
  readonly address?: (i: number) => string;
  /** Probability that one PLC attempt fails (0..1). */
  readonly loss?: number;
  /** Serial line rate between DCU and module (default 9600, 8E1). */
  readonly baud?: number;
  /** Relay depth of node i is i mod (maxDepth + 1) (default 3). */
  readonly maxDepth?: number;
  readonly seed?: number;
  readonly module?: CarrierModuleOptions;
  /** Options for every meter (time zone, history). */
  readonly meter?: Partial<Omit<VirtualMeterOptions, "address" | "clock">>;
}

/** Node addresses of `--simulate-carrier`: 100000000001, 100000000002, … */
export function carrierNodeAddress(i: number): string {
  return String(100_000_000_000 + i).padStart(12, "0");
}

export class SimulatedCarrier {
  readonly network: PlcNetwork;
  readonly addresses: readonly string[];
  readonly #options: SimulatedCarrierOptions;
  readonly #meters = new Map<string, VirtualMeter>();
  #module: CarrierModule;
  #driver: CarrierModuleDriver | undefined;
  #link: ReturnType<typeof createCarrierLink> | undefined;
  #hung = false;
  /** Times `open()` was called. */
  opens = 0;

  constructor(options: SimulatedCarrierOptions) {
    this.#options = options;
    this.network = new PlcNetwork(seededRandom(options.seed ?? 7));
    const addressOf = options.address ?? carrierNodeAddress;
    const addresses: string[] = [];
    for (let i = 1; i <= options.nodes; i++) {
      const address = addressOf(i);
      const depth = i % ((options.maxDepth ?? 3) + 1);
      addresses.push(address);
      this.network.add({
        address,
        depth,
        phase: (i % 3) + 1,
        successProbability: 1 - (options.loss ?? 0),
        meter: { handleFrame: (frame) => this.meter(address).handleFrame(frame) },
      });
    }
    this.addresses = addresses;
    this.#module = new CarrierModule(this.network, options.module);
  }

  get module(): CarrierModule {
    return this.#module;
  }

  get driver(): CarrierModuleDriver | undefined {
    return this.#driver;
  }

  /** The virtual meter behind a node (created on first use). */
  meter(address: string): VirtualMeter {
    const key = address.toLowerCase();
    let meter = this.#meters.get(key);
    if (meter === undefined) {
      const seed = this.addresses.indexOf(key) + 1;
      meter = VirtualMeter.create(key, this.#options.clock, {
        historyDays: 70,
        seed,
        ...this.#options.meter,
      });
      this.#meters.set(key, meter);
    }
    return meter;
  }

  /** Builds every node's meter a few at a time in the background; returns the function that stops it. */
  warmUp(perTurn = 4): () => void {
    return warmUp(
      this.addresses.map((address) => () => this.meter(address)),
      perTurn,
    );
  }

  /** The DCU end of a fresh link to the module (the previous link is dropped). */
  async open(): Promise<ByteStream> {
    this.opens++;
    await this.#link?.dcu.close();
    const link = createCarrierLink(this.#options.clock, { baud: this.#options.baud ?? 9600 });
    this.#link = link;
    // The same module on a new line carries on where it was (a hung one stays mute until reset).
    if (this.#driver !== undefined) this.#driver.attach(link.module);
    else {
      const driver = new CarrierModuleDriver(this.#module, link.module, this.#options.clock);
      this.#driver = driver;
      if (!this.#hung) driver.start();
    }
    return link.dcu;
  }

  /** Power-cycles the module: a new state machine with the archive it had persisted. */
  async reset(): Promise<void> {
    this.#driver?.stop();
    this.#driver = undefined;
    this.#hung = false;
    this.#module = new CarrierModule(this.network, this.#options.module, this.#module.snapshot());
  }

  /** The module stops answering (firmware hang) until `reset()`. */
  hang(): void {
    this.#hung = true;
    this.#driver?.stop();
  }

  async close(): Promise<void> {
    this.#driver?.stop();
    await this.#link?.dcu.close();
  }
}
