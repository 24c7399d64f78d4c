/**
 * Whether the caller's credentials allow write tools, using the HTTP layer's rule (`canSend`),
 * checked again here at call time whatever the transport.
 */
import { canSend } from "../http/auth/scope.ts";
import type { AuthInfo as HttpAuthInfo } from "../http/auth/types.ts";
import type { McpConfig } from "./deps.ts";
import type { AuthInfo } from "./sdk.ts";

/** Why the caller may not write, or null if it may. */
export function scopeProblem(config: Pick<McpConfig, "sendScope">, authInfo: AuthInfo | undefined): string | null {
  const policy = config.sendScope === undefined || config.sendScope === null ? null : { sendScope: config.sendScope };
  // The SDK's AuthInfo is the same structure with a looser `extra`; canSend reads `extra.kind` defensively.
  if (canSend(authInfo as HttpAuthInfo | undefined, policy)) return null;
  return policy?.sendScope
    ? `the access token lacks the "${policy.sendScope}" scope needed to send.`
    : "these credentials may not send.";
}
