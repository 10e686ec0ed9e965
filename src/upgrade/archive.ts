/**
 * The file archive inside an upgrade package (docs/upgrade.md "Archive"): a flat list of regular files,
 * written by us so no dependency is needed and every byte is checked on the way in.
 *
 *   repeat until the end:
 *     path length  u16 LE (1..1024)
 *     path         UTF-8, relative, "/"-separated, no "." / ".." / empty segments, no NUL or backslash
 *     mode         u16 LE: 0o644 or 0o755 (nothing else: no set-uid, no odd permissions)
 *     size         u32 LE
 *     content      size bytes
 *
 * Decoding is total: any malformed input is an `ArchiveError` value naming what and where, never an
 * exception, and nothing is allocated beyond the input (entries are views into it).
 */

export interface ArchiveFile {
  readonly path: string;
  readonly mode: 0o644 | 0o755;
  readonly content: Uint8Array;
}

export const MAX_PATH_BYTES = 1024;
export const MAX_ARCHIVE_FILES = 20_000;

export interface ArchiveError {
  readonly reason: string;
  readonly offset: number;
}

/** A relative path that cannot leave the directory it is unpacked into; undefined when it could. */
export function checkArchivePath(path: string): string | undefined {
  if (path.length === 0) return "empty path";
  if (path.includes("\0") || path.includes("\\")) return "NUL or backslash in path";
  if (path.startsWith("/")) return "absolute path";
  for (const segment of path.split("/")) {
    if (segment === "" || segment === "." || segment === "..") return `bad path segment "${segment}"`;
  }
  return undefined;
}

export function encodeArchive(files: readonly ArchiveFile[]): Uint8Array {
  const encoder = new TextEncoder();
  const parts: Uint8Array[] = [];
  const seen = new Set<string>();
  for (const file of files) {
    const problem = checkArchivePath(file.path);
    if (problem !== undefined) throw new RangeError(`archive path "${file.path}": ${problem}`);
    if (seen.has(file.path)) throw new RangeError(`archive path "${file.path}" appears twice`);
    seen.add(file.path);
    const path = encoder.encode(file.path);
    if (path.length > MAX_PATH_BYTES) throw new RangeError(`archive path "${file.path}" is too long`);
    const head = new Uint8Array(2 + path.length + 2 + 4);
    const view = new DataView(head.buffer);
    view.setUint16(0, path.length, true);
    head.set(path, 2);
    view.setUint16(2 + path.length, file.mode, true);
    view.setUint32(4 + path.length, file.content.length, true);
    parts.push(head, file.content);
  }
  if (files.length > MAX_ARCHIVE_FILES) throw new RangeError(`more than ${MAX_ARCHIVE_FILES} files`);
  return Buffer.concat(parts);
}

export function decodeArchive(
  bytes: Uint8Array,
): { ok: true; files: ArchiveFile[] } | { ok: false; error: ArchiveError } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const files: ArchiveFile[] = [];
  const seen = new Set<string>();
  let at = 0;
  const fail = (reason: string) => ({ ok: false as const, error: { reason, offset: at } });
  while (at < bytes.length) {
    if (files.length >= MAX_ARCHIVE_FILES) return fail(`more than ${MAX_ARCHIVE_FILES} files`);
    if (bytes.length - at < 2) return fail("truncated path length");
    const pathLength = view.getUint16(at, true);
    if (pathLength === 0 || pathLength > MAX_PATH_BYTES) return fail(`path length ${pathLength}`);
    if (bytes.length - at < 2 + pathLength + 6) return fail("truncated entry header");
    let path: string;
    try {
      path = decoder.decode(bytes.subarray(at + 2, at + 2 + pathLength));
    } catch {
      return fail("path is not UTF-8");
    }
    const problem = checkArchivePath(path);
    if (problem !== undefined) return fail(`path "${path}": ${problem}`);
    if (seen.has(path)) return fail(`path "${path}" appears twice`);
    seen.add(path);
    const mode = view.getUint16(at + 2 + pathLength, true);
    if (mode !== 0o644 && mode !== 0o755) return fail(`path "${path}": mode ${mode.toString(8)}`);
    const size = view.getUint32(at + 4 + pathLength, true);
    const start = at + 8 + pathLength;
    if (bytes.length - start < size) return fail(`path "${path}": content truncated`);
    files.push({ path, mode, content: bytes.subarray(start, start + size) });
    at = start + size;
  }
  return { ok: true, files };
}
