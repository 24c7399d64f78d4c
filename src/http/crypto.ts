/**
 * Small Web Crypto helpers shared by sessions, CSRF tokens and the static-token check
 * (the same `crypto` global on Deno and Node 20).
 */

const encoder = new TextEncoder();

/** Encodes bytes as unpadded base64url. */
export function base64url(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** `n` random bytes as base64url (n=32 gives 256 bits). */
export function randomId(n = 32): string {
  return base64url(crypto.getRandomValues(new Uint8Array(n)));
}

/** A fresh HMAC-SHA256 key that never leaves this process. */
export function newHmacKey(): Promise<CryptoKey> {
  return crypto.subtle.generateKey({ name: "HMAC", hash: "SHA-256" }, false, ["sign"]) as Promise<CryptoKey>;
}

/** HMAC-SHA256 of `text` under `key`, base64url. */
export async function hmac(key: CryptoKey, text: string): Promise<string> {
  return base64url(new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(text))));
}

/**
 * Compares two strings in time independent of where they differ and of their lengths: both are
 * hashed first, so the comparison always runs over 32 bytes.
 */
export async function constantTimeEqual(a: string, b: string): Promise<boolean> {
  const [da, db] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(a)),
    crypto.subtle.digest("SHA-256", encoder.encode(b)),
  ]);
  const x = new Uint8Array(da);
  const y = new Uint8Array(db);
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x[i]! ^ y[i]!;
  return diff === 0;
}
