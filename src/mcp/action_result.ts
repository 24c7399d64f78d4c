/**
 * Runs a non-message write (group change, chat state...) through the send path and turns the
 * outcome into a tool result: the refusal as an error, or the tool's own structured answer.
 */
import { errorResult, okResult } from "./results.ts";
import type { CallToolResult } from "./sdk.ts";
import { attemptSend, type SendAttempt } from "./send_path.ts";
import type { ToolContext } from "./tool.ts";

/** What a successful action reports: structured fields (besides `confirmed_by_user`) and a sentence. */
export interface ActionReport {
  structured: Record<string, unknown>;
  text: string;
}

/** Guards and performs `attempt`; `report` describes what was done. */
export async function guardedAction<R>(
  ctx: ToolContext,
  attempt: SendAttempt<R>,
  report: (result: R) => ActionReport,
): Promise<CallToolResult> {
  const o = await attemptSend(ctx, attempt);
  if (!o.ok) return errorResult(o.text);
  const { structured, text } = report(o.result);
  return okResult({ ...structured, confirmed_by_user: o.confirmed }, o.confirmed ? `${text} (confirmed by the user)` : text);
}
