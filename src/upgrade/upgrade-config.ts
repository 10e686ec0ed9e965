/**
 * The `upgrade` section of the start-up configuration (docs/upgrade.md "Configuration"). Kept here so the
 * shared daemon config only names it.
 */
import { z } from "zod";

export const DEFAULT_MAX_PACKAGE_BYTES = 16 * 1024 * 1024;

export const UPGRADE_CONFIG_SCHEMA = z
  .object({
    /** The A/B install root (releases/, current, good, upgrade-state.json). */
    installRoot: z.string().min(1).optional(),
    /** Ed25519 public key (PEM, SPKI) that packages must be signed with. Required with installRoot. */
    publicKeyFile: z.string().min(1).optional(),
    /** Device family accepted in a package's manifest. */
    target: z
      .string()
      .regex(/^[0-9A-Za-z._-]{1,64}$/, "target: 1..64 letters, digits, . _ -")
      .default("opendcu"),
    /** Largest package (= largest AFN0F file) accepted, bytes. */
    maxPackageBytes: z
      .number()
      .int()
      .min(1024)
      .max(256 * 1024 * 1024)
      .default(DEFAULT_MAX_PACKAGE_BYTES),
    /**
     * What proves a new version healthy: "master" = logged in to the master (client mode); "self-check" =
     * database and clock checks pass; "auto" = master when a master is dialled, else self-check.
     */
    healthCheck: z.enum(["auto", "master", "self-check"]).default("auto"),
    /** Time a new version has to prove healthy before it is rolled back. */
    healthTimeoutMs: z.number().int().min(1000).max(86_400_000).default(300_000),
    /** Delay between a restart request and the exit, so the last answer leaves first. */
    restartDelayMs: z.number().int().min(0).max(60_000).default(1000),
  })
  .refine((u) => u.installRoot === undefined || u.publicKeyFile !== undefined, {
    message: "publicKeyFile is required when installRoot is set",
    path: ["publicKeyFile"],
  })
  .default({
    target: "opendcu",
    maxPackageBytes: DEFAULT_MAX_PACKAGE_BYTES,
    healthCheck: "auto",
    healthTimeoutMs: 300_000,
    restartDelayMs: 1000,
  });

export type UpgradeConfig = z.infer<typeof UPGRADE_CONFIG_SCHEMA>;
