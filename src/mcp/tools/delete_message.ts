/** delete_message: delete one of your own messages for everyone. */
import { chatJidField, messageIdField } from "../inputs.ts";
import { ToolInputError } from "../results.ts";
import { sendOut } from "../schemas.ts";
import { attemptSend, sendToolResult } from "../send_path.ts";
import { loadTarget } from "../targets.ts";
import { defineTool, SEND_ANNOTATIONS } from "../tool.ts";

/** The tool. */
export const deleteMessage = defineTool({
  name: "delete_message",
  title: "Delete a sent message for everyone",
  description: "Delete a message you sent, for everyone in the chat. This cannot be undone.",
  access: "write",
  inputSchema: { chat_jid: chatJidField("The chat of the message"), message_id: messageIdField },
  outputSchema: sendOut,
  annotations: { ...SEND_ANNOTATIONS, title: "Delete a sent message for everyone" },
  async run(a, ctx) {
    const t = await loadTarget(ctx.deps.repository, a.chat_jid, a.message_id);
    if (!t.message.fromMe) throw new ToolInputError("message_id: only your own messages can be deleted for everyone");
    if (t.message.revoked) throw new ToolInputError("message_id: the message is already deleted");
    const outcome = await attemptSend(ctx, {
      tool: "delete_message",
      action: `Delete your message ${a.message_id} for everyone`,
      recipient: t.recipient,
      text: t.message.editedText ?? t.message.text ?? null,
      op: { type: "revoke", target: t.ref },
    });
    return sendToolResult(outcome, t.recipient, "Deleted for everyone");
  },
});
