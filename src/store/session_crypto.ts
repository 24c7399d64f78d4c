/**
 * Encryption of WhatsApp session entries at rest (WHATSAPP_SESSION_KEY): AES-256-GCM through
 * WebCrypto (`crypto.subtle`, present on Node 20+ and Deno). Each value gets a fresh 96-bit
 * random IV; the entry's category and id are the additional data, so an encrypted value moved
 * to another slot (a pre-key swapped for the credentials) fails to decrypt.
 *
 * Stored form: `enc1:` + base64(IV ‖ ciphertext ‖ 16-byte tag). Plain entries are JSON and never
 * start with `enc1:`.
 *
 * Key format: 32 random bytes, written as base64 (`openssl rand -base64 32`), base64url, or 64 hex
 * digits.
 */

/** Prefix of an encrypted entry. */
export const ENCRYPTED_PREFIX = "enc1:";

/** A session key that cannot be used as given. */
export class SessionKeyFormatError extends Error {
  override name = "SessionKeyFormatError";
}

/** The 32 key bytes of a WHATSAPP_SESSION_KEY value; throws SessionKeyFormatError otherwise. */
export function parseSessionKey(text: string): Uint8Array {
  const s = text.trim();
  let bytes: Uint8Array | null = null;
  if (/^[0-9a-fA-F]{64}$/.test(s)) {
    bytes = new Uint8Array(32);
    for (let i = 0; i < 32; i++) bytes[i] = parseInt(s.slice(i * 2, i * 2 + 2), 16);
  } else if (/^[A-Za-z0-9+/_-]{43}={0,1}$/.test(s)) {
    bytes = fromBase64(s.replace(/-/g, "+").replace(/_/g, "/"));
  }
  if (!bytes || bytes.length !== 32) {
    throw new SessionKeyFormatError("expected 32 random bytes as base64 (openssl rand -base64 32) or 64 hex digits");
  }
  return bytes;
}

/** Encrypts and decrypts session entries with one key. */
export interface SessionCipher {
  encrypt(plain: string, category: string, id: string): Promise<string>;
  /** The plain text; rejects when the key or the slot is wrong, or the value was altered. */
  decrypt(stored: string, category: string, id: string): Promise<string>;
}

/** True for a value in the encrypted form. */
export function isEncrypted(stored: string): boolean {
  return stored.startsWith(ENCRYPTED_PREFIX);
}

/** A cipher over the 32 key bytes. */
export async function createSessionCipher(keyBytes: Uint8Array): Promise<SessionCipher> {
  const subtle = globalThis.crypto.subtle;
  const key = await subtle.importKey("raw", keyBytes as BufferSource, { name: "AES-GCM" }, false, ["encrypt", "decrypt"]);
  const aad = (category: string, id: string) => new TextEncoder().encode(`${category}\u0000${id}`);
  return {
    async encrypt(plain, category, id) {
      const iv = globalThis.crypto.getRandomValues(new Uint8Array(12));
      const sealed = new Uint8Array(
        await subtle.encrypt({ name: "AES-GCM", iv, additionalData: aad(category, id) }, key, new TextEncoder().encode(plain)),
      );
      const out = new Uint8Array(iv.length + sealed.length);
      out.set(iv);
      out.set(sealed, iv.length);
      return ENCRYPTED_PREFIX + toBase64(out);
    },
    async decrypt(stored, category, id) {
      if (!isEncrypted(stored)) throw new Error("not an encrypted session entry");
      const bytes = fromBase64(stored.slice(ENCRYPTED_PREFIX.length));
      if (bytes.length < 12 + 16) throw new Error("encrypted session entry too short");
      const plain = await subtle.decrypt(
        { name: "AES-GCM", iv: bytes.subarray(0, 12) as BufferSource, additionalData: aad(category, id) },
        key,
        bytes.subarray(12) as BufferSource,
      );
      return new TextDecoder().decode(plain);
    },
  };
}

function toBase64(bytes: Uint8Array): string {
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

function fromBase64(text: string): Uint8Array {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
