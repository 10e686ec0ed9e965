/**
 * A daemon in server mode on an ephemeral loopback port with its database in a fresh temp directory, and a
 * master station connected to it: the setup of the uplink end-to-end tests. `close()` undoes all of it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DaemonConfigInput } from "../../src/daemon/config.ts";
import { type DaemonHandle, startDaemon } from "../../src/daemon/daemon.ts";
import { connectToDcu, type MasterStation } from "../../src/sim/master/master-station.ts";

export interface ServerDaemonFixture {
  readonly daemon: DaemonHandle;
  readonly master: MasterStation;
  readonly dir: string;
  close(): Promise<void>;
}

export async function startServerDaemon(
  overrides: Partial<DaemonConfigInput> = {},
): Promise<ServerDaemonFixture> {
  const dir = mkdtempSync(join(tmpdir(), "opendcu-uplink-"));
  const daemon = await startDaemon({
    dbPath: join(dir, "dcu.sqlite"),
    uplink: { listen: { host: "127.0.0.1", port: 0 } },
    ...overrides,
  });
  const at = daemon.listening;
  if (at === undefined) throw new Error("the daemon is not listening");
  const master = await connectToDcu(at.host, at.port, { area: "4403", terminal: 1, timeoutMs: 3000 });
  return {
    daemon,
    master,
    dir,
    async close() {
      await master.close();
      await daemon.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
