/**
 * Packages: the archive and container round trip; every way a package can be wrong is refused with its own
 * code — corrupted, truncated, unsigned, signed with another key, for another target, too large, lying about
 * its content, escaping its directory — and random bytes never throw.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { makeKeys, tinyApp, tinyPackage } from "../../test/support/upgrade-fixtures.ts";
import { decodeArchive, encodeArchive } from "./archive.ts";
import { isExcluded } from "./package-build.ts";
import { encodeSignedHead, joinPackage, type Manifest, splitPackage } from "./package-format.ts";
import { verifyPackage } from "./package-verify.ts";
import { signBytes } from "./signing.ts";

const keys = makeKeys();
const other = makeKeys();
const options = { publicKey: keys.publicKey, target: "opendcu", maxPackageBytes: 1_000_000 };

/** A package with an arbitrary archive and manifest, signed with `keys` (to test checks after the signature). */
function craft(archive: Uint8Array, patch: Partial<Manifest> = {}): Uint8Array {
  const payload = gzipSync(archive);
  const manifest: Manifest = {
    format: 1,
    product: "opendcu",
    version: "9.9.9",
    target: "opendcu",
    size: payload.length,
    sha256: createHash("sha256").update(payload).digest("hex"),
    unpackedSize: 0,
    files: 1,
    entry: "src/cli/main.ts",
    created: "2026-01-01T00:00:00.000Z",
    ...patch,
  };
  const head = encodeSignedHead(manifest);
  return joinPackage(head, signBytes(keys.privateKey, head), payload);
}

describe("archive", () => {
  it("round trips any list of files with safe paths (property)", () => {
    const segment = fc.stringMatching(/^[a-z0-9_-][a-z0-9._-]{0,11}$/).filter((s) => s !== "." && s !== "..");
    fc.assert(
      fc.property(
        fc.uniqueArray(
          fc.record({
            path: fc.array(segment, { minLength: 1, maxLength: 4 }).map((p) => p.join("/")),
            mode: fc.constantFrom(0o644 as const, 0o755 as const),
            content: fc.uint8Array({ maxLength: 64 }),
          }),
          { selector: (f) => f.path, maxLength: 8 },
        ),
        (files) => {
          const decoded = decodeArchive(encodeArchive(files));
          assert.ok(decoded.ok);
          if (decoded.ok)
            assert.deepEqual(
              decoded.files.map((f) => ({ ...f, content: Buffer.from(f.content) })),
              files.map((f) => ({ ...f, content: Buffer.from(f.content) })),
            );
        },
      ),
    );
  });

  it("never throws on random bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        decodeArchive(bytes);
      }),
    );
  });

  it("refuses paths that leave the release directory, odd modes and truncation", () => {
    const entry = (path: string, mode = 0o644, size = 1, content = 1) => {
      const p = Buffer.from(path);
      const b = Buffer.alloc(8 + p.length + content);
      b.writeUInt16LE(p.length, 0);
      p.copy(b, 2);
      b.writeUInt16LE(mode, 2 + p.length);
      b.writeUInt32LE(size, 4 + p.length);
      return b;
    };
    const reason = (bytes: Uint8Array) => {
      const r = decodeArchive(bytes);
      return r.ok ? "ok" : r.error.reason;
    };
    assert.match(reason(entry("../etc/passwd")), /bad path segment/);
    assert.match(reason(entry("/etc/passwd")), /absolute/);
    assert.match(reason(entry("a/./b")), /bad path segment/);
    assert.match(reason(entry("a\\b")), /backslash/);
    assert.match(reason(entry("bin/x", 0o4755)), /mode 4755/);
    assert.match(reason(entry("x", 0o644, 5)), /content truncated/);
    assert.match(reason(Buffer.concat([entry("x"), entry("x")])), /appears twice/);
    assert.equal(reason(entry("ok/file")), "ok");
  });
});

describe("package checks", () => {
  const good = tinyPackage("1.2.3", keys);

  it("accepts a package signed with the configured key and returns its files", () => {
    const result = verifyPackage(good, options);
    assert.ok(result.ok, result.ok ? "" : result.message);
    if (!result.ok) return;
    assert.equal(result.package.manifest.version, "1.2.3");
    assert.deepEqual(
      result.package.files.map((f) => f.path),
      tinyApp("1.2.3").map((f) => f.path),
    );
  });

  it("refuses an unsigned package", () => {
    const result = verifyPackage(tinyPackage("1.2.3", undefined), options);
    assert.deepEqual(result.ok ? "ok" : [result.code, result.version], ["unsigned", "1.2.3"]);
  });

  it("refuses a package signed with another key", () => {
    const result = verifyPackage(tinyPackage("1.2.3", other), options);
    assert.equal(result.ok ? "ok" : result.code, "bad-signature");
  });

  it("refuses a package with any single byte corrupted (every position checked)", () => {
    const split = splitPackage(good);
    assert.ok(split.ok);
    for (let i = 0; i < good.length; i++) {
      const bad = Uint8Array.from(good);
      bad[i] = (bad[i] as number) ^ 0x01;
      const result = verifyPackage(bad, options);
      assert.equal(result.ok, false, `byte ${i} flipped was accepted`);
    }
    // a flipped payload byte is a checksum failure, a flipped manifest byte a signature failure
    const payloadAt = good.length - 10;
    const flipped = Uint8Array.from(good);
    flipped[payloadAt] = (flipped[payloadAt] as number) ^ 0x80;
    assert.equal((verifyPackage(flipped, options) as { code: string }).code, "checksum");
    const manifestAt = 20;
    const flipped2 = Uint8Array.from(good);
    flipped2[manifestAt] = (flipped2[manifestAt] as number) ^ 0x01;
    assert.equal((verifyPackage(flipped2, options) as { code: string }).code, "bad-signature");
  });

  it("refuses every truncation of a package, and trailing bytes", () => {
    for (let n = 0; n < good.length; n++) {
      const result = verifyPackage(good.subarray(0, n), options);
      assert.equal(result.ok, false, `prefix of ${n} bytes accepted`);
      if (!result.ok)
        assert.ok(
          ["truncated", "bad-magic", "size-mismatch", "bad-length"].includes(result.code),
          result.code,
        );
    }
    const longer = Buffer.concat([good, Buffer.of(0)]);
    assert.equal((verifyPackage(longer, options) as { code: string }).code, "size-mismatch");
  });

  it("refuses another target, an oversized package, and random bytes without throwing", () => {
    assert.equal(
      (verifyPackage(tinyPackage("1.2.3", keys, { target: "other-dcu" }), options) as { code: string }).code,
      "wrong-target",
    );
    assert.equal(
      (verifyPackage(good, { ...options, maxPackageBytes: 100 }) as { code: string }).code,
      "too-large",
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        assert.equal(verifyPackage(bytes, options).ok, false);
      }),
    );
  });

  it("refuses signed packages whose content does not match the manifest or escapes its directory", () => {
    const files = [{ path: "src/cli/main.ts", mode: 0o644 as const, content: new Uint8Array(10) }];
    const archive = encodeArchive(files);
    const code = (bytes: Uint8Array) => (verifyPackage(bytes, options) as { code?: string }).code ?? "ok";
    assert.equal(code(craft(archive, { unpackedSize: 10 })), "ok");
    assert.equal(code(craft(archive, { unpackedSize: 11 })), "bad-archive", "unpacked size lies");
    assert.equal(code(craft(archive, { unpackedSize: 10, files: 2 })), "bad-archive", "file count lies");
    assert.equal(
      code(craft(archive, { unpackedSize: 10, entry: "main.js" })),
      "bad-archive",
      "no entry point",
    );
    assert.equal(code(craft(archive, { unpackedSize: 10, target: "x" })), "wrong-target");
    assert.equal(code(craft(archive, { unpackedSize: 10, version: "../../x" })), "bad-manifest");
    // a zip bomb: claims little, inflates past the cap
    const bomb = encodeArchive([
      { path: "src/cli/main.ts", mode: 0o644, content: new Uint8Array(9_000_000) },
    ]);
    assert.equal(code(craft(bomb, { unpackedSize: 10 })), "bad-archive");
    const traversal = Buffer.from(encodeArchive(files));
    traversal.write("../../x", 2); // "src/cli/main.ts" → "../../x/main.ts", same length, in place
    assert.equal(code(craft(traversal, { unpackedSize: 10 })), "bad-archive");
    const wrongVersion = encodeArchive([
      ...files,
      { path: "package.json", mode: 0o644, content: new TextEncoder().encode('{"version":"1.0.0"}') },
    ]);
    assert.equal(
      code(craft(wrongVersion, { unpackedSize: 29, files: 2 })),
      "bad-manifest",
      "package.json version differs",
    );
  });
});

describe("package build", () => {
  it("exclusion patterns: names anywhere, globs on file names, paths from the root", () => {
    assert.ok(isExcluded(".git/config", []));
    assert.ok(isExcluded("a/node_modules/x.js", ["node_modules"]));
    assert.ok(isExcluded("src/a.test.ts", ["*.test.ts"]));
    assert.ok(!isExcluded("src/a.ts", ["*.test.ts"]));
    assert.ok(isExcluded("docs/x/y.md", ["docs/x"]));
    assert.ok(!isExcluded("docs/xy/y.md", ["docs/x"]));
  });
});
