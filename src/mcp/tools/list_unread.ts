/** list_unread: triage of what is waiting: unread chats, newest first, with the first unread message and its wait. */
import { z } from "zod";
import { isoUtc } from "../dates.ts";
import { cursorField, limitField } from "../inputs.ts";
import { readResult } from "../read_result.ts";
import { chatLines, messageLines } from "../render.ts";
import { chatOut, messageOut, noticeField } from "../schemas.ts";
import { defineTool, READ_ANNOTATIONS } from "../tool.ts";
import { firstUnread, waitedText } from "../unread.ts";
import { chatToOut, messageToOut } from "../views.ts";

const unreadChatOut = z.object({
  chat: chatOut,
  first_unread: messageOut.nullable().describe("The oldest unread message (null when not in the local copy)"),
  waiting_since: z.string().nullable().describe("When the first unread message arrived (ISO-8601 UTC)"),
  waited_seconds: z.number().int().nullable().describe("How long it has waited for an answer"),
});

/** The tool. */
export const listUnread = defineTool({
  name: "list_unread",
  title: "List unread chats",
  description: "What is waiting on the owner: WhatsApp chats with unread messages (or marked as unread), newest " +
    "activity first, each with its unread count, its first unread message and how long that message has waited. " +
    "mark_read clears a chat from this list.",
  access: "read",
  inputSchema: {
    limit: limitField(20, 100),
    include_muted: z.boolean().default(true).describe("Include muted chats (default true)"),
    include_archived: z.boolean().default(true).describe("Include archived chats (default true)"),
    cursor: cursorField,
  },
  outputSchema: {
    chats: z.array(unreadChatOut),
    next_cursor: z.string().nullable().describe("Pass as `cursor` to get the next page; null at the end"),
    notice: noticeField,
  },
  annotations: { ...READ_ANNOTATIONS, title: "List unread chats" },
  async run(a, ctx) {
    const repo = ctx.deps.repository;
    const now = ctx.deps.clock.now();
    const page = await repo.listChats({
      sortBy: "last_active",
      includeLastMessage: false,
      unreadOnly: true,
      limit: a.limit,
      ...(a.cursor ? { cursor: a.cursor } : { offset: 0 }),
    });
    const chats: Array<z.infer<typeof unreadChatOut>> = [];
    const lines: string[] = [];
    for (const c of page.items) {
      if (!a.include_muted && (c.mutedUntil ?? 0) > now) continue;
      if (!a.include_archived && c.archived) continue;
      const first = await firstUnread(repo, c);
      const chat = chatToOut(c, false);
      const waited = first ? Math.max(0, now - first.ts) : null;
      chats.push({
        chat,
        first_unread: first ? messageToOut(first) : null,
        waiting_since: first ? isoUtc(first.ts) : null,
        waited_seconds: waited === null ? null : Math.floor(waited / 1000),
      });
      lines.push(...chatLines(chat));
      if (first) lines.push(...messageLines(messageToOut(first), `    first unread (waiting ${waitedText(waited!)}): `));
    }
    const n = chats.length;
    const headline = n === 0
      ? "Nothing unread."
      : `${n} chat${n === 1 ? "" : "s"} with unread messages (newest activity first)` +
        (page.nextCursor ? `; more: call again with cursor=${JSON.stringify(page.nextCursor)}.` : ".");
    return readResult(ctx, { chats, next_cursor: page.nextCursor }, headline, lines);
  },
});
