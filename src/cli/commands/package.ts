/**
 * `opendcu package keygen --out NAME`: writes NAME.key (Ed25519 private key, PKCS#8 PEM, mode 0600) and
 * NAME.pub (public key, SPKI PEM — configure it on every DCU with `--public-key`).
 * `opendcu package build DIR --key FILE --out FILE [--target NAME] [--entry PATH] [--exclude PATTERN]...`:
 * packs DIR (version from DIR/package.json) into a signed upgrade package.
 * `opendcu package verify FILE --public-key FILE [--target NAME] [--json]`: runs the DCU's checks; exit 1 when
 * the package would be refused. Format and checks: docs/upgrade.md.
 */
import { readFile, writeFile } from "node:fs/promises";
import type { Command } from "commander";
import { z } from "zod";
import { OpenDcuError } from "../../common/errors.ts";
import { buildPackage, collectFiles, readPackageVersion } from "../../upgrade/package-build.ts";
import { verifyPackage } from "../../upgrade/package-verify.ts";
import { generateSigningKeyPair, loadPrivateKey, loadPublicKey } from "../../upgrade/signing.ts";
import { DEFAULT_MAX_PACKAGE_BYTES } from "../../upgrade/upgrade-config.ts";
import { parseOptions } from "../options.ts";

async function readText(path: string, flag: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (cause) {
    throw new OpenDcuError("cli.invalid-argument", `${flag}: cannot read ${path}`, {}, { cause });
  }
}

const keygenSchema = z.object({ out: z.string({ message: "--out NAME is required" }).min(1) });

const buildSchema = z.object({
  key: z.string({ message: "--key FILE is required (unsigned packages are refused by every DCU)" }).min(1),
  out: z.string({ message: "--out FILE is required" }).min(1),
  target: z.string().default("opendcu"),
  entry: z.string().optional(),
  exclude: z.array(z.string()).default([]),
});

const verifySchema = z.object({
  publicKey: z.string({ message: "--public-key FILE is required" }).min(1),
  target: z.string().default("opendcu"),
  maxPackageBytes: z.coerce.number().int().min(1024).default(DEFAULT_MAX_PACKAGE_BYTES),
  json: z.boolean().default(false),
});

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function registerPackage(program: Command): void {
  const pkg = program.command("package").description("Make signing keys, build and verify upgrade packages");

  pkg
    .command("keygen")
    .description("write an Ed25519 key pair: NAME.key (private, keep it safe) and NAME.pub (for the DCUs)")
    .option("--out <name>", "path and base name of the two files")
    .action(async (raw: Record<string, unknown>) => {
      const o = parseOptions(keygenSchema, raw);
      const pair = generateSigningKeyPair();
      await writeFile(`${o.out}.key`, pair.privateKeyPem, { mode: 0o600, flag: "wx" });
      await writeFile(`${o.out}.pub`, pair.publicKeyPem, { mode: 0o644, flag: "wx" });
      process.stdout.write(`private key: ${o.out}.key\npublic key:  ${o.out}.pub\n`);
    });

  pkg
    .command("build <dir>")
    .description("pack DIR (version from DIR/package.json) into a signed upgrade package")
    .option("--key <file>", "Ed25519 private key (PEM)")
    .option("--out <file>", "package file to write")
    .option("--target <name>", "device family the package is for", "opendcu")
    .option("--entry <path>", "program the launcher runs, relative to DIR (default src/cli/main.ts)")
    .option("--exclude <pattern>", "leave out a name, *.glob or dir/path (repeatable)", collect, [])
    .action(async (dir: string, raw: Record<string, unknown>) => {
      const o = parseOptions(buildSchema, raw);
      const privateKey = loadPrivateKey(await readText(o.key, "--key"), "--key");
      const version = await readPackageVersion(dir);
      const { files, skipped } = await collectFiles(dir, o.exclude);
      const { bytes, manifest } = buildPackage(files, {
        version,
        target: o.target,
        privateKey,
        ...(o.entry === undefined ? {} : { entry: o.entry }),
      });
      await writeFile(o.out, bytes);
      for (const path of skipped) process.stderr.write(`skipped (not a regular file): ${path}\n`);
      process.stdout.write(
        `${o.out}: opendcu ${manifest.version} for ${manifest.target}, ${manifest.files} files, ` +
          `${manifest.unpackedSize} bytes unpacked, ${bytes.length} bytes packed, sha256 ${manifest.sha256}\n`,
      );
    });

  pkg
    .command("verify <file>")
    .description("check a package as a DCU would (signature, manifest, size, SHA-256, archive)")
    .option("--public-key <file>", "Ed25519 public key (PEM)")
    .option("--target <name>", "device family expected", "opendcu")
    .option("--max-package-bytes <n>", "size cap", String(DEFAULT_MAX_PACKAGE_BYTES))
    .option("--json", "print the result as JSON", false)
    .action(async (file: string, raw: Record<string, unknown>) => {
      const o = parseOptions(verifySchema, raw);
      const publicKey = loadPublicKey(await readText(o.publicKey, "--public-key"), "--public-key");
      const bytes = await readFile(file);
      const result = verifyPackage(bytes, {
        publicKey,
        target: o.target,
        maxPackageBytes: o.maxPackageBytes,
      });
      if (o.json) {
        process.stdout.write(
          `${JSON.stringify(result.ok ? { ok: true, manifest: result.package.manifest } : result)}\n`,
        );
      } else if (result.ok) {
        const m = result.package.manifest;
        process.stdout.write(
          `valid: opendcu ${m.version} for ${m.target}, ${m.files} files, sha256 ${m.sha256}\n`,
        );
      } else {
        process.stdout.write(`refused (${result.code}): ${result.message}\n`);
      }
      if (!result.ok) process.exitCode = 1;
    });
}
