/**
 * Runs a non-message write (group change, chat state, block...) through the send path and turns
 * the outcome into a tool result: the refusal as an error, a held action as "awaiting_approval"
 * (approved on the local page), or the tool's own structured answer.
 */
import { z } from "zod";
import { errorResult, okResult } from "./results.ts";
import type { CallToolResult } from "./sdk.ts";
import { attemptSend, heldFields, heldHeadline, type SendAttempt } from "./send_path.ts";
import type { OpReply, SendOp } from "./held/action.ts";
import type { ToolContext } from "./tool.ts";
import { untrustedBlock } from "./untrusted.ts";

/** What a successful action reports: structured fields (besides `confirmed_by_user`) and a sentence. */
export interface ActionReport {
  structured: Record<string, unknown>;
  text: string;
}

/**
 * The output schema of an action tool: its own fields (absent while the action waits for the
 * user), plus the status and, when held, where the user approves it.
 */
export function actionOut(shape: z.ZodRawShape): z.ZodRawShape {
  const own = Object.fromEntries(Object.entries(shape).map(([k, v]) => [k, (v as z.ZodType).optional()]));
  return {
    status: z.enum(["done", "awaiting_approval"]).describe(
      "done, or awaiting_approval: held until the user approves it on approval_url (no tool can approve)",
    ),
    ...own,
    confirmed_by_user: z.boolean().describe("A human confirmed this action (in a dialog or on the approval page)"),
    approval_id: z.string().optional().describe("Id of the held action (get_send_status)"),
    approval_url: z.string().optional().describe("The page where the user approves or declines it"),
    expires_at: z.string().optional().describe("When the held action expires undone (ISO-8601 UTC)"),
    reason: z.string().optional().describe("Why the user is asked"),
  };
}

/**
 * Guards and performs `attempt`; `report` describes what was done. The result's type follows the
 * attempt: its `op`'s reply (`OpReply`), or what its `perform` returns.
 */
export async function guardedAction<O extends SendOp, R = OpReply<O>>(
  ctx: ToolContext,
  attempt: SendAttempt<R> & { op?: O },
  report: (result: R) => ActionReport,
): Promise<CallToolResult> {
  const o = await attemptSend(ctx, attempt);
  if (!o.ok && o.outcome === "held" && o.held.status === "waiting") {
    const h = o.held;
    return okResult(
      { status: "awaiting_approval", ...heldFields(h) },
      untrustedBlock(heldHeadline(h, "action"), `reason: ${h.reason}`),
    );
  }
  if (!o.ok && o.outcome === "held" && o.held.status === "sent") {
    // Approved on the page while this call waited; what it returned is summed up in `detail`.
    return okResult({ status: "done", confirmed_by_user: true, approval_id: o.held.approval_id }, o.text);
  }
  if (!o.ok) return errorResult(o.text);
  const { structured, text } = report(o.result);
  return okResult({ status: "done", ...structured, confirmed_by_user: o.confirmed }, o.confirmed ? `${text} (confirmed by the user)` : text);
}
