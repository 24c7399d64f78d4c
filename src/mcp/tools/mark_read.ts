/** mark_read: send read receipts for a chat's latest incoming messages (or the ones named). */
import { z } from "zod";
import type { MessageRef } from "../../whatsapp/protocol.ts";
import { chatJidField, messageIdField } from "../inputs.ts";
import { resolveRecipient } from "../resolve.ts";
import { attemptSend } from "../send_path.ts";
import { errorResult, okResult, ToolInputError } from "../results.ts";
import { findIn, refOf } from "../targets.ts";
import { defineTool } from "../tool.ts";

/** The tool. */
export const markRead = defineTool({
  name: "mark_read",
  title: "Mark a chat as read",
  description: "Mark a WhatsApp chat as read: sends read receipts (blue ticks) for its latest incoming messages " +
    "and clears its unread count, or sends receipts for the given message ids only.",
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
      // Read receipts are a write the other side sees (blue ticks): the one send path decides them
      // like any other (scope, read-only mode, recipient policy, rate limit, audit).
      const chatJid = r.chat.jid;
      const outcome = await attemptSend(ctx, {
        tool: "mark_read",
        kind: "read_receipt",
        action: "Send read receipts (blue ticks) in this WhatsApp chat",
        recipient: r,
        text: null,
        async perform() {
          await ctx.deps.whatsapp.ask({ type: "markRead", chatJid, messages: refs });
          return { id: refs[refs.length - 1]!.id, chatJid, ts: Date.now() };
        },
      });
      if (!outcome.ok) return errorResult(outcome.text);
    }
    // The whole chat was read (not only named messages): clear its unread state in the local copy
    // too, as WhatsApp's own "read" update would.
    if (!a.message_ids) await repo.commit([{ op: "markChatRead", jid: r.chat.jid, upTo: null }]);
    return okResult(
      { chat_jid: r.chat.jid, marked: refs.length },
      refs.length === 0 ? "Nothing to mark: no incoming messages." : `Marked ${refs.length} message(s) as read in ${r.chat.jid}.`,
    );
  },
});
