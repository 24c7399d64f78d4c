/**
 * WhatsApp media encryption, as both ends do it: HKDF-SHA256 of the 32-byte media key with
 * "WhatsApp <Type> Keys" → iv, cipher key, mac key; AES-256-CBC; the first 10 bytes of
 * HMAC-SHA256(iv ‖ ciphertext) appended. Pure functions.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from "node:crypto";
import { hkdf, hkdfInfoKey } from "@whiskeysockets/baileys";
import type { MediaType } from "@whiskeysockets/baileys";

/** An encrypted media blob and the fields a media message carries about it. */
export interface EncryptedMedia {
  encrypted: Buffer;
  mediaKey: Buffer;
  fileSha256: Buffer;
  fileEncSha256: Buffer;
}

/** Thrown when a blob fails its MAC or hash check. */
export class MediaIntegrityError extends Error {
  override name = "MediaIntegrityError";
}

function keys(mediaKey: Uint8Array, type: MediaType) {
  const x = Buffer.from(hkdf(Buffer.from(mediaKey), 112, { info: hkdfInfoKey(type) }));
  return { iv: x.subarray(0, 16), cipherKey: x.subarray(16, 48), macKey: x.subarray(48, 80) };
}

/** Encrypts `plain` for upload as media of `type`. */
export function encryptMedia(plain: Uint8Array, type: MediaType): EncryptedMedia {
  const mediaKey = randomBytes(32);
  const { iv, cipherKey, macKey } = keys(mediaKey, type);
  const c = createCipheriv("aes-256-cbc", cipherKey, iv);
  const enc = Buffer.concat([c.update(plain), c.final()]);
  const mac = createHmac("sha256", macKey).update(iv).update(enc).digest().subarray(0, 10);
  const encrypted = Buffer.concat([enc, mac]);
  return {
    encrypted,
    mediaKey,
    fileSha256: createHash("sha256").update(plain).digest(),
    fileEncSha256: createHash("sha256").update(encrypted).digest(),
  };
}

/** Checks the MAC and decrypts a downloaded blob (`ciphertext ‖ mac10`). */
export function decryptMedia(encrypted: Uint8Array, mediaKey: Uint8Array, type: MediaType): Buffer {
  const { iv, cipherKey, macKey } = keys(mediaKey, type);
  const blob = Buffer.from(encrypted);
  const enc = blob.subarray(0, blob.length - 10);
  const mac = blob.subarray(blob.length - 10);
  const want = createHmac("sha256", macKey).update(iv).update(enc).digest().subarray(0, 10);
  if (!want.equals(mac)) throw new MediaIntegrityError("Media MAC mismatch: wrong key or corrupted blob");
  const d = createDecipheriv("aes-256-cbc", cipherKey, iv);
  return Buffer.concat([d.update(enc), d.final()]);
}
