/**
 * get_send_status: where a held send stands (waiting for the user's approval, sent with its
 * message id, declined, expired, failed). It only reads: no tool can approve a held send.
 */
import { z } from "zod";
import { heldSentence, heldStatusOut } from "../held/request.ts";
import { heldStatusOut as heldShape } from "../held/schema.ts";
import { waitForHeld } from "../held/service.ts";
import { okResult, ToolInputError } from "../results.ts";
import { defineTool, READ_ANNOTATIONS } from "../tool.ts";
import { untrustedBlock } from "../untrusted.ts";

/** The tool. */
export const getSendStatus = defineTool({
  name: "get_send_status",
  title: "Status of a held send",
  description: "Check a send that was held for the user's approval (approval_id from send_message, send_file, " +
    "send_audio_message or edit_message): waiting, sent (with the message id), declined or expired. Only the user " +
    "can approve, on the local approval page.",
  access: "read",
  toolset: "send",
  inputSchema: {
    approval_id: z.string().trim().min(1, { error: "expected an approval_id" }).max(100).describe("The approval_id of the held send"),
    wait_s: z.number().int().min(0).max(50).optional().describe("Wait up to this many seconds while it is still waiting (default 0)"),
  },
  outputSchema: heldShape.shape,
  annotations: { ...READ_ANNOTATIONS, title: "Status of a held send" },
  async run(a, ctx) {
    const row = await waitForHeld(ctx.deps, a.approval_id, (a.wait_s ?? 0) * 1000, ctx.extra.signal);
    if (!row) throw new ToolInputError(`approval_id: no held send with id ${JSON.stringify(a.approval_id)}`);
    const out = heldStatusOut(row, ctx.deps.clock.now(), ctx.deps.config.statusUrl);
    const who = `to: ${out.recipient.name ?? out.recipient.jid}\nreason: ${out.reason}`;
    return okResult({ ...out }, untrustedBlock(heldSentence(out), who));
  },
});
