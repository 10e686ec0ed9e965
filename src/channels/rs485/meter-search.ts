/**
 * Meter search on an RS-485 bus with DL/T 645 wildcard addresses: an address byte AAH matches any two
 * digits. The search asks a pattern and listens:
 *
 *   silence → no meter matches        one clean answer → that meter (its address is in the answer)
 *   garbage → several meters answered at once (a collision): narrow the pattern by one more digit pair
 *
 * It starts with AAAAAAAAAAAA (on a single-meter bus that one probe finds the meter), then fixes the
 * address from its least significant byte upwards (abbreviated addressing keeps the low bytes and fills
 * the high ones with AA — DL/T 645-2007 §4.2 [M]), 00..99 per byte, descending only where answers collided.
 * A full address that still collides is reported as a conflict (two meters with one address).
 *
 * Time-boxed and resumable: the state between probes is a small JSON-safe cursor; a search stopped by its
 * budget continues from the cursor later (after a restart too, if the caller stores it).
 *
 * Whether a real meter answers a read to a partly wildcarded address varies by make [L]; the probe's
 * identifier is configurable, and a bus where nothing answers wildcards just finds nothing.
 */
import type { Clock } from "../../common/clock.ts";
import { addressMatches, decodeFrame, isValidAddress, parseControl } from "../../protocol/dlt645/frame.ts";
import type { Dlt645Edition } from "../../protocol/dlt645/functions.ts";
import { encodeMessage, message, readRequest } from "../../protocol/dlt645/message.ts";
import type { ProbeOutcome } from "./rs485-channel.ts";

/** Sends one frame and reports what came back (Rs485Channel.probe fits). */
export type Prober = (frame: Uint8Array) => Promise<ProbeOutcome>;

export interface SearchCursor {
  /** The all-wildcard probe has been done. */
  readonly rootDone: boolean;
  /** Patterns being narrowed: the fixed low digits, and the next digit pair (0..100) to try above them. */
  readonly stack: readonly { readonly suffix: string; readonly next: number }[];
}

export const NEW_SEARCH: SearchCursor = { rootDone: false, stack: [] };

export interface SearchOptions {
  /** Where to continue (default: a new search). */
  readonly cursor?: SearchCursor;
  /** Stop after this much clock time (the cursor says where to go on). */
  readonly budgetMs?: number;
  /** Stop after this many probes. */
  readonly maxProbes?: number;
  readonly clock: Clock;
  /** Edition of the probe frames (default 2007; a 1997 meter ignores 2007 frames and needs its own pass). */
  readonly edition?: Dlt645Edition;
  /** Identifier read with each probe (default: the meter's communication address, 04000401 / C032) [L]. */
  readonly di?: number;
  readonly onFound?: (address: string) => void;
}

export interface SearchResult {
  /** Meters found in this run. */
  readonly found: string[];
  /** Full addresses where several meters still answered together. */
  readonly conflicts: string[];
  readonly probes: number;
  /** Where to continue, or undefined when the whole address space is done. */
  readonly cursor: SearchCursor | undefined;
  /** Why the run stopped early: "budget", "probes", or the port's problem. */
  readonly stoppedBy?: string;
}

const ALL_WILDCARD = "AAAAAAAAAAAA";

/** The probe address for fixed low digits `suffix` (2k digits): AA pairs above them. */
export function patternFor(suffix: string): string {
  return "AA".repeat(6 - suffix.length / 2) + suffix;
}

/** Validates a stored cursor (it may come from the database); undefined when malformed. */
export function parseCursor(value: unknown): SearchCursor | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const { rootDone, stack } = value as { rootDone?: unknown; stack?: unknown };
  if (typeof rootDone !== "boolean" || !Array.isArray(stack) || stack.length > 6) return undefined;
  const out: { suffix: string; next: number }[] = [];
  for (const entry of stack) {
    const { suffix, next } = (entry ?? {}) as { suffix?: unknown; next?: unknown };
    if (typeof suffix !== "string" || !/^(\d\d){0,5}$/.test(suffix)) return undefined;
    if (typeof next !== "number" || !Number.isInteger(next) || next < 0 || next > 100) return undefined;
    out.push({ suffix, next });
  }
  return { rootDone, stack: out };
}

/** What one probe told about a pattern. */
type Heard =
  | { readonly kind: "none" }
  | { readonly kind: "one"; readonly address: string }
  | { readonly kind: "many" };

function hear(outcome: Exclude<ProbeOutcome, { kind: "unavailable" }>, pattern: string): Heard {
  if (outcome.kind === "silence") return { kind: "none" };
  if (outcome.kind === "garbage") return { kind: "many" };
  const frame = decodeFrame(outcome.frame);
  // A clean frame from a meter the pattern does not select is someone else's late answer: not evidence.
  if (!frame.ok || !parseControl(frame.value.control).reply) return { kind: "many" };
  const address = frame.value.address;
  if (!isValidAddress(address) || !addressMatches(pattern, address)) return { kind: "none" };
  return { kind: "one", address };
}

/**
 * The probe for a pattern: the all-wildcard one is "read address" (DL/T 645-2007 C=13 to AAAAAAAAAAAA
 * [H]), narrower ones read an identifier (13H is only answered at the all-AA address).
 */
function probeFrame(edition: Dlt645Edition, pattern: string, di: number): Uint8Array {
  if (pattern === ALL_WILDCARD && edition === "2007")
    return encodeMessage(message("2007", pattern, "read-address", "request", {}));
  return encodeMessage(readRequest(edition, pattern, di));
}

/**
 * Searches the bus behind `probe` from `options.cursor`. On a bus with one meter the first probe (the
 * broadcast read-address) finds it and the search ends; with `maxProbes: 1` that is all it tries.
 */
export async function searchBus(probe: Prober, options: SearchOptions): Promise<SearchResult> {
  const { clock } = options;
  const edition = options.edition ?? "2007";
  const di = options.di ?? (edition === "2007" ? 0x04000401 : 0xc032);
  const started = clock.now();
  const found: string[] = [];
  const conflicts: string[] = [];
  let rootDone = options.cursor?.rootDone ?? false;
  const stack = (options.cursor?.stack ?? []).map((e) => ({ ...e }));
  let probes = 0;
  const cursor = (): SearchCursor => ({ rootDone, stack: stack.map((e) => ({ ...e })) });
  const report = (address: string): void => {
    found.push(address);
    options.onFound?.(address);
  };

  for (;;) {
    if (rootDone && stack.length === 0) return { found, conflicts, probes, cursor: undefined };
    if (options.maxProbes !== undefined && probes >= options.maxProbes)
      return { found, conflicts, probes, cursor: cursor(), stoppedBy: "probes" };
    if (options.budgetMs !== undefined && clock.now() - started >= options.budgetMs)
      return { found, conflicts, probes, cursor: cursor(), stoppedBy: "budget" };

    // Next pattern: the root, or the next digit pair above the deepest open suffix.
    let suffix: string;
    const top = stack[stack.length - 1];
    if (!rootDone) suffix = "";
    else if (top === undefined) continue;
    else if (top.next > 99) {
      stack.pop();
      continue;
    } else suffix = String(top.next).padStart(2, "0") + top.suffix;

    const pattern = suffix === "" ? ALL_WILDCARD : patternFor(suffix);
    const outcome = await probe(probeFrame(edition, pattern, di));
    if (outcome.kind === "unavailable")
      return { found, conflicts, probes, cursor: cursor(), stoppedBy: outcome.detail };
    probes++;
    // The probe is done: only now move the cursor past it (a stop above repeats it, never skips it).
    if (!rootDone) rootDone = true;
    else if (top !== undefined) top.next++;

    const heard = hear(outcome, pattern);
    if (heard.kind === "one") report(heard.address);
    else if (heard.kind === "many") {
      if (suffix.length === 12) conflicts.push(suffix);
      else stack.push({ suffix, next: 0 });
    }
  }
}
