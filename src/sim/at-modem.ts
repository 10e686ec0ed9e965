/**
 * A simulated cellular modem's AT port: answers the identification and signal commands the terminal uses
 * (AT, ATE0/ATE1, AT+CGMI, AT+CGMM, AT+CGMR, AT+CGSN, AT+CCID or AT+ICCID, AT+CSQ) over any byte stream —
 * an in-memory pipe (paced or not) or one end of a socat pseudo-terminal pair. It echoes commands like a
 * modem fresh from power-up (ATE1) and answers in the usual `\r\n<info>\r\n\r\nOK\r\n` shape.
 * Behaviours for tests: `silent` (answers nothing), `rssi` changes, and which ICCID spelling it knows.
 */
import type { ByteStream } from "../transport/byte-stream.ts";

export interface SimModemIdentity {
  readonly manufacturer: string;
  readonly model: string;
  readonly firmware: string;
  readonly imei: string;
  readonly iccid: string;
}

export const SIM_MODEM_IDENTITY: SimModemIdentity = {
  manufacturer: "OpenDCU Sim",
  model: "SIM-LTE1",
  firmware: "SIMLTE1R01A02",
  imei: "861234050012345",
  iccid: "89860012345678901234",
};

export interface SimModemOptions {
  readonly identity?: Partial<SimModemIdentity>;
  /** CSQ RSSI 0..31 (99 unknown). */
  readonly rssi?: number;
  /** Echo commands back (ATE1, the power-up default). */
  readonly echo?: boolean;
  /** Which command answers the ICCID; the other gets `ERROR` (modems differ). */
  readonly iccidCommand?: "CCID" | "ICCID";
}

const MAX_LINE = 256;
const MAX_LOG = 1000;

export class SimulatedAtModem {
  rssi: number;
  /** When true the modem answers nothing (power failure, wrong port). */
  silent = false;
  /** Commands received, oldest first (bounded). */
  readonly commands: string[] = [];
  readonly #stream: ByteStream;
  readonly #identity: SimModemIdentity;
  readonly #iccidCommand: "CCID" | "ICCID";
  readonly #unsubscribe: () => void;
  #echo: boolean;
  #line = "";

  constructor(stream: ByteStream, options: SimModemOptions = {}) {
    this.#stream = stream;
    this.#identity = { ...SIM_MODEM_IDENTITY, ...options.identity };
    this.rssi = options.rssi ?? 21;
    this.#echo = options.echo ?? true;
    this.#iccidCommand = options.iccidCommand ?? "CCID";
    this.#unsubscribe = stream.onData((chunk) => this.#onData(chunk));
  }

  async close(): Promise<void> {
    this.#unsubscribe();
    await this.#stream.close();
  }

  #onData(chunk: Uint8Array): void {
    for (const byte of chunk) {
      if (byte === 0x0d || byte === 0x0a) {
        const line = this.#line.trim();
        this.#line = "";
        if (line !== "") this.#onCommand(line);
      } else if (this.#line.length < MAX_LINE) {
        this.#line += String.fromCharCode(byte);
      }
    }
  }

  #onCommand(line: string): void {
    if (this.silent) return;
    if (this.commands.length >= MAX_LOG) this.commands.shift();
    this.commands.push(line);
    const command = line.toUpperCase();
    let out = this.#echo ? `${line}\r` : "";
    const answer = this.#answer(command);
    out += answer === undefined ? "\r\nERROR\r\n" : `${answer.map((l) => `\r\n${l}\r\n`).join("")}\r\nOK\r\n`;
    this.#stream.write(new TextEncoder().encode(out)).catch(() => {});
  }

  /** Information lines for a command, or undefined for ERROR. */
  #answer(command: string): string[] | undefined {
    const id = this.#identity;
    switch (command) {
      case "AT":
        return [];
      case "ATE0":
        this.#echo = false;
        return [];
      case "ATE1":
        this.#echo = true;
        return [];
      case "AT+CGMI":
        return [id.manufacturer];
      case "AT+CGMM":
        return [id.model];
      case "AT+CGMR":
        return [`Revision: ${id.firmware}`];
      case "AT+CGSN":
        return [id.imei];
      case "AT+CCID":
        return this.#iccidCommand === "CCID" ? [`+CCID: ${id.iccid}`] : undefined;
      case "AT+ICCID":
        return this.#iccidCommand === "ICCID" ? [`+ICCID: ${id.iccid}`] : undefined;
      case "AT+CSQ":
        return [`+CSQ: ${this.rssi},99`];
      default:
        return undefined;
    }
  }
}
