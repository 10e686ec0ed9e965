/**
 * A daemon with the web interface on ephemeral loopback ports and its database in a fresh temp directory,
 * and a small HTTP client that keeps the session cookie and sends the CSRF header like the browser UI does.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Clock } from "../../src/common/clock.ts";
import type { DaemonConfigInput } from "../../src/daemon/config.ts";
import { type DaemonHandle, startDaemon } from "../../src/daemon/daemon.ts";

export interface WebDaemonFixture {
  readonly daemon: DaemonHandle;
  readonly dir: string;
  /** e.g. http://127.0.0.1:41234 (no trailing slash) */
  readonly base: string;
  close(): Promise<void>;
}

export async function startWebDaemon(
  overrides: Partial<DaemonConfigInput> = {},
  deps: { clock?: Clock } = {},
): Promise<WebDaemonFixture> {
  const dir = mkdtempSync(join(tmpdir(), "opendcu-web-"));
  const daemon = await startDaemon(
    {
      dbPath: join(dir, "dcu.sqlite"),
      uplink: { listen: { host: "127.0.0.1", port: 0 } },
      web: { listen: { host: "127.0.0.1", port: 0 } },
      ...overrides,
    },
    deps,
  );
  const web = daemon.web;
  if (web === undefined) throw new Error("the web interface did not start");
  return {
    daemon,
    dir,
    base: `http://127.0.0.1:${web.port}`,
    async close() {
      await daemon.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface ApiResponse<T = unknown> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
  readonly text: string;
}

/** A fetch wrapper with one cookie jar (the session cookie) and the CSRF token from the last login. */
export class WebClient {
  readonly base: string;
  cookie: string | undefined;
  csrf: string | undefined;

  constructor(base: string) {
    this.base = base;
  }

  async request<T = Record<string, unknown>>(
    method: string,
    path: string,
    options: {
      json?: unknown;
      body?: string | Uint8Array;
      contentType?: string;
      headers?: Record<string, string>;
    } = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (this.cookie !== undefined) headers.cookie = this.cookie;
    if (this.csrf !== undefined && method !== "GET") headers["x-csrf-token"] ??= this.csrf;
    let body: string | Uint8Array | undefined = options.body;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers["content-type"] = "application/json";
    }
    if (options.contentType !== undefined) headers["content-type"] = options.contentType;
    const response = await fetch(`${this.base}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body }),
    });
    const setCookie = response.headers.get("set-cookie");
    if (setCookie !== null) {
      const pair = setCookie.split(";")[0] ?? "";
      this.cookie = pair.endsWith("=") ? undefined : pair;
    }
    const text = await response.text();
    let parsed: unknown = text;
    if ((response.headers.get("content-type") ?? "").includes("application/json")) parsed = JSON.parse(text);
    return { status: response.status, headers: response.headers, body: parsed as T, text };
  }

  get<T = Record<string, unknown>>(path: string): Promise<ApiResponse<T>> {
    return this.request<T>("GET", path);
  }

  /** Sets the first password (loopback only) and keeps the session. */
  async setup(password: string): Promise<void> {
    const r = await this.request<{ csrfToken?: string }>("POST", "/api/session/password", {
      json: { password },
    });
    if (r.status !== 200) throw new Error(`setup failed: ${r.status} ${r.text}`);
    this.csrf = r.body.csrfToken;
  }

  async login(password: string): Promise<ApiResponse<{ csrfToken?: string }>> {
    const r = await this.request<{ csrfToken?: string }>("POST", "/api/session", { json: { password } });
    if (r.status === 200) this.csrf = r.body.csrfToken;
    return r;
  }
}
