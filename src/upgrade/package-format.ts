/**
 * The upgrade package container (docs/upgrade.md "Package format"). All integers little-endian.
 *
 *   offset      size  field
 *   0           8     magic "ODCUPKG1"
 *   8           4     manifest length M (1..65536)
 *   12          M     manifest: UTF-8 JSON (see `ManifestSchema`)
 *   12+M        2     signature length S: 0 = unsigned, 64 = Ed25519
 *   14+M        S     signature over bytes 0 .. 12+M (magic, length and manifest)
 *   14+M+S      size  payload: gzip of the file archive (archive.ts); `size` and `sha256` are in the manifest
 *
 * The signature covers the manifest, and the manifest pins the payload's size and SHA-256, so one signature
 * covers every byte. Nothing may follow the payload.
 */
import { z } from "zod";

export const PACKAGE_MAGIC = "ODCUPKG1";
export const MAX_MANIFEST_BYTES = 65_536;
export const ED25519_SIGNATURE_BYTES = 64;
/** Written by the installer into each release directory (the manifest); reserved in archives. */
export const RELEASE_INFO_FILE = ".opendcu-release.json";
/** The archive path that is the application's entry point by default. */
export const DEFAULT_ENTRY = "src/cli/main.ts";

/** A version usable as a directory name and comparable by eye: 1.2.3 or 1.2.3-rc.1. */
const VERSION = /^\d{1,4}\.\d{1,4}\.\d{1,4}(?:-[0-9A-Za-z.]{1,32})?$/;

export const ManifestSchema = z.strictObject({
  /** Container format version of the manifest itself. */
  format: z.literal(1),
  product: z.literal("opendcu"),
  version: z.string().regex(VERSION, "version must look like 1.2.3 or 1.2.3-rc.1"),
  /** The device family the package is for; the DCU refuses any other (config `upgrade.target`). */
  target: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[0-9A-Za-z._-]+$/, "target: letters, digits, . _ -"),
  /** Payload bytes (the gzip stream) and their SHA-256, lower-case hex. */
  size: z.number().int().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, "sha256 must be 64 lower-case hex digits"),
  /** Total bytes of the unpacked files and their number, so unpacking is bounded before it starts. */
  unpackedSize: z.number().int().min(0),
  files: z.number().int().min(1),
  /** Archive path of the program the launcher runs. */
  entry: z.string().min(1).max(1024),
  /** When the package was built (ISO 8601), for people. */
  created: z.string().max(64),
});

export type Manifest = z.infer<typeof ManifestSchema>;

export interface PackageParts {
  /** Bytes 0 .. 12+M: what the signature covers. */
  readonly signed: Uint8Array;
  readonly manifestBytes: Uint8Array;
  /** Empty when the package is unsigned. */
  readonly signature: Uint8Array;
  readonly payload: Uint8Array;
}

export type SplitError = {
  readonly code: "truncated" | "bad-magic" | "bad-length";
  readonly message: string;
};

/** Splits a package into its parts, checking only the framing (lengths, magic). */
export function splitPackage(
  bytes: Uint8Array,
): { ok: true; parts: PackageParts } | { ok: false; error: SplitError } {
  const fail = (code: SplitError["code"], message: string) => ({
    ok: false as const,
    error: { code, message },
  });
  if (bytes.length < 12)
    return fail("truncated", `package is ${bytes.length} bytes, shorter than its header`);
  if (Buffer.from(bytes.subarray(0, 8)).toString("latin1") !== PACKAGE_MAGIC)
    return fail("bad-magic", `not an opendcu package (magic is not ${PACKAGE_MAGIC})`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const manifestLength = view.getUint32(8, true);
  if (manifestLength < 1 || manifestLength > MAX_MANIFEST_BYTES)
    return fail("bad-length", `manifest length ${manifestLength} outside 1..${MAX_MANIFEST_BYTES}`);
  const signedEnd = 12 + manifestLength;
  if (bytes.length < signedEnd + 2) return fail("truncated", "package ends inside the manifest");
  const signatureLength = view.getUint16(signedEnd, true);
  if (signatureLength !== 0 && signatureLength !== ED25519_SIGNATURE_BYTES)
    return fail(
      "bad-length",
      `signature length ${signatureLength} (expected 0 or ${ED25519_SIGNATURE_BYTES})`,
    );
  const payloadStart = signedEnd + 2 + signatureLength;
  if (bytes.length < payloadStart) return fail("truncated", "package ends inside the signature");
  return {
    ok: true,
    parts: {
      signed: bytes.subarray(0, signedEnd),
      manifestBytes: bytes.subarray(12, signedEnd),
      signature: bytes.subarray(signedEnd + 2, payloadStart),
      payload: bytes.subarray(payloadStart),
    },
  };
}

/** The signed head (magic, length, manifest JSON) for `manifest`. */
export function encodeSignedHead(manifest: Manifest): Uint8Array {
  const json = Buffer.from(JSON.stringify(manifest), "utf8");
  if (json.length > MAX_MANIFEST_BYTES) throw new RangeError("manifest too long");
  const head = Buffer.alloc(12 + json.length);
  head.write(PACKAGE_MAGIC, 0, "latin1");
  head.writeUInt32LE(json.length, 8);
  json.copy(head, 12);
  return head;
}

/** Joins a signed head, its signature (empty = unsigned) and the payload into one package. */
export function joinPackage(signedHead: Uint8Array, signature: Uint8Array, payload: Uint8Array): Uint8Array {
  if (signature.length !== 0 && signature.length !== ED25519_SIGNATURE_BYTES)
    throw new RangeError(`signature must be 0 or ${ED25519_SIGNATURE_BYTES} bytes`);
  const length = Buffer.alloc(2);
  length.writeUInt16LE(signature.length, 0);
  return Buffer.concat([signedHead, length, signature, payload]);
}
