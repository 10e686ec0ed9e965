/**
 * Upgrade test material: key pairs and small signed packages of made-up applications (a package.json with
 * the version and an entry file), plus a builder of the real application at another version for the
 * install tests that run it.
 */

import type { KeyObject } from "node:crypto";
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ArchiveFile } from "../../src/upgrade/archive.ts";
import { buildPackage, collectFiles } from "../../src/upgrade/package-build.ts";
import { generateSigningKeyPair, loadPrivateKey, loadPublicKey } from "../../src/upgrade/signing.ts";

export interface TestKeys {
  readonly publicKey: KeyObject;
  readonly privateKey: KeyObject;
  readonly publicKeyPem: string;
  readonly privateKeyPem: string;
}

export function makeKeys(): TestKeys {
  const pair = generateSigningKeyPair();
  return {
    ...pair,
    publicKey: loadPublicKey(pair.publicKeyPem),
    privateKey: loadPrivateKey(pair.privateKeyPem),
  };
}

const text = (s: string) => new TextEncoder().encode(s);

/**
 * Files of a tiny application: package.json at `version`, an entry point and some filler (pseudo-random
 * from `seed`, so it does not compress: the package is about as large as the filler).
 */
export function tinyApp(version: string, fillerBytes = 2000, seed = 1): ArchiveFile[] {
  const filler = new Uint8Array(fillerBytes);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < filler.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    filler[i] = x & 0xff;
  }
  return [
    {
      path: "package.json",
      mode: 0o644,
      content: text(JSON.stringify({ name: "opendcu", version, type: "module" })),
    },
    { path: "src/cli/main.ts", mode: 0o644, content: text(`console.log("opendcu ${version}");\n`) },
    { path: "data/filler.bin", mode: 0o644, content: filler },
  ];
}

export function tinyPackage(
  version: string,
  keys: TestKeys | undefined,
  options: { target?: string; fillerBytes?: number; seed?: number } = {},
): Uint8Array {
  return buildPackage(tinyApp(version, options.fillerBytes, options.seed), {
    version,
    target: options.target ?? "opendcu",
    ...(keys === undefined ? {} : { privateKey: keys.privateKey }),
  }).bytes;
}

const REPO = new URL("../../", import.meta.url).pathname;

/**
 * A copy of this application (src without tests, bin, package.json at `version`) in `dir`, ready for
 * `buildPackage`; `patchMain` replaces the CLI entry (e.g. with a program that crashes).
 */
export function stageRealApp(dir: string, version: string, patchMain?: string): void {
  mkdirSync(dir, { recursive: true });
  cpSync(join(REPO, "src"), join(dir, "src"), {
    recursive: true,
    filter: (source) => !source.endsWith(".test.ts"),
  });
  cpSync(join(REPO, "bin"), join(dir, "bin"), { recursive: true });
  const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as Record<string, unknown>;
  writeFileSync(join(dir, "package.json"), `${JSON.stringify({ ...pkg, version }, null, 2)}\n`);
  if (patchMain !== undefined) writeFileSync(join(dir, "src/cli/main.ts"), patchMain);
}

export async function realAppPackage(
  dir: string,
  version: string,
  keys: TestKeys,
  patchMain?: string,
): Promise<Uint8Array> {
  stageRealApp(dir, version, patchMain);
  const { files } = await collectFiles(dir);
  return buildPackage(files, { version, target: "opendcu", privateKey: keys.privateKey }).bytes;
}
