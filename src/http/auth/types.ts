/**
 * Authentication settings and the verified identity the HTTP layer hands to the MCP layer.
 */

/** OAuth 2.1 resource-server settings. Shaped like `Config["auth"]["oauth"]` plus the resource URL. */
export interface OAuthResourceConfig {
  /** Expected `iss`. For Google (`https://accounts.google.com`) the bare `accounts.google.com` Google also uses is accepted. */
  issuer: string;
  /** JWKS URL; null: discovered from the issuer's `/.well-known/openid-configuration` (or RFC 8414 metadata). */
  jwksUrl: string | null;
  /** Expected `aud`: this server's resource URL, or the OAuth client id (GOOGLE_CLIENT_ID) as in the original. */
  audience: string;
  /** Token subjects (`sub`) allowed in. */
  allowedSubjects: string[];
  /** Emails allowed in; only counted when the token says `email_verified: true`. */
  allowedEmails: string[];
  /** Scope a token needs to call send tools; "" means any allowed token may send. */
  sendScope: string;
  /** RFC 9728 resource identifier (the MCP endpoint URL). Default: public URL + "/mcp", else the request's origin + "/mcp". */
  resourceUrl?: string | null;
}

/**
 * Who may use the HTTP side. Both null: no authentication (only allowed on loopback). With both
 * set, either a valid static token or a valid JWT is accepted. Shaped like `Config["auth"]`.
 */
export interface AuthConfig {
  /** Static bearer token (MCP_AUTH_TOKEN), compared in constant time. */
  token: string | null;
  oauth: OAuthResourceConfig | null;
}

/** How a request was authenticated. */
export type AuthKind = "static" | "oauth" | "session";

/**
 * The verified caller, passed to the MCP transport as `handleRequest(req, { authInfo })`.
 * Structurally identical to the SDK's `AuthInfo` (`@modelcontextprotocol/sdk/server/auth/types.js`),
 * so it is assignable without importing the SDK here. `token` never carries the real token:
 * nothing downstream needs it and tokens must never be forwarded or logged.
 */
export interface AuthInfo {
  token: string;
  clientId: string;
  scopes: string[];
  /** Seconds since the epoch. */
  expiresAt?: number;
  resource?: URL;
  extra?: {
    kind: AuthKind;
    subject?: string;
    email?: string;
  } & Record<string, unknown>;
}

/** What the MCP handler gets besides the request. */
export interface McpRequestContext {
  /** The verified caller; undefined when no authentication is configured (loopback only). */
  authInfo?: AuthInfo;
}

/** The placeholder put in `AuthInfo.token` (see AuthInfo). */
export const REDACTED_TOKEN = "<redacted>";
