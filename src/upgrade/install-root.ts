/**
 * The A/B install root (docs/upgrade.md "Install root"):
 *
 *   <root>/releases/<version>/   one unpacked release per version (+ .opendcu-release.json, its manifest)
 *   <root>/current -> releases/<version>   what the launcher starts; switched to a new version for its trial
 *   <root>/good    -> releases/<version>   the last version confirmed healthy; the launcher itself runs from
 *                                          here and a failed trial returns `current` to it
 *   <root>/upgrade-state.json             the trial state shared by the daemon and the launcher
 *
 * Every change is crash-safe: a release is written to a staging directory, fsync'ed and renamed into place;
 * a link is switched by creating a new symlink and renaming it over the old one (atomic on POSIX), then
 * fsync'ing the directory; the state file is replaced the same way.
 */
import { randomBytes } from "node:crypto";
import { mkdir, open, readdir, readFile, readlink, rename, rm, symlink } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { z } from "zod";
import { writeFileAtomic } from "../store/atomic-file.ts";
import type { ArchiveFile } from "./archive.ts";
import { DEFAULT_ENTRY, type Manifest, RELEASE_INFO_FILE } from "./package-format.ts";

export const RELEASES_DIR = "releases";
export const CURRENT_LINK = "current";
export const GOOD_LINK = "good";
export const STATE_FILE = "upgrade-state.json";

export const UpgradeStateSchema = z.object({
  /** trial: `to` runs and must prove healthy; committed: `to` is good; rolled-back: `from` runs again. */
  state: z.enum(["trial", "committed", "rolled-back"]),
  /** The version that ran before (absent at the first install). */
  from: z.string().optional(),
  to: z.string(),
  /** Terminal time of the last transition (ms). */
  at: z.number(),
  /** How long the new version has to prove healthy (the launcher adds its grace). */
  healthTimeoutMs: z.number().int().min(0),
  reason: z.string().optional(),
  /** Database copy taken before the switch, restored only if the new version migrated the schema. */
  db: z.object({ snapshot: z.string(), schemaVersion: z.number().int() }).optional(),
});

export type UpgradeState = z.infer<typeof UpgradeStateSchema>;

async function fsyncDir(path: string): Promise<void> {
  const handle = await open(path, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export class InstallRoot {
  readonly path: string;

  constructor(path: string) {
    // Absolute, so the daemon, the launcher and the CLI agree whatever their working directories.
    this.path = resolve(path);
  }

  releaseDir(version: string): string {
    return join(this.path, RELEASES_DIR, version);
  }

  async #linkVersion(link: string): Promise<string | undefined> {
    try {
      const target = await readlink(join(this.path, link));
      const m = new RegExp(`^${RELEASES_DIR}/([^/]+)/?$`).exec(target);
      return m?.[1];
    } catch {
      return undefined;
    }
  }

  /** The version `current` points at (what the launcher starts), if any. */
  currentVersion(): Promise<string | undefined> {
    return this.#linkVersion(CURRENT_LINK);
  }

  /** The last version confirmed healthy, if any. */
  goodVersion(): Promise<string | undefined> {
    return this.#linkVersion(GOOD_LINK);
  }

  async versions(): Promise<string[]> {
    try {
      return (await readdir(join(this.path, RELEASES_DIR))).filter((n) => !n.startsWith(".")).sort();
    } catch {
      return [];
    }
  }

  /** The manifest written beside a release; undefined when the release is missing or was not installed by us. */
  async releaseManifest(version: string): Promise<Manifest | undefined> {
    try {
      return JSON.parse(
        await readFile(join(this.releaseDir(version), RELEASE_INFO_FILE), "utf8"),
      ) as Manifest;
    } catch {
      return undefined;
    }
  }

  /** Absolute path of the program the launcher runs for `version`. */
  async entryPath(version: string): Promise<string> {
    const manifest = await this.releaseManifest(version);
    return join(this.releaseDir(version), manifest?.entry ?? DEFAULT_ENTRY);
  }

  /**
   * Unpacks a verified package as `releases/<version>`, durably, without touching any other release. An
   * existing directory of that version (a leftover of an attempt that never ran) is replaced.
   */
  async writeRelease(manifest: Manifest, files: readonly ArchiveFile[]): Promise<void> {
    const releases = join(this.path, RELEASES_DIR);
    await mkdir(releases, { recursive: true });
    const staging = join(releases, `.staging-${manifest.version}-${randomBytes(4).toString("hex")}`);
    const dirs = new Set<string>([staging]);
    try {
      await mkdir(staging);
      for (const file of files) {
        const target = join(staging, file.path);
        const dir = dirname(target);
        if (!dirs.has(dir)) {
          await mkdir(dir, { recursive: true });
          for (let d = dir; d !== staging && !dirs.has(d); d = dirname(d)) dirs.add(d);
        }
        const handle = await open(target, "wx", file.mode);
        try {
          await handle.writeFile(file.content);
          await handle.sync();
        } finally {
          await handle.close();
        }
      }
      const info = await open(join(staging, RELEASE_INFO_FILE), "wx", 0o644);
      try {
        await info.writeFile(`${JSON.stringify(manifest, null, 2)}\n`);
        await info.sync();
      } finally {
        await info.close();
      }
      for (const dir of [...dirs].sort((a, b) => b.length - a.length)) await fsyncDir(dir);
      const final = this.releaseDir(manifest.version);
      await rm(final, { recursive: true, force: true });
      await rename(staging, final);
      await fsyncDir(releases);
    } catch (error) {
      await rm(staging, { recursive: true, force: true });
      throw error;
    }
  }

  async #pointLink(link: string, version: string): Promise<void> {
    const temp = join(this.path, `.${link}.${randomBytes(4).toString("hex")}.tmp`);
    await symlink(`${RELEASES_DIR}/${version}`, temp);
    try {
      await rename(temp, join(this.path, link));
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    await fsyncDir(this.path);
  }

  /** Points `current` at `version` atomically. */
  switchCurrent(version: string): Promise<void> {
    return this.#pointLink(CURRENT_LINK, version);
  }

  /** Points `good` at `version` atomically. */
  markGood(version: string): Promise<void> {
    return this.#pointLink(GOOD_LINK, version);
  }

  /** The trial state; undefined when absent or unreadable (an unreadable file is treated as no trial). */
  async readState(): Promise<UpgradeState | undefined> {
    let text: string;
    try {
      text = await readFile(join(this.path, STATE_FILE), "utf8");
    } catch {
      return undefined;
    }
    try {
      const parsed = UpgradeStateSchema.safeParse(JSON.parse(text));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  }

  async writeState(state: UpgradeState): Promise<void> {
    await mkdir(this.path, { recursive: true });
    await writeFileAtomic(
      join(this.path, STATE_FILE),
      `${JSON.stringify(UpgradeStateSchema.parse(state), null, 2)}\n`,
    );
  }

  /**
   * Ends a trial that failed: `current` goes back to the version that ran before and the state says why.
   * Returns false (and changes nothing) when no trial is running.
   */
  async rollback(reason: string, now: number): Promise<boolean> {
    const state = await this.readState();
    if (state?.state !== "trial") return false;
    const back = state.from ?? (await this.goodVersion());
    if (back === undefined) return false;
    await this.switchCurrent(back);
    await this.writeState({ ...state, state: "rolled-back", at: now, reason });
    return true;
  }

  /** Removes releases other than `keep` (bounded disk use: the running, the good and the previous one). */
  async prune(keep: ReadonlySet<string>): Promise<string[]> {
    const removed: string[] = [];
    const releases = join(this.path, RELEASES_DIR);
    let names: string[];
    try {
      names = await readdir(releases);
    } catch {
      return removed;
    }
    for (const name of names) {
      if (keep.has(name)) continue;
      await rm(join(releases, name), { recursive: true, force: true });
      removed.push(name);
    }
    return removed;
  }
}
