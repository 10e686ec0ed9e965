/**
 * The contract between the reading engine (`collect/`) and the ways to reach a meter (`channels/`): an
 * RS-485 bus or a carrier module. The engine asks for data identifiers of one meter; the channel owns the
 * wire (one request at a time, timeouts, retries, gaps, module sessions) and answers with the meter's own
 * value bytes or a named failure. Channels know nothing of the master station or the store.
 */
import type { Dlt645Edition } from "../protocol/dlt645/functions.ts";

/** Who is asking: live (master waiting) before scheduled work before supplementary re-reads. */
export type ReadPriority = "live" | "scheduled" | "supplementary";

export interface MeterTarget {
  /** 12 BCD digits as text, most significant first ("000000000001"). */
  readonly address: string;
  readonly edition: Dlt645Edition;
  /** 1376.1 communication port number (2 = first RS-485, 31 = carrier). */
  readonly port: number;
  /** The meter's own line rate (AFN04 F10 baud code → bit/s); absent = the port's default (RS-485 only). */
  readonly baud?: number;
}

export interface MeterReadRequest {
  readonly meter: MeterTarget;
  /** DL/T 645 data identifier (4 bytes for 2007, 2 bytes for 1997). */
  readonly di: number;
  /** DL/T 645-2007 read parameters after the identifier (e.g. block count + start time of a load curve). */
  readonly params?: Uint8Array;
  readonly priority: ReadPriority;
  /** Give up when not answered by this host time (ms since epoch); the channel may shorten retries. */
  readonly deadline?: number;
}

export type ReadFailure =
  /** No answer within the response timeout after every retry. */
  | "timeout"
  /** The meter answered with an abnormal reply (error byte in `detail`). */
  | "denied"
  /** An answer arrived but was undecodable, from another address or for another identifier. */
  | "bad-answer"
  /** The channel is paused (AFN05 F49) or stopped. */
  | "unavailable"
  /** The deadline passed before the request reached the wire. */
  | "expired";

export type MeterReadResult =
  | {
      readonly ok: true;
      /** The value bytes after the identifier, already unscrambled (−0x33), in wire order. */
      readonly data: Uint8Array;
      /** Host time the answer arrived. */
      readonly at: number;
    }
  | { readonly ok: false; readonly reason: ReadFailure; readonly detail?: string };

export interface ChannelStats {
  readonly requests: number;
  readonly answered: number;
  readonly failed: number;
  /** Bytes of meter frames sent and received (useful traffic), for channel-efficiency figures. */
  readonly bytesOut: number;
  readonly bytesIn: number;
  /** Milliseconds the line was busy with exchanges. */
  readonly busyMs: number;
}

export interface MeterChannel {
  readonly port: number;
  readonly kind: "rs485" | "carrier";
  /** Reads one identifier from one meter. Never rejects: failures are results. */
  read(request: MeterReadRequest): Promise<MeterReadResult>;
  /**
   * Sends a raw DL/T 645 frame (AFN10 F1 forwarding) and returns the first answer frame, or undefined on
   * timeout. Never rejects.
   */
  forward(
    meter: MeterTarget | undefined,
    frame: Uint8Array,
    timeoutMs: number,
  ): Promise<Uint8Array | undefined>;
  /** Sends a frame nobody answers (broadcast time sync, freeze commands). */
  broadcast(frame: Uint8Array): Promise<void>;
  pause(): void;
  resume(): void;
  readonly paused: boolean;
  stats(): ChannelStats;
  close(): Promise<void>;
}
