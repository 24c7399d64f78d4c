/**
 * forward_message: forward a stored message (text or media) to another chat. Content from one
 * chat going to another is the exfiltration pattern, so the user always confirms, seeing it.
 */
import { messageIdField, chatJidField } from "../inputs.ts";
import { resolveRecipient } from "../resolve.ts";
import { sendOut } from "../schemas.ts";
import { attemptSend, sendToolResult } from "../send_path.ts";
import { loadTarget } from "../targets.ts";
import { defineTool, SEND_ANNOTATIONS } from "../tool.ts";
import { recipientField } from "./send_message.ts";

/** The tool. */
export const forwardMessage = defineTool({
  name: "forward_message",
  title: "Forward a message",
  description: "Forward a message (text, photo, file...) from one chat to a person or group; it arrives marked as " +
    "forwarded. The user always confirms, seeing what is forwarded and where.",
  access: "write",
  inputSchema: {
    chat_jid: chatJidField("The chat the message is in"),
    message_id: messageIdField,
    to: recipientField.describe("Where to forward it: phone number with country code, or a person's or group's JID"),
  },
  outputSchema: sendOut,
  annotations: { ...SEND_ANNOTATIONS, title: "Forward a message" },
  async run(a, ctx) {
    const source = await loadTarget(ctx.deps.repository, a.chat_jid, a.message_id);
    const recipient = await resolveRecipient(ctx.deps.repository, a.to, "to");
    const m = source.message;
    const outcome = await attemptSend(ctx, {
      tool: "forward_message",
      alwaysConfirm: true,
      action: "Forward this message",
      recipient,
      details: [`From chat: ${source.recipient.name ?? source.recipient.jid} (message ${m.id})`],
      text: m.editedText ?? m.text ?? "",
      attachments: m.media ? [{ name: m.media.fileName ?? m.type, kind: m.type, bytes: m.media.fileLength ?? 0 }] : undefined,
      op: { type: "request", request: { type: "forward", source: source.ref, to: recipient.jid } },
    });
    return sendToolResult(outcome, recipient, "Forwarded");
  },
});
