/**
 * The deployment files in deploy/ stay usable: the example start-up file passes the daemon's own
 * validation, and the systemd unit runs `opendcu run --config` with the settings conventions §25 asks for.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { it } from "node:test";
import { parseDaemonConfig } from "../src/daemon/config.ts";
import { readConfigFile } from "../src/daemon/config-file.ts";

const deploy = (name: string) => new URL(`../deploy/${name}`, import.meta.url).pathname;

it("the example start-up file is a valid daemon configuration", () => {
  const config = parseDaemonConfig(readConfigFile(deploy("opendcu.example.json")));
  assert.equal(config.dbPath, "/var/lib/opendcu/opendcu.sqlite");
  assert.equal(config.web?.listen.host, "127.0.0.1", "the web interface stays on localhost by default");
  assert.ok(config.uplink.connect);
  assert.deepEqual(
    config.field.serial.map((s) => s.port),
    [2, 3],
    "two RS-485 lines",
  );
  assert.ok(config.field.carrier, "a carrier module");
  assert.equal(config.maintenance?.path, "/dev/ttyS1", "a serial maintenance port");
  assert.ok(config.collect.meterSearch !== false && config.collect.meterSearch.dailyMinute === null);
});

it("the systemd unit: Type=exec, Restart=always, StateDirectory, dialout, hardening, run --config", () => {
  const unit = readFileSync(deploy("opendcu.service"), "utf8");
  const settings = new Map<string, string[]>();
  for (const line of unit.split("\n")) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (m) settings.set(m[1] as string, [...(settings.get(m[1] as string) ?? []), m[2] as string]);
  }
  const one = (key: string) => settings.get(key)?.[0];
  assert.equal(one("Type"), "exec");
  assert.equal(one("Restart"), "always");
  assert.equal(one("StateDirectory"), "opendcu");
  assert.equal(one("SupplementaryGroups"), "dialout");
  assert.equal(one("NoNewPrivileges"), "yes");
  assert.equal(one("ProtectSystem"), "strict");
  assert.match(one("ExecStart") ?? "", /src\/cli\/main\.ts run --config \/etc\/opendcu\/opendcu\.json$/);
  assert.ok((settings.get("DeviceAllow") ?? []).includes("char-ttyUSB rw"));
});
