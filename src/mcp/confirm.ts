/**
 * Human confirmation of a send through MCP elicitation (a form the client shows the user).
 * Any answer but an explicit "yes" means nothing is sent.
 */
import type { ConfirmOutcome } from "./policy/decide.ts";
import { ErrorCode, McpError } from "./sdk.ts";
import type { RequestHandlerExtra, Server, ServerNotification, ServerRequest } from "./sdk.ts";

/** Default time a confirmation may stay open. */
export const DEFAULT_CONFIRM_TIMEOUT_MS = 120_000;

/** True if the client declared form elicitation (an empty `elicitation: {}` means form). */
export function clientCanElicit(server: Server): boolean {
  const e = server.getClientCapabilities()?.elicitation as Record<string, unknown> | undefined;
  if (!e) return false;
  return e.form !== undefined || Object.keys(e).length === 0;
}

/** True if the client declared URL-mode elicitation (MCP 2025-11-25): it can open a page for the user. */
export function clientCanElicitUrl(server: Server): boolean {
  const e = server.getClientCapabilities()?.elicitation as Record<string, unknown> | undefined;
  return e?.url !== undefined;
}

/**
 * Offers the approval page of a held send through URL-mode elicitation. True if the user agreed
 * to open it (the decision itself is made on the page, never in the client).
 */
export async function offerApprovalUrl(
  server: Server,
  extra: RequestHandlerExtra<ServerRequest, ServerNotification>,
  elicitationId: string,
  url: string,
  reason: string,
): Promise<boolean> {
  try {
    const r = await server.elicitInput(
      {
        mode: "url",
        elicitationId,
        url,
        message: `A WhatsApp send is waiting for your approval because ${reason}. Open the local approval page to check exactly what would be sent, and approve or decline it there.`,
      },
      { relatedRequestId: extra.requestId, signal: extra.signal, timeout: 60_000 },
    );
    return r.action === "accept";
  } catch {
    return false;
  }
}

/**
 * Shows `message` and asks for an explicit tick of "confirm". The request is tied to the tool
 * call (so over HTTP it travels on that call's stream) and is cancelled with it.
 */
export async function askConfirmation(
  server: Server,
  extra: RequestHandlerExtra<ServerRequest, ServerNotification>,
  message: string,
  timeoutMs: number,
): Promise<ConfirmOutcome> {
  if (!clientCanElicit(server)) return "unsupported";
  try {
    const r = await server.elicitInput(
      {
        mode: "form",
        message,
        requestedSchema: {
          type: "object",
          properties: {
            confirm: {
              type: "boolean",
              title: "Send it",
              description: "Check to send exactly this to exactly this recipient. Leave unchecked or decline to send nothing.",
            },
          },
          required: ["confirm"],
        },
      },
      { relatedRequestId: extra.requestId, signal: extra.signal, timeout: timeoutMs },
    );
    if (r.action === "accept") return r.content?.confirm === true ? "accepted" : "declined";
    if (r.action === "decline") return "declined";
    return "cancelled";
  } catch (err) {
    if (err instanceof McpError && err.code === ErrorCode.RequestTimeout) return "timeout";
    if (extra.signal.aborted) return "cancelled";
    return "failed";
  }
}
