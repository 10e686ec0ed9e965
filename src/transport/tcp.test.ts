import assert from "node:assert/strict";
import { test } from "node:test";
import type { ByteStream } from "./byte-stream.ts";
import { connectTcp, listenTcp } from "./tcp.ts";

function collect(stream: ByteStream, count: number): Promise<Uint8Array> {
  return new Promise((resolve) => {
    const parts: number[] = [];
    const off = stream.onData((chunk) => {
      parts.push(...chunk);
      if (parts.length >= count) {
        off();
        resolve(Uint8Array.from(parts));
      }
    });
  });
}

test("TCP byte streams carry bytes both ways over loopback and report closing", async () => {
  let serverSide: ByteStream | undefined;
  const accepted = new Promise<ByteStream>((resolve) => {
    void resolve;
  });
  void accepted;
  const gotServer = new Promise<ByteStream>((resolve) => {
    listenTcp("127.0.0.1", 0, (stream) => {
      serverSide = stream;
      resolve(stream);
    })
      .then((listener) => {
        listeners.push(listener);
      })
      .catch(() => undefined);
  });
  const listeners: { port: number; close(): Promise<void> }[] = [];
  while (listeners.length === 0) await new Promise((r) => setTimeout(r, 5));
  const listener = listeners[0] as { port: number; close(): Promise<void> };
  try {
    const client = await connectTcp("127.0.0.1", listener.port);
    const server = await gotServer;
    assert.equal(server, serverSide);
    const toServer = collect(server, 3);
    await client.write(Uint8Array.of(1, 2, 3));
    assert.deepEqual(await toServer, Uint8Array.of(1, 2, 3));
    const toClient = collect(client, 2);
    await server.write(Uint8Array.of(9, 8));
    assert.deepEqual(await toClient, Uint8Array.of(9, 8));
    assert.equal(client.isOpen, true);
    await client.close();
    await server.closed; // the peer sees the close
    assert.equal(server.isOpen, false);
    await client.close(); // idempotent
  } finally {
    await listener.close();
  }
});

test("connecting to a closed port is an operational error naming the address", async () => {
  const listener = await listenTcp("127.0.0.1", 0, () => undefined);
  const port = listener.port;
  await listener.close();
  await assert.rejects(connectTcp("127.0.0.1", port, 2000), (error: Error & { code?: string }) => {
    assert.equal(error.code, "transport.closed");
    assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
    return true;
  });
});
