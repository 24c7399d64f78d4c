/** mark_read: send read receipts for a chat's latest incoming messages (or the ones named). */
import { z } from "zod";
import type { MessageRef } from "../../whatsapp/protocol.ts";
import { chatJidField, messageIdField } from "../inputs.ts";
import { resolveRecipient } from "../resolve.ts";
import { errorResult, okResult, ToolInputError } from "../results.ts";
import { attemptSend } from "../send_path.ts";
import { findIn, refOf } from "../targets.ts";
import { defineTool } from "../tool.ts";

/** The tool. */
export const markRead = defineTool({
  name: "mark_read",
  title: "Mark a chat as read",
  description: "Mark a WhatsApp chat as read: sends read receipts (blue ticks) for its latest incoming messages, " +
    "or for the given message ids.",
  access: "write",
  kind: "read_receipt",
  inputSchema: {
    chat_jid: chatJidField("The chat"),
    message_ids: z.array(messageIdField).min(1).max(100).optional()
      .describe("Specific messages to mark; default: the chat's unread (or latest) incoming messages"),
  },
  outputSchema: { chat_jid: z.string(), marked: z.number().int() },
  annotations: {
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: true,
    title: "Mark a chat as read",
  },
  async run(a, ctx) {
    const repo = ctx.deps.repository;
    const r = await resolveRecipient(repo, a.chat_jid, "chat_jid");
    if (!r.chat) throw new ToolInputError(`No chat ${r.jid} in the local copy.`);
    let refs: MessageRef[];
    if (a.message_ids) {
      refs = [];
      for (const id of a.message_ids) refs.push((await findIn(repo, r, id, "message_ids")).ref);
    } else {
      const count = Math.min(Math.max(r.chat.unreadCount ?? 0, 1), 100);
      const page = await repo.listMessages({ chatJid: r.chat.jid, limit: count });
      refs = page.items.filter((m) => !m.fromMe).map((m) => refOf(m, r.kind));
    }
    if (refs.length > 0) {
      const chatJid = r.chat.jid;
      const outcome = await attemptSend(ctx, {
        tool: "mark_read",
        kind: "read_receipt",
        action: "Mark these messages as read",
        recipient: r,
        perform: () => ctx.deps.whatsapp.ask({ type: "markRead", chatJid, messages: refs }),
      });
      if (!outcome.ok) return errorResult(outcome.text);
    }
    return okResult(
      { chat_jid: r.chat.jid, marked: refs.length },
      refs.length === 0 ? "Nothing to mark: no incoming messages." : `Marked ${refs.length} message(s) as read in ${r.chat.jid}.`,
    );
  },
});
