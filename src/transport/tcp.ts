/**
 * Byte streams over TCP (`node:net`): a client connection, a wrapper for accepted sockets, and a listen
 * helper for servers (the meter simulator, the uplink in server mode).
 */
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { OpenDcuError } from "../common/errors.ts";
import type { ByteStream } from "./byte-stream.ts";

/** Wraps a connected socket. Socket errors close the stream (reported through `closed`, never thrown). */
export function socketStream(socket: Socket, label?: string): ByteStream {
  const name = label ?? `tcp:${socket.remoteAddress ?? "?"}:${socket.remotePort ?? "?"}`;
  const listeners = new Set<(chunk: Uint8Array) => void>();
  let open = !socket.destroyed;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => {
    resolveClosed = resolve;
  });
  const finish = (): void => {
    open = false;
    listeners.clear();
    resolveClosed();
  };
  socket.setNoDelay(true);
  socket.on("data", (chunk: Buffer) => {
    const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    for (const listener of listeners) listener(bytes);
  });
  socket.on("error", () => socket.destroy());
  socket.on("close", finish);
  return {
    label: name,
    get isOpen() {
      return open;
    },
    closed,
    onData(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    write(bytes) {
      if (!open) return Promise.reject(new OpenDcuError("transport.closed", `${name} is closed`));
      return new Promise((resolve, reject) => {
        socket.write(bytes, (error) => {
          if (error)
            reject(new OpenDcuError("transport.closed", `${name}: ${error.message}`, {}, { cause: error }));
          else resolve();
        });
      });
    },
    async close() {
      if (!open) return;
      socket.end();
      socket.destroy();
      await closed;
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
