import assert from "node:assert/strict";
import { it } from "node:test";
import { authSchemeFromF5, expectedParameterPw, verifyPw } from "./pw-check.ts";

const zeros = new Uint8Array(16);

it("scheme 0 (or F5 never set) accepts any PW; frames without PW always pass", () => {
  assert.equal(verifyPw(zeros, undefined).ok, true);
  assert.equal(
    verifyPw(
      Uint8Array.from({ length: 16 }, (_, i) => i),
      { scheme: 0, schemeParameter: 9 },
    ).ok,
    true,
  );
  assert.equal(verifyPw(undefined, { scheme: 7, schemeParameter: 1 }).ok, true);
});

it("software scheme 'parameter': PW = parameter LE + 14 zeros, anything else refused", () => {
  const scheme = { scheme: 1, schemeParameter: 0x1234 };
  const good = expectedParameterPw(0x1234);
  assert.deepEqual([...good.subarray(0, 3)], [0x34, 0x12, 0]);
  assert.equal(verifyPw(good, scheme).ok, true);
  assert.equal(verifyPw(zeros, scheme).ok, false);
  const tail = Uint8Array.from(good);
  tail[15] = 1;
  const verdict = verifyPw(tail, scheme);
  assert.equal(verdict.ok, false);
  assert.match(verdict.ok ? "" : verdict.reason, /scheme 1/);
  assert.equal(verifyPw(good.subarray(0, 15), scheme).ok, false, "wrong length");
});

it("software scheme policies 'accept' and 'deny'", () => {
  const scheme = { scheme: 9, schemeParameter: 1 };
  assert.equal(verifyPw(zeros, scheme, { hardware: "deny", software: "accept" }).ok, true);
  assert.equal(verifyPw(expectedParameterPw(1), scheme, { hardware: "deny", software: "deny" }).ok, false);
});

it("hardware scheme 255 is refused unless configured to accept", () => {
  const scheme = { scheme: 255, schemeParameter: 0 };
  assert.equal(verifyPw(zeros, scheme).ok, false);
  assert.equal(verifyPw(zeros, scheme, { hardware: "accept", software: "parameter" }).ok, true);
});

it("reads F5 values defensively", () => {
  assert.deepEqual(authSchemeFromF5({ scheme: 1, schemeParameter: 2 }), { scheme: 1, schemeParameter: 2 });
  assert.deepEqual(authSchemeFromF5({ scheme: 3 }), { scheme: 3, schemeParameter: 0 });
  assert.equal(authSchemeFromF5(undefined), undefined);
  assert.equal(authSchemeFromF5({ scheme: "1" }), undefined);
  assert.equal(authSchemeFromF5(null), undefined);
});
