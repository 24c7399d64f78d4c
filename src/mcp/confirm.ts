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
