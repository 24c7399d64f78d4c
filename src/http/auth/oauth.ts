/**
 * OAuth 2.1 resource server: verifies JWT bearer tokens (signature against the issuer's JWKS,
 * issuer, audience, expiry) and the allow-list of subjects and verified emails.
 */
import { createRemoteJWKSet, errors, jwtVerify } from "jose";
import type { JWTPayload, JWTVerifyGetKey } from "jose";
import { isLoopbackHost } from "../bind-policy.ts";
import { REDACTED_TOKEN } from "./types.ts";
import type { AuthInfo, OAuthResourceConfig } from "./types.ts";

/** Why a token was refused: `invalid_token` (401), `forbidden` (403, valid but not allowed), `unavailable` (503, keys unreachable). */
export type TokenErrorCode = "invalid_token" | "forbidden" | "unavailable";

/** A bearer token was refused. The message is safe to show: it never contains the token. */
export class TokenError extends Error {
  override name = "TokenError";
  constructor(readonly code: TokenErrorCode, message: string) {
    super(message);
  }
}

/** Verifies one bearer token, resolving to the caller or rejecting with a TokenError. */
export interface TokenVerifier {
  verify(token: string): Promise<AuthInfo>;
}

/** Signature algorithms accepted: asymmetric only (a shared-secret HS256 token could be minted by anyone holding the secret). */
const ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519"];

/** Leeway for clock differences between the issuer and us. */
const CLOCK_TOLERANCE_SEC = 30;

/** Options of createOAuthVerifier. */
export interface OAuthVerifierOptions {
  /** Key resolver (e.g. jose `createLocalJWKSet`); default: remote JWKS from `jwksUrl` or discovery. */
  keys?: JWTVerifyGetKey;
  /** Milliseconds since the epoch; default Date.now. */
  now?: () => number;
  /** Resource identifier reported in AuthInfo.resource. */
  resourceUrl?: string | null;
  /** fetch used for issuer discovery; default the global fetch. */
  fetch?: typeof fetch;
}

/** Issuers to accept for the configured one (Google signs ID tokens with either spelling). */
export function acceptedIssuers(issuer: string): string[] {
  const trimmed = issuer.replace(/\/+$/, "");
  if (trimmed === "https://accounts.google.com" || trimmed === "accounts.google.com") {
    return ["https://accounts.google.com", "accounts.google.com"];
  }
  return trimmed === issuer ? [issuer] : [issuer, trimmed];
}

/** Scopes a token carries: `scope` (space-separated, RFC 8693/9068) or `scp` (string or array). */
export function scopesOf(payload: JWTPayload): string[] {
  const out = new Set<string>();
  const add = (v: unknown) => {
    if (typeof v === "string") {
      for (const s of v.split(/\s+/)) if (s) out.add(s);
    } else if (Array.isArray(v)) {
      for (const s of v) if (typeof s === "string" && s) out.add(s);
    }
  };
  add(payload.scope);
  add(payload.scp);
  return [...out];
}

/** True when the token's subject or verified email is on the allow-list. */
export function isAllowed(payload: JWTPayload, cfg: Pick<OAuthResourceConfig, "allowedSubjects" | "allowedEmails">): boolean {
  if (typeof payload.sub === "string" && cfg.allowedSubjects.includes(payload.sub)) return true;
  const email = typeof payload.email === "string" ? payload.email.toLowerCase() : null;
  const verified = payload.email_verified === true || payload.email_verified === "true";
  return email !== null && verified && cfg.allowedEmails.some((e) => e.toLowerCase() === email);
}

/** Only https URLs, or http on loopback (a local test issuer), may serve keys. */
function checkKeyUrl(url: string, what: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new TokenError("unavailable", `Cannot use ${what} ${JSON.stringify(url)}: not a URL`);
  }
  if (u.protocol !== "https:" && !(u.protocol === "http:" && isLoopbackHost(u.hostname))) {
    throw new TokenError("unavailable", `Cannot use ${what} ${u.origin}: keys must come over https`);
  }
  return u;
}

/** Finds the issuer's JWKS URL from OpenID Connect discovery, then RFC 8414 metadata. */
async function discoverJwksUrl(issuer: string, fetchFn: typeof fetch): Promise<URL> {
  const base = issuer.replace(/\/+$/, "");
  const candidates = [`${base}/.well-known/openid-configuration`, `${base}/.well-known/oauth-authorization-server`];
  for (const url of candidates) {
    checkKeyUrl(url, "issuer");
    try {
      const res = await fetchFn(url, { headers: { accept: "application/json" }, redirect: "error" });
      if (!res.ok) {
        await res.body?.cancel();
        continue;
      }
      const meta = (await res.json()) as { jwks_uri?: unknown };
      if (typeof meta.jwks_uri === "string") return checkKeyUrl(meta.jwks_uri, "jwks_uri");
    } catch (error) {
      if (error instanceof TokenError) throw error;
    }
  }
  throw new TokenError("unavailable", `Cannot discover the signing keys of issuer ${base}: no jwks_uri in its metadata`);
}

/** Maps jose's failures to a short reason for `error_description` (never the token itself). */
function describe(error: unknown): TokenError {
  if (error instanceof TokenError) return error;
  if (error instanceof errors.JWTExpired) return new TokenError("invalid_token", "token expired");
  if (error instanceof errors.JWTClaimValidationFailed) {
    const reason = error.claim === "aud" ? "wrong audience"
      : error.claim === "iss" ? "wrong issuer"
      : error.reason === "missing" ? `missing claim ${error.claim}`
      : `claim ${error.claim} not valid`;
    return new TokenError("invalid_token", reason);
  }
  if (error instanceof errors.JWKSNoMatchingKey) return new TokenError("invalid_token", "signing key not known to the issuer");
  if (error instanceof errors.JWSSignatureVerificationFailed) return new TokenError("invalid_token", "signature not valid");
  if (error instanceof errors.JOSEAlgNotAllowed) return new TokenError("invalid_token", "signature algorithm not allowed");
  if (error instanceof errors.JWKSTimeout) return new TokenError("unavailable", "timed out fetching the issuer's keys");
  if (error instanceof errors.JWKSInvalid || error instanceof errors.JWKSMultipleMatchingKeys) {
    return new TokenError("unavailable", "the issuer's key set is not usable");
  }
  if (error instanceof errors.JOSEError) return new TokenError("invalid_token", "malformed token");
  // fetch failures of the remote key set (network errors) land here.
  return new TokenError("unavailable", "cannot reach the issuer's keys");
}

/** Creates a verifier for `cfg`. Remote keys are fetched lazily, cached, and refreshed by jose on unknown `kid`. */
export function createOAuthVerifier(cfg: OAuthResourceConfig, opts: OAuthVerifierOptions = {}): TokenVerifier {
  const now = opts.now ?? (() => Date.now());
  const fetchFn = opts.fetch ?? ((input, init) => fetch(input, init));
  let keys: Promise<JWTVerifyGetKey> | null = opts.keys ? Promise.resolve(opts.keys) : null;

  const getKeys = (): Promise<JWTVerifyGetKey> => {
    if (keys) return keys;
    const p = (async () => {
      const url = cfg.jwksUrl ? checkKeyUrl(cfg.jwksUrl, "OAUTH_JWKS_URL") : await discoverJwksUrl(cfg.issuer, fetchFn);
      return createRemoteJWKSet(url) as JWTVerifyGetKey;
    })();
    keys = p;
    // A failed discovery is retried on the next request instead of being cached forever.
    p.catch(() => {
      if (keys === p) keys = null;
    });
    return p;
  };

  return {
    async verify(token: string): Promise<AuthInfo> {
      let payload: JWTPayload;
      try {
        const getKey = await getKeys();
        ({ payload } = await jwtVerify(token, getKey, {
          issuer: acceptedIssuers(cfg.issuer),
          audience: cfg.audience,
          algorithms: ALGORITHMS,
          requiredClaims: ["exp", "iss", "aud"],
          clockTolerance: CLOCK_TOLERANCE_SEC,
          currentDate: new Date(now()),
        }));
      } catch (error) {
        throw describe(error);
      }
      if (!isAllowed(payload, cfg)) throw new TokenError("forbidden", "this account is not on the allow-list");
      const clientId = typeof payload.azp === "string" ? payload.azp
        : typeof payload.client_id === "string" ? payload.client_id
        : cfg.audience;
      const info: AuthInfo = {
        token: REDACTED_TOKEN,
        clientId,
        scopes: scopesOf(payload),
        expiresAt: payload.exp,
        extra: {
          kind: "oauth",
          ...(typeof payload.sub === "string" ? { subject: payload.sub } : {}),
          ...(typeof payload.email === "string" ? { email: payload.email } : {}),
        },
      };
      if (opts.resourceUrl) info.resource = new URL(opts.resourceUrl);
      return info;
    },
  };
}
