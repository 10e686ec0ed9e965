/**
 * Live indicators as server-sent events: an `indicators` event at once and on every change, and a `tick`
 * (terminal clock, uplink state) every few seconds, which also keeps proxies from closing an idle stream.
 * The number of open streams is capped; `LiveStreams.closeAll` ends them when the server stops.
 */
import { streamSSE } from "hono/streaming";
import { localTimeText } from "../../terminal/local-time.ts";
import type { WebContext } from "../context.ts";
import { defineRoute, HttpError, type Route } from "../route-table.ts";

export const TICK_MS = 5000;

export class LiveStreams {
  readonly #closers = new Set<() => void>();

  get size(): number {
    return this.#closers.size;
  }

  add(close: () => void): () => void {
    this.#closers.add(close);
    return () => this.#closers.delete(close);
  }

  closeAll(): void {
    for (const close of [...this.#closers]) close();
  }
}

export function liveRoutes(ctx: WebContext, streams: LiveStreams): Route[] {
  return [
    defineRoute({
      method: "get",
      path: "/api/live",
      tag: "status",
      summary: "Server-sent events: `indicators` on every change, `tick` with the terminal clock every 5 s",
      auth: "none",
      response: { description: "an event stream", mediaType: "text/event-stream" },
      handle: ({ c }) => {
        if (streams.size >= ctx.limits.maxLiveStreams) {
          throw new HttpError(503, "busy", `at most ${ctx.limits.maxLiveStreams} live streams at once`);
        }
        return streamSSE(c, async (stream) => {
          let seq = 0;
          const send = (event: string, data: unknown): void => {
            if (stream.aborted || stream.closed) return;
            stream
              .writeSSE({ event, id: String(++seq), data: JSON.stringify(data) })
              .catch(() => stream.abort());
          };
          const tick = (): void => {
            const now = ctx.core.clock.now();
            send("tick", {
              clock: now,
              clockText: localTimeText(now, ctx.core.utcOffsetMinutes),
              uplink: ctx.uplink.status().state,
            });
          };
          await new Promise<void>((resolve) => {
            let timer = ctx.hostClock.setTimer(TICK_MS, function again() {
              tick();
              timer = ctx.hostClock.setTimer(TICK_MS, again);
            });
            const unsubscribe = ctx.indicators.subscribe((indicators) => send("indicators", indicators));
            let done = false;
            const finish = (): void => {
              if (done) return;
              done = true;
              timer.cancel();
              unsubscribe();
              forget();
              resolve();
            };
            const forget = streams.add(() => {
              finish();
              stream.abort();
            });
            stream.onAbort(finish);
            tick();
          });
        });
      },
    }),
  ];
}
