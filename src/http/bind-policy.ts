/**
 * Start-up policy for where the HTTP server may listen. Pure: the lead calls `checkBindPolicy`
 * before binding, and `createHttpApp` calls it again so a forgotten call cannot open the door.
 */
import type { AuthConfig } from "./auth/types.ts";

/** The configuration would expose the account without authentication. */
export class BindPolicyError extends Error {
  override name = "BindPolicyError";
}

/** Shortest static token accepted: a guessable token on a network port is no protection. */
export const MIN_TOKEN_LENGTH = 16;

/** True for names and addresses that only the local machine can reach (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, "$1");
  if (h === "localhost" || h === "::1" || h === "0:0:0:0:0:0:0:1") return true;
  if (h === "::ffff:127.0.0.1") return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** True when some authentication (static token or OAuth) is configured. */
export function hasAuth(auth: AuthConfig): boolean {
  return auth.token !== null || auth.oauth !== null;
}

/**
 * Throws a BindPolicyError when listening on `host` would let others in without authentication:
 * a non-loopback interface (0.0.0.0, ::, a LAN address) or a public URL (a reverse proxy in front)
 * with neither MCP_AUTH_TOKEN nor OAuth configured, or a static token too short to resist guessing.
 */
export function checkBindPolicy(host: string, auth: AuthConfig, publicUrl: string | null = null): void {
  if (auth.token !== null && auth.token.length < MIN_TOKEN_LENGTH) {
    throw new BindPolicyError(
      `MCP_AUTH_TOKEN is too short: expected at least ${MIN_TOKEN_LENGTH} characters (use 32+ random characters, e.g. \`openssl rand -hex 32\`)`,
    );
  }
  if (hasAuth(auth)) return;
  if (!isLoopbackHost(host)) {
    throw new BindPolicyError(
      `Refusing to listen on ${JSON.stringify(host)} without authentication: anyone who can reach that interface ` +
        `could read your messages and send as you. Set MCP_AUTH_TOKEN (or OAuth: OAUTH_ENABLED with OAUTH_AUDIENCE and ` +
        `OAUTH_ALLOWED_SUBJECTS/OAUTH_ALLOWED_EMAILS), or listen on 127.0.0.1 (MCP_HOST).`,
    );
  }
  if (publicUrl !== null) {
    throw new BindPolicyError(
      `Refusing to serve the public URL ${JSON.stringify(publicUrl)} without authentication: requests arriving ` +
        `through a proxy would reach your messages unchecked. Set MCP_AUTH_TOKEN or OAuth, or unset MCP_PUBLIC_URL.`,
    );
  }
}
