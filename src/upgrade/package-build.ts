/**
 * Builds an upgrade package from a directory (`opendcu package build`): every regular file under it except
 * the excluded ones goes into the archive, gzip-compressed, with a manifest pinning size and SHA-256, signed
 * with the builder's Ed25519 private key. Symbolic links are skipped (they could point anywhere) and
 * reported, so a `node_modules` link in a development tree is noticed rather than silently followed.
 */
import { createHash, type KeyObject } from "node:crypto";
import { lstat, readdir, readFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { gzipSync } from "node:zlib";
import { OpenDcuError } from "../common/errors.ts";
import { type ArchiveFile, encodeArchive } from "./archive.ts";
import {
  DEFAULT_ENTRY,
  encodeSignedHead,
  joinPackage,
  type Manifest,
  ManifestSchema,
} from "./package-format.ts";
import { signBytes } from "./signing.ts";

/** Never packed: version control. */
const ALWAYS_EXCLUDED = [".git"];

/**
 * Simple exclusion patterns: `name` matches a file or directory of that name anywhere; `*.ext` (a `*` with
 * no `/`) matches file names by glob; `dir/sub` matches that relative path and everything under it.
 */
export function isExcluded(relativePath: string, patterns: readonly string[]): boolean {
  const segments = relativePath.split("/");
  const base = segments.at(-1) ?? "";
  for (const pattern of [...ALWAYS_EXCLUDED, ...patterns]) {
    if (pattern.includes("/")) {
      if (relativePath === pattern || relativePath.startsWith(`${pattern}/`)) return true;
    } else if (pattern.includes("*")) {
      const re = new RegExp(
        `^${pattern
          .split("*")
          .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
          .join(".*")}$`,
      );
      if (re.test(base)) return true;
    } else if (segments.includes(pattern)) {
      return true;
    }
  }
  return false;
}

export interface CollectResult {
  readonly files: ArchiveFile[];
  /** Symbolic links and other non-regular entries that were left out. */
  readonly skipped: string[];
}

/** Reads the files of `dir` (sorted, so the same tree always gives the same archive). */
export async function collectFiles(dir: string, exclude: readonly string[] = []): Promise<CollectResult> {
  const files: ArchiveFile[] = [];
  const skipped: string[] = [];
  const walk = async (at: string): Promise<void> => {
    const entries = (await readdir(at)).sort();
    for (const name of entries) {
      const full = join(at, name);
      const rel = relative(dir, full).split(sep).join("/");
      if (isExcluded(rel, exclude)) continue;
      const stat = await lstat(full);
      if (stat.isDirectory()) await walk(full);
      else if (stat.isFile())
        files.push({ path: rel, mode: stat.mode & 0o111 ? 0o755 : 0o644, content: await readFile(full) });
      else skipped.push(rel);
    }
  };
  await walk(dir);
  return { files, skipped };
}

export interface BuildOptions {
  readonly version: string;
  readonly target: string;
  readonly entry?: string;
  /** Omit to build an unsigned package (only useful to test that DCUs refuse it). */
  readonly privateKey?: KeyObject;
  readonly created?: Date;
}

/** The package bytes for `files`. Throws `cli.invalid-argument` when the manifest would be invalid. */
export function buildPackage(
  files: readonly ArchiveFile[],
  options: BuildOptions,
): { bytes: Uint8Array; manifest: Manifest } {
  const entry = options.entry ?? DEFAULT_ENTRY;
  if (!files.some((f) => f.path === entry))
    throw new OpenDcuError("cli.invalid-argument", `entry point ${entry} is not among the packed files`);
  const payload = gzipSync(encodeArchive(files), { level: 9 });
  const candidate = {
    format: 1,
    product: "opendcu",
    version: options.version,
    target: options.target,
    size: payload.length,
    sha256: createHash("sha256").update(payload).digest("hex"),
    unpackedSize: files.reduce((sum, f) => sum + f.content.length, 0),
    files: files.length,
    entry,
    created: (options.created ?? new Date()).toISOString(),
  };
  const parsed = ManifestSchema.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new OpenDcuError(
      "cli.invalid-argument",
      `manifest ${issue?.path.join(".") || "(root)"}: ${issue?.message ?? "invalid"}`,
    );
  }
  const head = encodeSignedHead(parsed.data);
  const signature =
    options.privateKey === undefined ? new Uint8Array(0) : signBytes(options.privateKey, head);
  return { bytes: joinPackage(head, signature, payload), manifest: parsed.data };
}

/** The version in `dir/package.json`, which the built release reports as its running version. */
export async function readPackageVersion(dir: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(join(dir, "package.json"), "utf8");
  } catch (cause) {
    throw new OpenDcuError("cli.invalid-argument", `${dir}/package.json cannot be read`, {}, { cause });
  }
  const version = (JSON.parse(text) as { version?: unknown }).version;
  if (typeof version !== "string")
    throw new OpenDcuError("cli.invalid-argument", `${dir}/package.json has no version`);
  return version;
}
