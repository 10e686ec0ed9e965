/**
 * Keeps the virtual module's node archive across restarts, like a real module's flash: a small JSON file
 * written atomically (temp file → fsync → rename → fsync of the directory, conventions §19) and validated
 * on load (bad entries are dropped and reported, never trusted).
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { z } from "zod";
import type { ModuleArchive } from "./carrier-module.ts";

const ADDRESS = /^[0-9a-f]{12}$/;

const FileSchema = z.object({
  version: z.literal(1),
  masterAddress: z.string().regex(ADDRESS),
  nodes: z.array(z.unknown()),
});

const NodeSchema = z.object({
  address: z.string().regex(ADDRESS),
  protocol: z.number().int().min(0).max(255),
});

export interface LoadedArchive {
  readonly archive: ModuleArchive | undefined;
  /** Human-readable reasons for anything that was not loaded. */
  readonly problems: readonly string[];
}

export function loadArchive(path: string): LoadedArchive {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { archive: undefined, problems: [] };
    return { archive: undefined, problems: [`cannot read ${path}: ${(error as Error).message}`] };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { archive: undefined, problems: [`${path} is not JSON; starting with an empty archive`] };
  }
  const file = FileSchema.safeParse(json);
  if (!file.success)
    return { archive: undefined, problems: [`${path}: ${file.error.issues[0]?.message ?? "invalid"}`] };
  const problems: string[] = [];
  const nodes: { address: string; protocol: number }[] = [];
  const seen = new Set<string>();
  file.data.nodes.forEach((raw, i) => {
    const node = NodeSchema.safeParse(raw);
    if (!node.success) problems.push(`nodes[${i}] dropped: ${node.error.issues[0]?.message ?? "invalid"}`);
    else if (seen.has(node.data.address))
      problems.push(`nodes[${i}] dropped: duplicate ${node.data.address}`);
    else {
      seen.add(node.data.address);
      nodes.push(node.data);
    }
  });
  return { archive: { masterAddress: file.data.masterAddress, nodes }, problems };
}

export function saveArchive(path: string, archive: ModuleArchive): void {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, "w");
  try {
    writeFileSync(fd, JSON.stringify({ version: 1, ...archive }, null, 1));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  const dir = openSync(dirname(path), "r");
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}
