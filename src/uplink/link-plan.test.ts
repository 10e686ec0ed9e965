import assert from "node:assert/strict";
import { it } from "node:test";
import { DEFAULT_LISTEN, mastersFromF3, planLink } from "./link-plan.ts";

const reconnect = { initialMs: 1000, maxMs: 300_000 };
const listen = { host: "127.0.0.1", port: 0 };
const connect = { host: "10.0.0.1", port: 9000 };
const f8 = (role: number, redialSeconds = 0) => ({
  mode: { online: 1, reserved2: 0, role, reserved6: 0, udp: 0 },
  redialSeconds,
  passiveRedials: 0,
  idleDisconnectMinutes: 0,
  onlineHours: 0,
});
const f3 = (mainIp: string, mainPort: number, backupIp = "0.0.0.0", backupPort = 0) => ({
  mainIp,
  mainPort,
  backupIp,
  backupPort,
  apn: "",
});

it("without link parameters the start-up file decides the role", () => {
  assert.deepEqual(planLink({ reconnect }, {}), {
    role: "server",
    listen: DEFAULT_LISTEN,
    masters: [],
    backoff: reconnect,
  });
  assert.equal(planLink({ listen, reconnect }, {}).role, "server");
  const client = planLink({ connect, reconnect }, {});
  assert.equal(client.role, "client");
  assert.equal(client.listen, undefined);
  assert.deepEqual(client.masters, [connect]);
  const mixed = planLink({ listen, connect, reconnect }, {});
  assert.equal(mixed.role, "mixed");
  assert.deepEqual(mixed.listen, listen);
});

it("AFN04 F8 role and F3 masters win over the start-up file once set", () => {
  const plan = planLink({ listen, reconnect }, { f8: f8(0), f3: f3("10.1.2.3", 9001, "10.1.2.4", 9002) });
  assert.equal(plan.role, "mixed");
  assert.deepEqual(plan.masters, [
    { host: "10.1.2.3", port: 9001 },
    { host: "10.1.2.4", port: 9002 },
  ]);
  assert.deepEqual(plan.listen, listen);
  const clientOnly = planLink({ listen, connect, reconnect }, { f8: f8(1), f3: f3("10.9.9.9", 1) });
  assert.equal(clientOnly.role, "client");
  assert.equal(clientOnly.listen, undefined);
  assert.deepEqual(clientOnly.masters, [{ host: "10.9.9.9", port: 1 }]);
  const serverOnly = planLink({ listen, connect, reconnect }, { f8: f8(2) });
  assert.equal(serverOnly.role, "server");
  assert.deepEqual(serverOnly.masters, []);
  assert.equal(
    planLink({ listen, connect, reconnect }, { f8: f8(3) }).role,
    "mixed",
    "reserved role: start-up",
  );
});

it("a client role without any master address keeps the server running", () => {
  const plan = planLink({ listen, reconnect }, { f8: f8(1), f3: f3("0.0.0.0", 9000) });
  assert.equal(plan.role, "server");
  assert.deepEqual(plan.listen, listen);
  assert.match(plan.note ?? "", /master address/);
});

it("F7 moves the listen port; a server without a start-up listen address listens on all interfaces", () => {
  assert.deepEqual(planLink({ listen, reconnect }, { f7: { listenPort: 7001 } }).listen, {
    host: "127.0.0.1",
    port: 7001,
  });
  assert.deepEqual(planLink({ listen, reconnect }, { f7: { listenPort: 0 } }).listen, listen, "0 = not set");
  assert.deepEqual(planLink({ connect, reconnect }, { f8: f8(2) }).listen, { host: "0.0.0.0", port: 4059 });
});

it("F8 redial seconds become the back-off base", () => {
  assert.deepEqual(planLink({ connect, reconnect }, { f8: f8(1, 30) }).backoff, {
    initialMs: 30_000,
    maxMs: 300_000,
  });
  assert.deepEqual(planLink({ connect, reconnect }, { f8: f8(1, 900) }).backoff, {
    initialMs: 900_000,
    maxMs: 900_000,
  });
});

it("F3 addresses: unset parts skipped, a backup equal to the main listed once, junk ignored", () => {
  assert.deepEqual(mastersFromF3(f3("0.0.0.0", 0, "10.0.0.2", 80)), [{ host: "10.0.0.2", port: 80 }]);
  assert.deepEqual(mastersFromF3(f3("10.0.0.1", 80, "10.0.0.1", 80)), [{ host: "10.0.0.1", port: 80 }]);
  assert.deepEqual(mastersFromF3(undefined), []);
  assert.deepEqual(mastersFromF3({ mainIp: 5, mainPort: "x" }), []);
});
