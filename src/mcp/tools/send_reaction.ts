/** send_reaction: react to a message with an emoji (an empty emoji removes the reaction). */
import { z } from "zod";
import { chatJidField, messageIdField } from "../inputs.ts";
import { sendOut } from "../schemas.ts";
import { attemptSend, sendToolResult } from "../send_path.ts";
import { loadTarget } from "../targets.ts";
import { defineTool, SEND_ANNOTATIONS } from "../tool.ts";

/** One emoji (a grapheme of at most a few code points), or "" to remove. */
const emojiField = z.string().max(32).refine((s) => s === "" || /\p{Extended_Pictographic}|\p{Regional_Indicator}/u.test(s), {
  error: 'expected one emoji, e.g. "👍", or "" to remove your reaction',
}).describe('One emoji, e.g. "👍"; "" removes your reaction');

/** The tool. */
export const sendReaction = defineTool({
  name: "send_reaction",
  title: "React to a message",
  description: "React to a WhatsApp message with an emoji, or remove your reaction with an empty emoji.",
  access: "write",
  inputSchema: { chat_jid: chatJidField("The chat of the message"), message_id: messageIdField, emoji: emojiField },
  outputSchema: sendOut,
  annotations: { ...SEND_ANNOTATIONS, destructiveHint: false, idempotentHint: true, title: "React to a message" },
  async run(a, ctx) {
    const t = await loadTarget(ctx.deps.repository, a.chat_jid, a.message_id);
    const outcome = await attemptSend(ctx, {
      tool: "send_reaction",
      action: a.emoji ? `React with ${a.emoji} to message ${a.message_id}` : `Remove your reaction from message ${a.message_id}`,
      recipient: t.recipient,
      text: a.emoji,
      op: { type: "react", target: t.ref, emoji: a.emoji },
    });
    return sendToolResult(outcome, t.recipient, a.emoji ? "Reaction sent" : "Reaction removed");
  },
});
