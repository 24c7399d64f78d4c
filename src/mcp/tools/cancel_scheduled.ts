/**
 * cancel_scheduled: cancels a scheduled send that has not gone out yet (a compare-and-set in the
 * store: a send already in flight or settled is not cancelled, and the answer says what it is).
 * It sends nothing, so it needs no confirmation; as a write it is hidden in read-only mode.
 */
import { z } from "zod";
import { errorResult, okResult } from "../results.ts";
import { defineTool } from "../tool.ts";

/** The tool. */
export const cancelScheduled = defineTool({
  name: "cancel_scheduled",
  title: "Cancel a scheduled WhatsApp message",
  description: "Cancel a scheduled send (schedule_id from schedule_message or list_scheduled) before it is sent. " +
    "One already sent or in flight cannot be cancelled.",
  access: "write",
  kind: "account_state",
  toolset: "schedule",
  inputSchema: {
    schedule_id: z.string().trim().min(1, { error: "expected a schedule_id" }).max(100).describe("The schedule_id to cancel"),
  },
  outputSchema: { schedule_id: z.string(), status: z.literal("cancelled") },
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false, title: "Cancel a scheduled WhatsApp message" },
  async run(a, ctx) {
    const schedule = ctx.deps.schedule;
    if (!schedule) return errorResult("Scheduled sends are not available in this server.");
    const r = await schedule.cancel(a.schedule_id);
    if (!r.ok) return errorResult(`Not cancelled: ${r.message}.`);
    return okResult({ schedule_id: a.schedule_id, status: "cancelled" }, `Cancelled: scheduled send ${a.schedule_id} will not be sent.`);
  },
});
