import assert from "node:assert/strict";
import { it } from "node:test";
import { parseDaemonConfig } from "./config.ts";

it("modem: exactly one of an AT port, the simulated modem and ModemManager; bad values named", () => {
  const modem = (value: unknown) => parseDaemonConfig({ modem: value }).modem;
  assert.deepEqual(modem({ modemManager: {} })?.modemManager, { mmcli: "mmcli", modem: "any" });
  assert.equal(modem({ port: "/dev/ttyUSB2" })?.port, "/dev/ttyUSB2");
  assert.throws(() => modem({}), /exactly one of modem\.port, modem\.simulate and modem\.modemManager/);
  assert.throws(() => modem({ port: "/dev/ttyUSB2", modemManager: {} }), /exactly one/);
  assert.throws(
    () => modem({ modemManager: { modem: "1; reboot" } }),
    /modem\.modemManager\.modem: any or an index/,
  );
});
