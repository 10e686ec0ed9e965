/**
 * A simulated power-line-carrier network behind a virtual carrier module: one node per meter, each with a
 * relay depth, a per-attempt success probability, a round-trip latency per attempt and a phase. Nodes may
 * be added or removed at run time, go offline, or be present without being in the module's archive (so a
 * registration run can find them). The meters themselves are any bytes-in/bytes-out DL/T 645 endpoint (the
 * RS-485 simulator's `VirtualMeter` fits).
 *
 * No clock and no timers here: `exchange` says how long the exchange would take; the module decides when
 * to deliver the answer.
 */

/** What the network needs from a meter: its address and a DL/T 645 request → reply function. */
export interface MeterEndpoint {
  handleFrame(frame: Uint8Array): Uint8Array | undefined;
}

export interface PlcNodeSpec {
  /** 12 hex digits, most significant first (the meter number). */
  readonly address: string;
  /** Q/GDW 1376.2 protocol type of the node (2 = DL/T 645-2007). */
  readonly protocol?: number;
  /** Relay depth 0..15 (0 = heard directly by the master node). */
  readonly depth?: number;
  /** Probability that one attempt (request + reply) succeeds, 0..1. */
  readonly successProbability?: number;
  /** Round-trip time of one attempt in ms (defaults from the depth). */
  readonly latencyMs?: number;
  /** 1..3 (A, B, C). */
  readonly phase?: number;
  /** False = physically absent / powered off. */
  readonly online?: boolean;
  readonly meter: MeterEndpoint;
}

export interface PlcNode {
  readonly address: string;
  readonly protocol: number;
  readonly depth: number;
  readonly successProbability: number;
  readonly latencyMs: number;
  readonly phase: number;
  online: boolean;
  readonly meter: MeterEndpoint;
}

/** Default round-trip per attempt: a base plus one more hop each way per relay level (HPLC-like figures). */
export function defaultLatencyMs(depth: number, baseMs = 120, perHopMs = 80): number {
  return baseMs + perHopMs * depth;
}

export interface ExchangeResult {
  /** The meter's reply, or undefined when every attempt failed or the meter stayed silent. */
  readonly reply: Uint8Array | undefined;
  /** Modelled time the exchange took, all attempts included. */
  readonly durationMs: number;
  readonly attempts: number;
}

/** Small seeded PRNG (mulberry32) so simulated losses are reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class PlcNetwork {
  readonly #nodes = new Map<string, PlcNode>();
  readonly #random: () => number;

  constructor(random: () => number = seededRandom(1)) {
    this.#random = random;
  }

  add(spec: PlcNodeSpec): PlcNode {
    const depth = spec.depth ?? 0;
    if (!Number.isInteger(depth) || depth < 0 || depth > 15)
      throw new RangeError(`depth ${depth} out of 0..15`);
    const p = spec.successProbability ?? 1;
    if (!(p >= 0 && p <= 1)) throw new RangeError(`success probability ${p} out of 0..1`);
    const node: PlcNode = {
      address: spec.address.toLowerCase(),
      protocol: spec.protocol ?? 2,
      depth,
      successProbability: p,
      latencyMs: spec.latencyMs ?? defaultLatencyMs(depth),
      phase: spec.phase ?? 1,
      online: spec.online ?? true,
      meter: spec.meter,
    };
    this.#nodes.set(node.address, node);
    return node;
  }

  remove(address: string): boolean {
    return this.#nodes.delete(address.toLowerCase());
  }

  get(address: string): PlcNode | undefined {
    return this.#nodes.get(address.toLowerCase());
  }

  get size(): number {
    return this.#nodes.size;
  }

  nodes(): IterableIterator<PlcNode> {
    return this.#nodes.values();
  }

  random(): number {
    return this.#random();
  }

  /**
   * Sends `frame` to the node at `address`, retrying up to `maxAttempts` times while the total stays under
   * `budgetMs`. An absent or offline node costs the whole budget (the module waits it out).
   */
  exchange(address: string, frame: Uint8Array, maxAttempts: number, budgetMs: number): ExchangeResult {
    const node = this.get(address);
    if (!node?.online) return { reply: undefined, durationMs: budgetMs, attempts: maxAttempts };
    let duration = 0;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      if (duration + node.latencyMs > budgetMs)
        return { reply: undefined, durationMs: budgetMs, attempts: attempt - 1 };
      duration += node.latencyMs;
      if (this.#random() < node.successProbability) {
        const reply = node.meter.handleFrame(frame);
        // A meter that does not answer (wrong address, unsupported item) looks like a failed attempt.
        if (reply !== undefined) return { reply, durationMs: duration, attempts: attempt };
      }
    }
    return { reply: undefined, durationMs: duration, attempts: maxAttempts };
  }

  /** Delivers a broadcast frame to every online node; no replies. */
  broadcast(frame: Uint8Array): number {
    let n = 0;
    for (const node of this.#nodes.values()) {
      if (!node.online) continue;
      node.meter.handleFrame(frame);
      n++;
    }
    return n;
  }
}
