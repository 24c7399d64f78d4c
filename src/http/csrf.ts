/**
 * CSRF tokens for our forms: a random id in a SameSite=Strict, HttpOnly cookie, and in the form
 * the HMAC of that id under a key that never leaves the process. A request is accepted only when
 * the form token matches the cookie's HMAC, so a page elsewhere can neither read nor mint one
 * (even one able to plant cookies, since it lacks the key).
 */
import { constantTimeEqual, hmac, randomId } from "./crypto.ts";

/** Issues and checks CSRF tokens. */
export interface Csrf {
  /** The token for a form, and the new cookie id to set when `cookieId` was missing or malformed. */
  issue(cookieId: string | undefined): Promise<{ setCookie: string | null; token: string }>;
  /** True when `token` belongs to `cookieId`. */
  verify(cookieId: string | undefined, token: string | null | undefined): Promise<boolean>;
}

const ID_RE = /^[A-Za-z0-9_-]{43}$/;

/** Creates a CSRF helper over an HMAC key. */
export function createCsrf(key: CryptoKey): Csrf {
  const tokenFor = (id: string) => hmac(key, `csrf:${id}`);
  return {
    async issue(cookieId) {
      if (cookieId && ID_RE.test(cookieId)) return { setCookie: null, token: await tokenFor(cookieId) };
      const id = randomId(32);
      return { setCookie: id, token: await tokenFor(id) };
    },
    async verify(cookieId, token) {
      if (!cookieId || !ID_RE.test(cookieId) || !token) return false;
      return constantTimeEqual(token, await tokenFor(cookieId));
    },
  };
}
