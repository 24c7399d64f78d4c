/**
 * The primary phone's side of companion pairing, as pure crypto helpers: reading the QR,
 * building the ADV signed device identity (account signature + HMAC keyed by the adv secret),
 * checking the companion's device signature, and the pairing-code key exchange
 * (PBKDF2-wrapped ephemeral keys, AES-GCM key bundle, adv secret derivation).
 */
import { randomBytes } from "node:crypto";
import {
  aesDecryptCTR,
  aesDecryptGCM,
  aesEncryptCTR,
  Curve,
  derivePairingCodeKey,
  hkdf,
  hmacSign,
  proto,
  WA_ADV_ACCOUNT_SIG_PREFIX,
  WA_ADV_DEVICE_SIG_PREFIX,
} from "@whiskeysockets/baileys";
import type { KeyPair } from "@whiskeysockets/baileys";

/** Thrown when the phone refuses a pairing (bad QR, wrong code, bad signature). */
export class PairingError extends Error {
  override name = "PairingError";
}

/** The fields of a companion's QR string. */
export interface QrData {
  ref: string;
  noisePublic: Buffer;
  identityPublic: Buffer;
  advSecret: Buffer;
  platformId: string;
}

/** Parses `https://wa.me/settings/linked_devices#ref,noise,identity,adv,platform` (the prefix is optional). */
export function parseQr(qr: string): QrData {
  const body = qr.includes("#") ? qr.slice(qr.indexOf("#") + 1) : qr;
  const parts = body.split(",");
  if (parts.length < 4) throw new PairingError(`Cannot read QR: expected at least 4 comma-separated fields, got ${parts.length}`);
  const [ref, noise, identity, adv, platformId = ""] = parts as [string, string, string, string, string?];
  const noisePublic = Buffer.from(noise, "base64");
  const identityPublic = Buffer.from(identity, "base64");
  const advSecret = Buffer.from(adv, "base64");
  if (noisePublic.length !== 32 || identityPublic.length !== 32 || advSecret.length !== 32) {
    throw new PairingError("Cannot read QR: noise key, identity key and adv secret must each be 32 bytes");
  }
  return { ref, noisePublic, identityPublic, advSecret, platformId };
}

/** Builds the `<device-identity>` payload of pair-success (ADVSignedDeviceIdentityHMAC bytes). */
export function makeDeviceIdentity(
  a: { accountKey: KeyPair; companionIdentity: Uint8Array; keyIndex: number; advSecret: Uint8Array; signingKey?: KeyPair },
): Uint8Array {
  const details = proto.ADVDeviceIdentity.encode({
    rawId: randomBytes(4).readUInt32BE(0),
    timestamp: Math.floor(Date.now() / 1000),
    keyIndex: a.keyIndex,
  }).finish();
  // `signingKey`: a forged signature (another key than the account key it names), for tests.
  const accountSignature = Curve.sign((a.signingKey ?? a.accountKey).private, Buffer.concat([WA_ADV_ACCOUNT_SIG_PREFIX, details, a.companionIdentity]));
  const signed = proto.ADVSignedDeviceIdentity.encode({ details, accountSignatureKey: a.accountKey.public, accountSignature }).finish();
  const hmac = hmacSign(Buffer.from(signed), Buffer.from(a.advSecret));
  return proto.ADVSignedDeviceIdentityHMAC.encode({ details: signed, hmac }).finish();
}

/** Checks the companion's `pair-device-sign` answer: its device signature over our account identity. */
export function verifyDeviceSign(signedIdentity: Uint8Array, companionIdentity: Uint8Array, accountPublic: Uint8Array): boolean {
  const account = proto.ADVSignedDeviceIdentity.decode(signedIdentity);
  if (!account.details || !account.deviceSignature) return false;
  const msg = Buffer.concat([WA_ADV_DEVICE_SIG_PREFIX, account.details, companionIdentity, accountPublic]);
  return Curve.verify(Buffer.from(companionIdentity), msg, Buffer.from(account.deviceSignature));
}

/** Recovers the companion's pairing ephemeral public key from its wrapped form, using the code the user typed. */
export async function unwrapWithCode(code: string, wrapped: Uint8Array): Promise<Buffer> {
  const b = Buffer.from(wrapped);
  if (b.length !== 80) throw new PairingError(`Cannot unwrap pairing key: expected 80 bytes, got ${b.length}`);
  const key = await derivePairingCodeKey(code, b.subarray(0, 32));
  return aesDecryptCTR(b.subarray(48, 80), key, b.subarray(32, 48));
}

/** Wraps the phone's pairing ephemeral public key with the code (salt ‖ iv ‖ AES-CTR). */
export async function wrapWithCode(code: string, pub: Uint8Array): Promise<Buffer> {
  const salt = randomBytes(32);
  const iv = randomBytes(16);
  const key = await derivePairingCodeKey(code, salt);
  return Buffer.concat([salt, iv, aesEncryptCTR(Buffer.from(pub), key, iv)]);
}

/**
 * Opens the companion's `link_code_pairing_wrapped_key_bundle` and derives the adv secret, as
 * the phone does. Fails when the code was wrong (the keys do not agree).
 */
export function openKeyBundle(a: {
  bundle: Uint8Array;
  primaryEphemeral: KeyPair;
  companionEphemeralPublic: Uint8Array;
  primaryIdentity: KeyPair;
}): { companionIdentity: Buffer; advSecret: Buffer } {
  const b = Buffer.from(a.bundle);
  const companionShared = Curve.sharedKey(a.primaryEphemeral.private, a.companionEphemeralPublic);
  const key = Buffer.from(hkdf(companionShared, 32, { salt: b.subarray(0, 32), info: "link_code_pairing_key_bundle_encryption_key" }));
  let plain: Buffer;
  try {
    plain = aesDecryptGCM(b.subarray(44), key, b.subarray(32, 44), Buffer.alloc(0));
  } catch {
    throw new PairingError("Cannot open the companion's key bundle: wrong pairing code");
  }
  const companionIdentity = plain.subarray(0, 32);
  const primaryIdentity = plain.subarray(32, 64);
  const random = plain.subarray(64, 96);
  if (!primaryIdentity.equals(Buffer.from(a.primaryIdentity.public))) {
    throw new PairingError("Cannot finish code pairing: the bundle names another primary identity");
  }
  const identityShared = Curve.sharedKey(a.primaryIdentity.private, companionIdentity);
  const advSecret = Buffer.from(hkdf(Buffer.concat([companionShared, identityShared, random]), 32, { info: "adv_secret" }));
  return { companionIdentity: Buffer.from(companionIdentity), advSecret };
}
