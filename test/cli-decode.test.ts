import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const MAIN = fileURLToPath(new URL("../src/cli/main.ts", import.meta.url));

function run(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [MAIN, ...args], {
    input: input ?? "",
    encoding: "utf8",
    timeout: 20_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const CLOCK_REPLY = "68 4A 00 4A 00 68 88 01 01 BA 07 02 0C 67 00 00 02 00 05 30 14 15 71 23 B4 16";
const LOGIN = "683200320068C90002341200027100000100 8516";

test("decode --json prints the header, units with named engineering values, and aux", () => {
  const r = run(["decode", "--json", CLOCK_REPLY]);
  assert.equal(r.status, 0, r.stderr);
  const json = JSON.parse(r.stdout.trim());
  assert.equal(json.protocol, "gw1376.1");
  assert.deepEqual(json.address, { area: "0101", terminal: 1978, master: 1, group: false });
  assert.equal(json.afn, 0x0c);
  assert.equal(json.control.dir, "up");
  assert.equal(json.units.length, 1);
  assert.equal(json.units[0].pn, 0);
  assert.equal(json.units[0].fn, 2);
  assert.deepEqual(json.aux, { pw: null, ec: null, tp: null });
  assert.ok(JSON.stringify(json.units[0].data).includes("2023-11-15 14:30:05"));
});

test("decode reads several frames per line from stdin, spaces optional, and prints a tree", () => {
  const r = run(["decode"], `${LOGIN}${CLOCK_REPLY.replaceAll(" ", "")}\n# a comment\n\n`);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /AFN 02 \(link interface check\)/);
  assert.match(r.stdout, /AFN 0C \(request class-1 data\)/);
  assert.match(r.stdout, /area 0200, terminal 4660/);
});

test("decode exits non-zero and names the problem on a bad frame", () => {
  const badChecksum = CLOCK_REPLY.replace(/B4 16$/, "B5 16");
  const r = run(["decode", "--json", badChecksum]);
  assert.equal(r.status, 1);
  const json = JSON.parse(r.stdout.trim());
  assert.equal(json.error.code, "checksum");
  assert.equal(json.error.field, "cs");
  assert.equal(json.error.offset, 24);
});

test("decode rejects input that is not hex, and an unknown profile", () => {
  const r = run(["decode", "68 3G"]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /not hex/);
  const p = run(["decode", "--profile", "1999", CLOCK_REPLY]);
  assert.equal(p.status, 1);
  assert.match(p.stderr, /--profile/);
});

test("decode of bytes that are no known frame reports bad-start", () => {
  const r = run(["decode", "--json", "01 02 03"]);
  assert.equal(r.status, 1);
  assert.equal(JSON.parse(r.stdout.trim()).error.code, "bad-start");
});

test("decode autodetects DL/T 645 frames (S7's relayed meter reply) and prints the reading", () => {
  const r = run(["decode", "--json", "FE FE 68 61 10 01 30 12 15 68 91 08 33 33 34 33 AB 39 33 33 49 16"]);
  assert.equal(r.status, 0, r.stderr);
  const json = JSON.parse(r.stdout.trim());
  assert.equal(json.protocol, "dlt645");
  assert.match(JSON.stringify(json), /6\.78/);
});
