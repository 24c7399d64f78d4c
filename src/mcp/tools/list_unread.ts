/** list_unread: triage of what is waiting: unread chats, newest first, with the first unread message and its wait. */
import { z } from "zod";
import { cursorField, limitField } from "../inputs.ts";
import { readResult } from "../read_result.ts";
import { chatLines, messageLines } from "../render.ts";
import { noticeField } from "../schemas.ts";
import { defineTool, READ_ANNOTATIONS } from "../tool.ts";
import { unreadChatOut, unreadTriage, waitedText } from "../unread.ts";

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
    const { chats, nextCursor } = await unreadTriage(ctx.deps.repository, ctx.deps.clock.now(), {
      limit: a.limit,
      cursor: a.cursor,
      includeMuted: a.include_muted,
      includeArchived: a.include_archived,
    });
    const lines: string[] = [];
    for (const c of chats) {
      lines.push(...chatLines(c.chat));
      if (c.first_unread) {
        lines.push(...messageLines(c.first_unread, `    first unread (waiting ${waitedText((c.waited_seconds ?? 0) * 1000)}): `));
      }
    }
    const n = chats.length;
    const headline = n === 0
      ? "Nothing unread."
      : `${n} chat${n === 1 ? "" : "s"} with unread messages (newest activity first)` +
        (nextCursor ? `; more: call again with cursor=${JSON.stringify(nextCursor)}.` : ".");
    return readResult(ctx, { chats, next_cursor: nextCursor }, headline, lines);
  },
});
