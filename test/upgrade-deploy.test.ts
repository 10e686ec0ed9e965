/**
 * The A/B deployment stays usable: the unit runs the launcher from `good` over `run --config`, may write the
 * install root, and the example start-up file with the documented upgrade section is a valid configuration.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { it } from "node:test";
import { parseDaemonConfig } from "../src/daemon/config.ts";
import { readConfigFile } from "../src/daemon/config-file.ts";

const deploy = (name: string) => new URL(`../deploy/${name}`, import.meta.url).pathname;

it("deploy/opendcu-ab.service: launcher from good, daemon with the start-up file, install root writable", () => {
  const unit = readFileSync(deploy("opendcu-ab.service"), "utf8");
  const settings = new Map<string, string[]>();
  for (const line of unit.split("\n")) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (m) settings.set(m[1] as string, [...(settings.get(m[1] as string) ?? []), m[2] as string]);
  }
  const one = (key: string) => settings.get(key)?.[0];
  assert.match(
    one("ExecStart") ?? "",
    /\/opt\/opendcu\/good\/src\/cli\/main\.ts launch --install-root \/opt\/opendcu -- run --config \/etc\/opendcu\/opendcu\.json$/,
  );
  assert.equal(one("Restart"), "always");
  assert.equal(one("ProtectSystem"), "strict");
  assert.equal(one("ReadWritePaths"), "/opt/opendcu");
  assert.equal(one("KillMode"), "mixed", "SIGTERM reaches the launcher, which stops the daemon");
});

it("the example start-up file with the upgrade section of the A/B unit is valid", () => {
  const example = readConfigFile(deploy("opendcu.example.json"));
  const config = parseDaemonConfig({
    ...example,
    upgrade: { installRoot: "/opt/opendcu", publicKeyFile: "/etc/opendcu/release.pub" },
  });
  assert.equal(config.upgrade.installRoot, "/opt/opendcu");
  assert.equal(config.upgrade.healthCheck, "auto");
  assert.throws(
    () => parseDaemonConfig({ ...example, upgrade: { installRoot: "/opt/opendcu" } }),
    /publicKeyFile/,
  );
});
