#!/usr/bin/env node
// Thin launcher: Node 24 runs the TypeScript sources directly (type stripping), there is no build step.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const main = fileURLToPath(new URL("../src/cli/main.ts", import.meta.url));
const result = spawnSync(process.execPath, [main, ...process.argv.slice(2)], { stdio: "inherit" });
process.exit(result.status ?? 1);
