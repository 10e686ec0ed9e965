/**
 * One byte-stream interface for every link (architecture: "I/O is injected"). Implementations: a serial
 * port, a TCP socket, and an in-memory pipe (optionally paced at a line's baud rate). Channels, the uplink
 * and the simulators only ever see this interface.
 */
export interface ByteStream {
  /** Resolves when the bytes have been handed to the underlying link (for a paced pipe: fully sent). */
  write(bytes: Uint8Array): Promise<void>;
  /** Subscribes to incoming chunks; returns the unsubscribe function. Chunks may split or merge frames. */
  onData(listener: (chunk: Uint8Array) => void): () => void;
  /** Closes the stream; idempotent. */
  close(): Promise<void>;
  /** Resolves once the stream is closed, by either side or by an error. */
  readonly closed: Promise<void>;
  readonly isOpen: boolean;
  /** A short label for logs, e.g. `serial:/dev/ttyUSB0`, `tcp:127.0.0.1:4001`, `pipe:a`. */
  readonly label: string;
}
