/** edit_message: change the text of one of your own messages (WhatsApp allows this for a limited time). */
import { z } from "zod";
import { chatJidField, messageIdField, waitField } from "../inputs.ts";
import { ToolInputError } from "../results.ts";
import { sendOut } from "../schemas.ts";
import { attemptSend, sendToolResult } from "../send_path.ts";
import { loadTarget } from "../targets.ts";
import { defineTool, SEND_ANNOTATIONS } from "../tool.ts";

/** The tool. */
export const editMessage = defineTool({
  name: "edit_message",
  title: "Edit a sent message",
  description: "Replace the text of a message you sent (WhatsApp accepts edits for about 15 minutes after sending).",
  access: "write",
  inputSchema: {
    chat_jid: chatJidField("The chat of the message"),
    message_id: messageIdField,
    message: z.string().min(1, { error: "expected the new text" }).max(65_536).describe("The new text"),
    wait_s: waitField,
  },
  outputSchema: sendOut,
  annotations: { ...SEND_ANNOTATIONS, title: "Edit a sent message" },
  async run(a, ctx) {
    const t = await loadTarget(ctx.deps.repository, a.chat_jid, a.message_id);
    if (!t.message.fromMe) throw new ToolInputError("message_id: only your own messages can be edited");
    if (t.message.revoked) throw new ToolInputError("message_id: the message was deleted");
    const outcome = await attemptSend(ctx, {
      tool: "edit_message",
      action: `Change the text of your message ${a.message_id}`,
      recipient: t.recipient,
      text: a.message,
      op: { type: "edit", target: t.ref, text: a.message },
      waitSeconds: a.wait_s,
    });
    return sendToolResult(outcome, t.recipient, "Edited");
  },
});
