/**
 * Whether a verified caller may use the send tools. Pure: the MCP layer calls it at tool-call
 * time (defence in depth) and the HTTP layer uses it to answer 403 insufficient_scope early.
 */
import type { AuthInfo } from "./types.ts";

/** The part of the OAuth settings `canSend` reads. */
export interface ScopePolicy {
  /** Scope required to send; "" lets any allowed token send. */
  sendScope: string;
}

/**
 * True when `authInfo` may call send tools. No authInfo (stdio, or HTTP on loopback without
 * authentication) and the static token are the owner: allowed. An OAuth token needs the send
 * scope unless the policy requires none. A browser session never reaches /mcp: refused here too.
 * Read-only mode and the recipient policy still apply on top of this.
 */
export function canSend(authInfo: AuthInfo | undefined, policy: ScopePolicy | null): boolean {
  if (!authInfo) return true;
  const kind = authInfo.extra?.kind;
  if (kind === "static") return true;
  if (kind !== "oauth") return false;
  if (!policy || policy.sendScope === "") return true;
  return authInfo.scopes.includes(policy.sendScope);
}
