/**
 * Checks a bearer credential against the configured authentication: the static token first
 * (constant-time), then a JWT through the OAuth verifier.
 */
import { constantTimeEqual } from "../crypto.ts";
import { TokenError } from "./oauth.ts";
import type { TokenVerifier } from "./oauth.ts";
import { REDACTED_TOKEN } from "./types.ts";
import type { AuthConfig, AuthInfo } from "./types.ts";

/** The outcome of checking one credential. */
export type CredentialResult =
  | { ok: true; info: AuthInfo }
  | { ok: false; error: TokenError };

/** Checks credentials for one AuthConfig. */
export interface CredentialChecker {
  check(token: string): Promise<CredentialResult>;
}

/** The `Authorization: Bearer <token>` value, or null when absent or another scheme. */
export function bearerToken(header: string | null | undefined): string | null {
  if (!header) return null;
  // Any visible characters: a static token may be more than RFC 6750's token68 alphabet.
  const m = /^Bearer[ ]+([\x21-\x7e]+)[ ]*$/i.exec(header);
  return m ? m[1]! : null;
}

const STATIC_INFO: AuthInfo = { token: REDACTED_TOKEN, clientId: "static-token", scopes: [], extra: { kind: "static" } };

/** Creates a checker; `verifier` is required when `auth.oauth` is set. */
export function createCredentialChecker(auth: AuthConfig, verifier: TokenVerifier | null): CredentialChecker {
  return {
    async check(token) {
      if (auth.token !== null && (await constantTimeEqual(token, auth.token))) {
        return { ok: true, info: { ...STATIC_INFO, extra: { kind: "static" } } };
      }
      // Only something shaped like a JWS goes to the verifier; anything else is simply wrong.
      if (verifier && token.split(".").length === 3) {
        try {
          return { ok: true, info: await verifier.verify(token) };
        } catch (error) {
          return { ok: false, error: error instanceof TokenError ? error : new TokenError("invalid_token", "token not valid") };
        }
      }
      return { ok: false, error: new TokenError("invalid_token", "token not valid") };
    },
  };
}
