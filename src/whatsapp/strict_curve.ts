/**
 * A strict signature check for Baileys. Upstream defect (Baileys 7.0.0-rc14,
 * `lib/Utils/crypto.js`, `Curve.verify`): it calls libsignal's `curve.verifySignature` inside a
 * try/catch and returns true whenever that does not throw; libsignal 6 (`src/curve.js`,
 * `verifySignature`) RETURNS false on a bad signature instead of throwing, so `Curve.verify`
 * accepts any well-formed signature. Baileys relies on it for the noise certificate chain
 * (`lib/Utils/noise-handler.js`, `processHandshake`: leaf and intermediate) and for the account
 * signature at pairing (`lib/Utils/validate-connection.js`, `configureSuccessfulPairing`), so a
 * server whose certificate is signed by any root linked fine. Fix upstream: `return
 * curve.verifySignature(...)` (and false on a throw).
 *
 * We do not fork Baileys: `installStrictCurveVerify` replaces the `verify` property of Baileys'
 * exported (unfrozen) `Curve` object once at start-up. Every caller reads `Curve.verify` at call
 * time, so all of them get the strict check. The check itself is libsignal's own algorithm
 * (XEdDSA over Curve25519, the `curve25519-js` package libsignal uses), returning its boolean.
 */
import { Curve } from "@whiskeysockets/baileys";
import { verify as xeddsaVerify } from "curve25519-js";

/** The type byte Signal puts before a 32-byte Curve25519 public key. */
const KEY_TYPE_DJB = 5;

/**
 * Verifies an XEdDSA signature; false (never a throw) on a bad signature, a bad key or bad
 * lengths. `pubKey` is 32 bytes, or 33 with Signal's 0x05 type prefix.
 */
export function strictVerify(pubKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    let key = pubKey;
    if (key.length === 33 && key[0] === KEY_TYPE_DJB) key = key.subarray(1);
    if (key.length !== 32 || signature?.length !== 64 || !message) return false;
    return xeddsaVerify(new Uint8Array(key), new Uint8Array(message), new Uint8Array(signature)) === true;
  } catch {
    return false;
  }
}

/** Whether Baileys' `Curve.verify` is the strict one (for the status and tests). */
export function strictCurveInstalled(): boolean {
  return Curve.verify === strictVerify;
}

/** Makes Baileys' `Curve.verify` strict (idempotent). Call before the first socket is made. */
export function installStrictCurveVerify(): void {
  if (Curve.verify !== strictVerify) Curve.verify = strictVerify;
}
