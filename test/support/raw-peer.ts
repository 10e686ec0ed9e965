/**
 * A raw 1376.1 peer over TCP for link-rule and robustness tests: it sends exactly the bytes it is given
 * (repeated frames, garbage, half frames) and collects whole answer frames with the codec's splitter.
 */
import { createConnection, type Socket } from "node:net";
import type { DataItem } from "../../src/protocol/gw1376-1/data-units.ts";
import { encodeMessage } from "../../src/protocol/gw1376-1/message.ts";
import { FrameSplitter } from "../../src/protocol/gw1376-1/splitter.ts";

export interface RequestFrameOptions {
  readonly afn: number;
  readonly items: readonly DataItem[];
  readonly pseq?: number;
  /** Sets FCV=1 with this FCB; omitted = FCV 0. */
  readonly fcb?: 0 | 1;
  readonly msa?: number;
  readonly pw?: Uint8Array;
  readonly area?: string;
  readonly terminal?: number;
  /** Address A2 as a group address (A3 D0 = 1). */
  readonly group?: boolean;
}

/** A master-initiated request frame (one data unit per item). */
export function requestFrame(o: RequestFrameOptions): Uint8Array {
  const carriesPw = [0x01, 0x04, 0x05, 0x06, 0x0f, 0x10].includes(o.afn);
  return encodeMessage({
    control: {
      dir: 0,
      prm: 1,
      fcbAcd: o.fcb ?? 0,
      fcv: o.fcb === undefined ? 0 : 1,
      fc: [0x04, 0x05].includes(o.afn) ? 10 : 11,
    },
    address: {
      area: o.area ?? "4403",
      terminal: o.terminal ?? 1,
      master: o.msa ?? 1,
      group: o.group ?? false,
    },
    afn: o.afn,
    seq: { tpv: false, fir: true, fin: true, con: carriesPw, seq: o.pseq ?? 0 },
    groups: o.items.map((item) => ({ pns: [item.pn], fns: [item.fn], items: [item] })),
    ...(carriesPw ? { pw: o.pw ?? new Uint8Array(16) } : {}),
  });
}

export class RawPeer {
  readonly socket: Socket;
  /** Resolves when the connection is closed (by either side). */
  readonly closed: Promise<void>;
  readonly #splitter = new FrameSplitter();
  readonly #frames: Uint8Array[] = [];
  #open = true;
  #waiter: (() => void) | undefined;
  /** Every byte received, frames or not. */
  bytesReceived = 0;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on("data", (chunk: Buffer) => {
      this.bytesReceived += chunk.length;
      this.#frames.push(...this.#splitter.push(new Uint8Array(chunk)));
      this.#waiter?.();
    });
    socket.on("error", () => socket.destroy());
    // The other side's FIN: nothing more will come and writes would fail.
    socket.on("end", () => {
      this.#open = false;
      this.#waiter?.();
    });
    this.closed = new Promise((resolve) =>
      socket.on("close", () => {
        this.#open = false;
        this.#waiter?.();
        resolve();
      }),
    );
  }

  static connect(port: number, host = "127.0.0.1"): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const socket = createConnection({ host, port });
      socket.once("connect", () => {
        socket.off("error", reject);
        resolve(new RawPeer(socket));
      });
      socket.once("error", reject);
    });
  }

  /** The label the daemon gives this connection (`tcp:HOST:PORT` of this end). */
  get label(): string {
    return `tcp:${this.socket.localAddress}:${this.socket.localPort}`;
  }

  get isOpen(): boolean {
    return this.#open;
  }

  send(bytes: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) =>
      this.socket.write(bytes, (error) => (error ? reject(error) : resolve())),
    );
  }

  /** The next whole frame received; rejects after `timeoutMs` or when the connection closes first. */
  async nextFrame(timeoutMs = 3000): Promise<Uint8Array> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const frame = this.#frames.shift();
      if (frame !== undefined) return frame;
      if (!this.#open) throw new Error("connection closed before a frame arrived");
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no frame within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#waiter = undefined;
    }
  }

  /** Frames received and not yet taken. */
  get queued(): number {
    return this.#frames.length;
  }

  async close(): Promise<void> {
    this.socket.destroy();
    await this.closed;
  }
}
