/**
 * Byte streams over TCP (`node:net`): a client connection, a wrapper for accepted sockets, and a listen
 * helper for servers (the meter simulator, the uplink in server mode).
 */
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { OpenDcuError } from "../common/errors.ts";
import type { ByteStream } from "./byte-stream.ts";
import { StreamState } from "./stream-state.ts";

/** Wraps a connected socket. Socket errors close the stream (reported through `closed`, never thrown). */
export function socketStream(socket: Socket, label?: string): ByteStream {
  const name = label ?? `tcp:${socket.remoteAddress ?? "?"}:${socket.remotePort ?? "?"}`;
  const state = new StreamState(!socket.destroyed);
  socket.setNoDelay(true);
  socket.on("data", (chunk: Buffer) =>
    state.emit(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)),
  );
  socket.on("error", () => socket.destroy());
  socket.on("close", () => state.finish());
  return {
    label: name,
    get isOpen() {
      return state.isOpen;
    },
    closed: state.closed,
    onData: (listener) => state.onData(listener),
    write(bytes) {
      if (!state.isOpen) return Promise.reject(new OpenDcuError("transport.closed", `${name} is closed`));
      return new Promise((resolve, reject) => {
        socket.write(bytes, (error) => {
          if (error)
            reject(new OpenDcuError("transport.closed", `${name}: ${error.message}`, {}, { cause: error }));
          else resolve();
        });
      });
    },
    async close() {
      if (!state.isOpen) return;
      socket.end();
      socket.destroy();
      await state.closed;
    },
  };
}

/** Connects to host:port. */
export function connectTcp(host: string, port: number, timeoutMs = 5000): Promise<ByteStream> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new OpenDcuError("timeout", `tcp connect to ${host}:${port} timed out`));
    }, timeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      resolve(socketStream(socket, `tcp:${host}:${port}`));
    });
    socket.once("error", (error) => {
      clearTimeout(timer);
      reject(
        new OpenDcuError(
          "transport.closed",
          `tcp connect to ${host}:${port}: ${error.message}`,
          {},
          { cause: error },
        ),
      );
    });
  });
}

export interface TcpListener {
  /** The bound port (useful when listening on port 0). */
  readonly port: number;
  readonly host: string;
  close(): Promise<void>;
}

/** Listens on host:port; each accepted connection is handed over as a byte stream. */
export function listenTcp(
  host: string,
  port: number,
  onConnection: (stream: ByteStream) => void,
): Promise<TcpListener> {
  return new Promise((resolve, reject) => {
    const sockets = new Set<Socket>();
    const server: Server = createServer((socket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      onConnection(socketStream(socket));
    });
    server.once("error", (error) =>
      reject(
        new OpenDcuError(
          "transport.closed",
          `listen on ${host}:${port}: ${error.message}`,
          {},
          { cause: error },
        ),
      ),
    );
    server.listen(port, host, () => {
      const address = server.address();
      const bound = typeof address === "object" && address !== null ? address.port : port;
      resolve({
        port: bound,
        host,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
