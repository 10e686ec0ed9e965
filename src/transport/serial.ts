/**
 * Byte stream over a real serial port (`serialport`). DL/T 645 on RS-485 is normally 2400 baud 8E1
 * (1200 for old meters, 9600 for some newer ones). Never calls `SerialPort.list()` (conventions §26): the
 * path is given by the user (prefer /dev/serial/by-id/…).
 */
import { SerialPort } from "serialport";
import { OpenDcuError } from "../common/errors.ts";
import type { ByteStream } from "./byte-stream.ts";
import { StreamState } from "./stream-state.ts";

export interface SerialOptions {
  readonly path: string;
  readonly baudRate: number;
  readonly parity?: "none" | "even" | "odd";
  readonly dataBits?: 7 | 8;
  readonly stopBits?: 1 | 2;
}

/** Opens a serial port; rejects with `serial.open-failed` naming the path. */
export function openSerial(options: SerialOptions): Promise<ByteStream> {
  const label = `serial:${options.path}`;
  return new Promise((resolve, reject) => {
    const port = new SerialPort({
      path: options.path,
      baudRate: options.baudRate,
      parity: options.parity ?? "even",
      dataBits: options.dataBits ?? 8,
      stopBits: options.stopBits ?? 1,
      autoOpen: false,
    });
    port.open((error) => {
      if (error) {
        reject(
          new OpenDcuError(
            "serial.open-failed",
            `cannot open ${options.path}: ${error.message}`,
            { path: options.path },
            { cause: error },
          ),
        );
        return;
      }
      resolve(wrapPort(port, label));
    });
  });
}

function wrapPort(port: SerialPort, label: string): ByteStream {
  const state = new StreamState();
  port.on("data", (chunk: Buffer) =>
    state.emit(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)),
  );
  port.on("close", () => state.finish());
  // An unplugged adapter reports an error then closes; the error must not crash the process.
  port.on("error", () => state.finish());
  return {
    label,
    get isOpen() {
      return state.isOpen;
    },
    closed: state.closed,
    onData: (listener) => state.onData(listener),
    write(bytes) {
      if (!state.isOpen) return Promise.reject(new OpenDcuError("transport.closed", `${label} is closed`));
      return new Promise((resolve, reject) => {
        port.write(Buffer.from(bytes), (error) => {
          if (error) {
            reject(new OpenDcuError("transport.closed", `${label}: ${error.message}`, {}, { cause: error }));
            return;
          }
          port.drain((drainError) => {
            if (drainError) reject(new OpenDcuError("transport.closed", `${label}: ${drainError.message}`));
            else resolve();
          });
        });
      });
    },
    close() {
      if (!state.isOpen) return Promise.resolve();
      return new Promise<void>((resolve) => {
        port.close(() => {
          state.finish();
          resolve();
        });
      });
    },
  };
}
