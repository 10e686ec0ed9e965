/**
 * Ed25519 package signatures with `node:crypto` (no dependency). Keys travel as PEM: the private key as
 * PKCS#8 (kept by whoever builds packages), the public key as SPKI (configured on every DCU).
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from "node:crypto";
import { OpenDcuError } from "../common/errors.ts";

export interface PemKeyPair {
  readonly publicKeyPem: string;
  readonly privateKeyPem: string;
}

export function generateSigningKeyPair(): PemKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  return {
    publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
    privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  };
}

function ensureEd25519(key: KeyObject, what: string): KeyObject {
  if (key.asymmetricKeyType !== "ed25519")
    throw new OpenDcuError("config.invalid", `${what} is a ${key.asymmetricKeyType ?? "?"} key, not Ed25519`);
  return key;
}

/** Parses a PEM public key; throws `config.invalid` naming `what` when it is not an Ed25519 key. */
export function loadPublicKey(pem: string, what = "public key"): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (cause) {
    throw new OpenDcuError("config.invalid", `${what} is not a PEM public key`, {}, { cause });
  }
  return ensureEd25519(key, what);
}

export function loadPrivateKey(pem: string, what = "private key"): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (cause) {
    throw new OpenDcuError("config.invalid", `${what} is not a PEM private key`, {}, { cause });
  }
  return ensureEd25519(key, what);
}

export function signBytes(privateKey: KeyObject, data: Uint8Array): Uint8Array {
  return sign(null, data, privateKey);
}

/** Never throws: a malformed signature is simply not valid. */
export function verifyBytes(publicKey: KeyObject, data: Uint8Array, signature: Uint8Array): boolean {
  try {
    return verify(null, data, publicKey, signature);
  } catch {
    return false;
  }
}
