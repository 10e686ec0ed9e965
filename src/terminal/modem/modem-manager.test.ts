import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { mmcliRunner, readModemManagerInfo } from "./modem-manager.ts";

const SIM_PATH = "/org/freedesktop/ModemManager1/SIM/0";

/** What `mmcli -m any -J` prints for a modem (shape of ModemManager 1.20; most keys trimmed). */
function modemJson(generic: Record<string, unknown>): string {
  return JSON.stringify({
    modem: {
      "3gpp": { imei: "861234050099999", "operator-name": "Example" },
      generic: {
        "access-technologies": ["lte"],
        "device-identifier": "3f07553c31ce11715037ac16c24ceddcfb6f7a0b",
        "equipment-identifier": "861234050012345",
        manufacturer: "Quectel",
        model: "EC25",
        revision: "EC25EFAR06A06M4G",
        "signal-quality": { recent: "yes", value: "67" },
        sim: SIM_PATH,
        state: "registered",
        ...generic,
      },
    },
  });
}

const SIM_JSON = JSON.stringify({
  sim: { "dbus-path": SIM_PATH, properties: { iccid: "8986001234567890123F" } },
});

/** A runner answering like mmcli from canned outputs; records the calls. */
function fakeRunner(outputs: Record<string, string>): {
  run: (args: readonly string[]) => Promise<string>;
  calls: string[];
} {
  const calls: string[] = [];
  return {
    calls,
    run: async (args) => {
      const key = args.join(" ");
      calls.push(key);
      const out = outputs[key];
      if (out === undefined) throw new Error(`unexpected mmcli ${key}`);
      return out;
    },
  };
}

const now = () => 1_000;

describe("modem info from ModemManager (mmcli -J)", () => {
  it("reads identity, firmware, IMEI, ICCID and signal quality", async () => {
    const fake = fakeRunner({ "-m any -J": modemJson({}), [`-i ${SIM_PATH} -J`]: SIM_JSON });
    const info = await readModemManagerInfo(fake.run, now);
    assert.deepEqual(info, {
      manufacturer: "Quectel",
      model: "EC25",
      firmware: "EC25EFAR06A06M4G",
      imei: "861234050012345",
      iccid: "8986001234567890123",
      signalPercent: 67,
      updatedAt: 1_000,
    });
    assert.deepEqual(fake.calls, ["-m any -J", `-i ${SIM_PATH} -J`]);
  });

  it("leaves out what ModemManager does not know; no SIM means no second call", async () => {
    const fake = fakeRunner({
      "-m 3 -J": modemJson({ sim: "--", revision: "--", "signal-quality": { value: "250" }, model: 42 }),
    });
    const info = await readModemManagerInfo(fake.run, now, "3");
    assert.deepEqual(info, { manufacturer: "Quectel", imei: "861234050012345", updatedAt: 1_000 });
    assert.deepEqual(fake.calls, ["-m 3 -J"]);
  });

  it("takes the 3GPP IMEI when the equipment identifier is not one; refuses odd SIM paths and ICCIDs", async () => {
    const fake = fakeRunner({
      "-m any -J": modemJson({ "equipment-identifier": "A1000049ABCDEF", sim: "/x; rm -rf /" }),
    });
    const info = await readModemManagerInfo(fake.run, now);
    assert.equal(info.imei, "861234050099999");
    assert.equal(info.iccid, undefined);
    assert.deepEqual(fake.calls, ["-m any -J"], "a SIM 'path' that is not a D-Bus path is never passed on");
    const badIccid = fakeRunner({
      "-m any -J": modemJson({}),
      [`-i ${SIM_PATH} -J`]: JSON.stringify({ sim: { properties: { iccid: "89860\u0007ABC" } } }),
    });
    assert.equal((await readModemManagerInfo(badIccid.run, now)).iccid, undefined);
  });

  it("names what was wrong with an answer that is not mmcli's", async () => {
    const reject = async (out: string, message: RegExp) =>
      assert.rejects(readModemManagerInfo(fakeRunner({ "-m any -J": out }).run, now), message);
    await reject("error: couldn't find modem", /mmcli -m: not JSON/);
    await reject("[1,2]", /mmcli -m: not an object/);
    await reject('{"modem":{}}', /no modem\.generic/);
    await reject(JSON.stringify({ modem: { generic: "x".repeat(10) } }), /no modem\.generic/);
  });

  it("runs a real mmcli executable; a failing one is an error naming it, not a crash", async () => {
    const dir = mkdtempSync(join(tmpdir(), "opendcu-mmcli-"));
    try {
      const good = join(dir, "mmcli");
      writeFileSync(
        good,
        `#!/bin/sh\nif [ "$1" = "-m" ]; then cat <<'EOF'\n${modemJson({})}\nEOF\nelse cat <<'EOF'\n${SIM_JSON}\nEOF\nfi\n`,
      );
      chmodSync(good, 0o755);
      const info = await readModemManagerInfo(mmcliRunner(good), now);
      assert.equal(info.iccid, "8986001234567890123");
      assert.equal(info.model, "EC25");

      const failing = join(dir, "mmcli-fails");
      writeFileSync(
        failing,
        "#!/bin/sh\necho 'error: couldn'\\''t find the ModemManager process in the bus' >&2\nexit 1\n",
      );
      chmodSync(failing, 0o755);
      await assert.rejects(
        readModemManagerInfo(mmcliRunner(failing), now),
        /mmcli-fails -m any -J failed: error: couldn't find/,
      );
      await assert.rejects(
        readModemManagerInfo(mmcliRunner(join(dir, "absent")), now),
        /absent -m any -J failed/,
      );

      const endless = join(dir, "mmcli-endless");
      writeFileSync(endless, "#!/bin/sh\nyes '{'\n");
      chmodSync(endless, 0o755);
      await assert.rejects(readModemManagerInfo(mmcliRunner(endless), now), /failed/, "output is capped");

      const hangs = join(dir, "mmcli-hangs");
      writeFileSync(hangs, "#!/bin/sh\nexec sleep 30\n");
      chmodSync(hangs, 0o755);
      await assert.rejects(
        readModemManagerInfo(mmcliRunner(hangs, 300), now),
        /failed/,
        "a hung mmcli times out",
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
