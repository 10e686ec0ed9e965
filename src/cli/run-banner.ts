/**
 * What `opendcu run` prints once the daemon is up (on stderr, so stdout stays JSON log lines): where the
 * database is, where the uplink listens or dials, the web interface and metrics URLs, the modem, and the
 * command that talks to this concentrator as a master station.
 */
import { resolve } from "node:path";
import pkg from "../../package.json" with { type: "json" };
import type { DaemonHandle } from "../daemon/daemon.ts";
import { PasswordStore } from "../web/auth/password.ts";

const hostPort = (e: { host: string; port: number }) =>
  `${e.host.includes(":") ? `[${e.host}]` : e.host}:${e.port}`;

export function runBanner(daemon: DaemonHandle): string {
  const { config } = daemon;
  const rows: [string, string][] = [];
  rows.push(["database", config.dbPath === ":memory:" ? "in memory (nothing kept)" : resolve(config.dbPath)]);
  rows.push([
    "terminal",
    `area ${config.area}, address ${config.address} (UTC${config.utcOffsetMinutes >= 0 ? "+" : ""}${config.utcOffsetMinutes / 60})`,
  ]);
  const listen = daemon.uplink.server;
  const client = daemon.uplink.client;
  if (listen !== undefined)
    rows.push(["uplink", `listening on ${hostPort(listen)} for master stations (server mode)`]);
  if (client?.master !== undefined)
    rows.push(["uplink", `dialling the master at ${hostPort(client.master)} (client mode)`]);
  const web = daemon.web;
  if (web !== undefined) {
    const firstRun = !new PasswordStore(daemon.core.store.kv).isSet();
    rows.push([
      "web",
      `${web.url}${firstRun ? "   first run: open it on this machine to set the password" : ""}`,
    ]);
    rows.push(["metrics", `${web.url}metrics`]);
    rows.push(["API", `${web.url}api/openapi.json`]);
  } else {
    rows.push(["web", "off"]);
  }
  const sim = [
    config.field.simulateMeters > 0 ? `${config.field.simulateMeters} simulated meters on RS-485 port 2` : "",
    config.field.simulateCarrier > 0
      ? `a simulated carrier network of ${config.field.simulateCarrier} nodes on port 31`
      : "",
  ].filter((t) => t !== "");
  const real = [
    ...config.field.serial
      .filter((line) => !(line.port === 2 && config.field.simulateMeters > 0))
      .map((line) => `RS-485 port ${line.port} on ${line.path} (${line.baud} bd)`),
    config.field.carrier !== undefined && config.field.simulateCarrier === 0
      ? `carrier module on ${config.field.carrier.path} (port 31)`
      : "",
  ].filter((t) => t !== "");
  if (sim.length + real.length > 0) rows.push(["field", [...sim, ...real].join(", ")]);
  else rows.push(["field", "no meter lines configured (field.serial / field.carrier): nothing is read"]);
  if (config.maintenance !== undefined)
    rows.push([
      "maintenance",
      `${config.maintenance.path} ${config.maintenance.baudRate} bd (1376.1 for handheld units)`,
    ]);
  rows.push(["archive", `${daemon.core.store.meters.count()} meters`]);
  if (config.modem !== undefined)
    rows.push([
      "modem",
      config.modem.port ??
        (config.modem.modemManager === undefined
          ? "simulated"
          : `through ModemManager (${config.modem.modemManager.mmcli} -m ${config.modem.modemManager.modem})`),
    ]);
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = [`opendcu ${pkg.version} is running`, ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`)];
  if (listen !== undefined) {
    const target = hostPort({
      host: listen.host === "0.0.0.0" || listen.host === "::" ? "127.0.0.1" : listen.host,
      port: listen.port,
    });
    const identity =
      config.area === "4403" && config.address === 1
        ? ""
        : ` --area ${config.area} --address ${config.address}`;
    lines.push(
      "",
      "Talk to it as a master station (in another terminal):",
      `  npm run opendcu -- master --connect ${target}${identity} clock`,
      `  npm run opendcu -- master --connect ${target}${identity} version`,
      `  npm run opendcu -- master --connect ${target}${identity} meters list`,
      `  npm run opendcu -- master --connect ${target}${identity} read daily --pn all --fn 161`,
    );
  }
  lines.push("", "Stop with Ctrl+C. The log follows as JSON lines on standard output.");
  return `${lines.join("\n")}\n`;
}
