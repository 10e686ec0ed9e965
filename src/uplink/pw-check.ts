/**
 * Message-authentication (PW) check for the downlink AFNs that carry a 16-byte PW (shared/protocol/gw1376-1.md
 * §2.4, §3.3 step 3). The scheme is AFN04 F5 byte 0:
 *
 *   0        no authentication: the PW is not checked (masters send zeros)             [M-H]
 *   255      dedicated hardware (ESAM) scheme                                          [M]
 *   1..254   software schemes; the reference names no algorithm for them               [L]
 *
 * Neither non-zero family can be verified as the standard intends here (no ESAM, no published software
 * algorithm), so both are configurable (start-up file `uplink.auth`):
 * - `hardware` (scheme 255): "deny" (default, fail closed — a master that asked for ESAM authentication gets
 *   no unauthenticated control) or "accept".
 * - `software` (1..254): "parameter" (default: PW bytes 0..1 must equal the F5 scheme parameter, little-endian,
 *   and bytes 2..15 must be zero — a documented opendcu convention, not a standard fact), "accept" or "deny".
 * A failed check is answered with AFN00 F2 and recorded as ERC20 by the caller.
 */
import { z } from "zod";

/** AFN04 F5 as stored: scheme number and its 2-byte parameter. */
export interface AuthScheme {
  readonly scheme: number;
  readonly schemeParameter: number;
}

export const PW_POLICY_SCHEMA = z.object({
  hardware: z.enum(["deny", "accept"]).default("deny"),
  software: z.enum(["parameter", "accept", "deny"]).default("parameter"),
});

export type PwPolicy = z.infer<typeof PW_POLICY_SCHEMA>;

export const DEFAULT_PW_POLICY: PwPolicy = { hardware: "deny", software: "parameter" };

export const PW_LENGTH = 16;
const HARDWARE_SCHEME = 255;

export type PwVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

const OK: PwVerdict = { ok: true };

/**
 * Checks `pw` under the F5 scheme in force (`undefined` = F5 never set = scheme 0). Frames of AFNs that carry
 * no PW arrive with `pw` undefined and pass.
 */
export function verifyPw(
  pw: Uint8Array | undefined,
  scheme: AuthScheme | undefined,
  policy: PwPolicy = DEFAULT_PW_POLICY,
): PwVerdict {
  if (pw === undefined) return OK;
  const number = scheme?.scheme ?? 0;
  if (number === 0) return OK;
  if (pw.length !== PW_LENGTH)
    return { ok: false, reason: `PW is ${pw.length} bytes, expected ${PW_LENGTH}` };
  if (number === HARDWARE_SCHEME) {
    return policy.hardware === "accept"
      ? OK
      : { ok: false, reason: "scheme 255 (ESAM) cannot be verified without the hardware" };
  }
  switch (policy.software) {
    case "accept":
      return OK;
    case "deny":
      return { ok: false, reason: `software scheme ${number} refused by configuration` };
    case "parameter": {
      const expected = expectedParameterPw(scheme?.schemeParameter ?? 0);
      for (let i = 0; i < PW_LENGTH; i++) {
        if (pw[i] !== expected[i]) return { ok: false, reason: `PW does not match scheme ${number}` };
      }
      return OK;
    }
  }
}

/** The PW the "parameter" convention expects: the F5 parameter little-endian, then 14 zero bytes. */
export function expectedParameterPw(schemeParameter: number): Uint8Array {
  const pw = new Uint8Array(PW_LENGTH);
  pw[0] = schemeParameter & 0xff;
  pw[1] = (schemeParameter >> 8) & 0xff;
  return pw;
}

/** Reads a decoded AFN04 F5 value (from the parameter store) defensively. */
export function authSchemeFromF5(decoded: unknown): AuthScheme | undefined {
  if (typeof decoded !== "object" || decoded === null) return undefined;
  const { scheme, schemeParameter } = decoded as { scheme?: unknown; schemeParameter?: unknown };
  if (typeof scheme !== "number") return undefined;
  return { scheme, schemeParameter: typeof schemeParameter === "number" ? schemeParameter : 0 };
}
