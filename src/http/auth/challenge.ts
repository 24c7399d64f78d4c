/**
 * RFC 6750 `WWW-Authenticate` challenges and RFC 9728 protected-resource metadata.
 */
import type { OAuthResourceConfig } from "./types.ts";

/** Path of the protected-resource metadata (RFC 9728 §3). */
export const RESOURCE_METADATA_PATH = "/.well-known/oauth-protected-resource";

/** Parameters of a Bearer challenge; absent ones are left out. */
export interface ChallengeParams {
  error?: "invalid_token" | "insufficient_scope" | "invalid_request";
  description?: string;
  scope?: string;
  /** RFC 9728 metadata URL (OAuth only). */
  resourceMetadata?: string;
}

/** Makes a value safe inside a quoted-string (no quotes, backslashes or control characters). */
function quoted(v: string): string {
  return `"${v.replace(/[\\"\x00-\x1f\x7f]/g, "")}"`;
}

/** `Bearer realm="whatsapp-mcp", error="…", …`. */
export function bearerChallenge(p: ChallengeParams): string {
  const parts = [`realm="whatsapp-mcp"`];
  if (p.error) parts.push(`error=${quoted(p.error)}`);
  if (p.description) parts.push(`error_description=${quoted(p.description)}`);
  if (p.scope) parts.push(`scope=${quoted(p.scope)}`);
  if (p.resourceMetadata) parts.push(`resource_metadata=${quoted(p.resourceMetadata)}`);
  return `Bearer ${parts.join(", ")}`;
}

/** The RFC 9728 document describing this resource. */
export function protectedResourceMetadata(cfg: OAuthResourceConfig, resource: string): Record<string, unknown> {
  return {
    resource,
    authorization_servers: [cfg.issuer],
    bearer_methods_supported: ["header"],
    scopes_supported: cfg.sendScope ? [cfg.sendScope] : [],
    resource_name: "WhatsApp MCP server",
  };
}
