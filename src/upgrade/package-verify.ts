/**
 * Checks an upgrade package before anything of it is used (docs/upgrade.md "Checks"). In order: size cap,
 * framing, signature present, signature valid against the DCU's public key, manifest shape, target, payload
 * size and SHA-256, bounded decompression, archive structure, file count/size and entry point. The first
 * failure is returned as a value with a code; nothing here throws or writes.
 */
import { createHash, type KeyObject } from "node:crypto";
import { gunzipSync } from "node:zlib";
import { type ArchiveFile, decodeArchive } from "./archive.ts";
import { type Manifest, ManifestSchema, RELEASE_INFO_FILE, splitPackage } from "./package-format.ts";
import { verifyBytes } from "./signing.ts";

export type PackageRejection =
  | "too-large"
  | "truncated"
  | "bad-magic"
  | "bad-length"
  | "unsigned"
  | "bad-signature"
  | "bad-manifest"
  | "wrong-target"
  | "size-mismatch"
  | "checksum"
  | "bad-archive";

export interface VerifyOptions {
  readonly publicKey: KeyObject;
  /** The device family this DCU accepts (manifest `target`). */
  readonly target: string;
  /** Largest package accepted, bytes. */
  readonly maxPackageBytes: number;
  /** Largest unpacked content accepted, bytes (zip-bomb bound); default 8 × maxPackageBytes. */
  readonly maxUnpackedBytes?: number;
}

export interface VerifiedPackage {
  readonly manifest: Manifest;
  readonly files: readonly ArchiveFile[];
}

export type VerifyResult =
  | { readonly ok: true; readonly package: VerifiedPackage }
  | {
      readonly ok: false;
      readonly code: PackageRejection;
      readonly message: string;
      /** The version the package claims, when its manifest could be read (for the event record). */
      readonly version?: string;
    };

function packageJsonVersion(content: Uint8Array): string | undefined {
  try {
    const v = (JSON.parse(Buffer.from(content).toString("utf8")) as { version?: unknown }).version;
    return typeof v === "string" ? v : undefined;
  } catch {
    return undefined;
  }
}

function claimedVersion(manifestBytes: Uint8Array): string | undefined {
  try {
    const v = (JSON.parse(Buffer.from(manifestBytes).toString("utf8")) as { version?: unknown }).version;
    return typeof v === "string" ? v.slice(0, 32) : undefined;
  } catch {
    return undefined;
  }
}

export function verifyPackage(bytes: Uint8Array, options: VerifyOptions): VerifyResult {
  if (bytes.length > options.maxPackageBytes)
    return {
      ok: false,
      code: "too-large",
      message: `package is ${bytes.length} bytes, cap ${options.maxPackageBytes}`,
    };
  const split = splitPackage(bytes);
  if (!split.ok) return { ok: false, code: split.error.code, message: split.error.message };
  const { parts } = split;
  const version = claimedVersion(parts.manifestBytes);
  const fail = (code: PackageRejection, message: string): VerifyResult => ({
    ok: false,
    code,
    message,
    ...(version === undefined ? {} : { version }),
  });
  if (parts.signature.length === 0) return fail("unsigned", "package is not signed");
  if (!verifyBytes(options.publicKey, parts.signed, parts.signature))
    return fail("bad-signature", "signature does not match the configured public key");

  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(parts.manifestBytes).toString("utf8"));
  } catch {
    return fail("bad-manifest", "manifest is not JSON");
  }
  const parsed = ManifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return fail(
      "bad-manifest",
      `manifest ${issue?.path.join(".") || "(root)"}: ${issue?.message ?? "invalid"}`,
    );
  }
  const manifest = parsed.data;
  if (manifest.target !== options.target)
    return fail(
      "wrong-target",
      `package is for target "${manifest.target}", this DCU is "${options.target}"`,
    );
  if (parts.payload.length !== manifest.size)
    return fail("size-mismatch", `payload is ${parts.payload.length} bytes, manifest says ${manifest.size}`);
  const digest = createHash("sha256").update(parts.payload).digest("hex");
  if (digest !== manifest.sha256) return fail("checksum", "payload SHA-256 differs from the manifest");

  const maxUnpacked = options.maxUnpackedBytes ?? 8 * options.maxPackageBytes;
  if (manifest.unpackedSize > maxUnpacked)
    return fail("too-large", `unpacked size ${manifest.unpackedSize} exceeds the cap ${maxUnpacked}`);
  let archiveBytes: Uint8Array;
  try {
    // maxOutputLength bounds the work whatever the manifest claims (the signature makes lies unlikely, but
    // a signed mistake must not exhaust memory either).
    archiveBytes = gunzipSync(parts.payload, { maxOutputLength: Math.max(1, maxUnpacked + 1) });
  } catch (error) {
    return fail("bad-archive", `payload does not decompress: ${(error as Error).message}`);
  }
  const archive = decodeArchive(archiveBytes);
  if (!archive.ok)
    return fail("bad-archive", `archive at byte ${archive.error.offset}: ${archive.error.reason}`);
  const total = archive.files.reduce((sum, f) => sum + f.content.length, 0);
  if (archive.files.length !== manifest.files || total !== manifest.unpackedSize)
    return fail(
      "bad-archive",
      `archive holds ${archive.files.length} files / ${total} bytes, manifest says ${manifest.files} / ${manifest.unpackedSize}`,
    );
  if (!archive.files.some((f) => f.path === manifest.entry))
    return fail("bad-archive", `entry point ${manifest.entry} is not in the archive`);
  if (archive.files.some((f) => f.path === RELEASE_INFO_FILE))
    return fail("bad-archive", `${RELEASE_INFO_FILE} is reserved for the installer`);
  // The running version is read from package.json (AFN09 F1, ERC1, health check): it must be the manifest's.
  const pkg = archive.files.find((f) => f.path === "package.json");
  if (pkg !== undefined && packageJsonVersion(pkg.content) !== manifest.version)
    return fail("bad-manifest", `package.json version differs from the manifest's ${manifest.version}`);
  return { ok: true, package: { manifest, files: archive.files } };
}
