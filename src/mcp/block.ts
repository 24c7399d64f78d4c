/**
 * block_contact and unblock_contact share one step: resolve the person, then the block change
 * through the send path as an account_state write that is always confirmed by the user (a block
 * silently cuts a person off; an unblock lets a blocked person reach the user again).
 */
import { z } from "zod";
import { actionOut, guardedAction } from "./action_result.ts";
import { personField } from "./inputs.ts";
import { resolveRecipient } from "./resolve.ts";
import { ToolInputError } from "./results.ts";
import type { CallToolResult, ToolAnnotations } from "./sdk.ts";
import type { ToolContext } from "./tool.ts";
import { untrustedBlock } from "./untrusted.ts";

/** Input of both tools. */
export const blockInput = { contact: personField("The person") };

/** Output of both tools. */
export const blockOut = actionOut({ jid: z.string(), blocked: z.boolean() });

/** Annotations of both tools (they change what others can do, reversibly). */
export const BLOCK_ANNOTATIONS: ToolAnnotations = { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true };

/** Blocks or unblocks the person named by `input`. */
export async function changeBlock(ctx: ToolContext, input: string, block: boolean): Promise<CallToolResult> {
  const r = await resolveRecipient(ctx.deps.repository, input, "contact");
  if (r.kind !== "person") throw new ToolInputError("contact must be a person; groups cannot be blocked (leave_group leaves one)");
  const tool = block ? "block_contact" : "unblock_contact";
  return await guardedAction(ctx, {
    tool,
    kind: "account_state",
    alwaysConfirm: true,
    action: block ? "Block this person on WhatsApp" : "Unblock this person on WhatsApp",
    recipient: r,
    details: [block ? "They can no longer call you or send you messages." : "They can call you and send you messages again."],
    op: { type: "request", request: { type: "block", jid: r.jid, action: block ? "block" : "unblock" } },
  }, () => ({
    structured: { jid: r.jid, blocked: block },
    text: untrustedBlock(`${block ? "Blocked" : "Unblocked"} ${r.jid}.`, r.name ? `name: ${r.name}` : ""),
  }));
}
