/** list_chats: chats with their last message, by activity or name (the original's parameters). */
import { z } from "zod";
import type { ListChatsQuery } from "../../store/types.ts";
import { cursorField, limitField, pageField } from "../inputs.ts";
import { readResult } from "../read_result.ts";
import { chatLines } from "../render.ts";
import { chatOut, noticeField, pagingFields } from "../schemas.ts";
import { defineTool, READ_ANNOTATIONS } from "../tool.ts";
import { chatToOut } from "../views.ts";

/** The tool. */
export const listChats = defineTool({
  name: "list_chats",
  title: "List chats",
  description: "List WhatsApp chats (people and groups) from the local copy, most recently active first or by " +
    "name, optionally filtered by name or JID or to chats with unread messages, each with its unread count and " +
    "last message.",
  access: "read",
  inputSchema: {
    query: z.string().max(200).optional().describe("Only chats whose name or JID contains this text"),
    limit: limitField(20, 200),
    page: pageField,
    include_last_message: z.boolean().default(true).describe("Include each chat's last message (default true)"),
    sort_by: z.enum(["last_active", "name"]).default("last_active")
      .describe('"last_active" (default, most recent first) or "name"'),
    cursor: cursorField,
    unread_only: z.boolean().default(false).describe("Only chats with unread messages (or marked as unread)"),
  },
  outputSchema: { chats: z.array(chatOut), ...pagingFields, notice: noticeField },
  annotations: { ...READ_ANNOTATIONS, title: "List chats" },
  async run(a, ctx) {
    const q: ListChatsQuery = { sortBy: a.sort_by, includeLastMessage: a.include_last_message, limit: a.limit };
    if (a.query?.trim()) q.query = a.query.trim();
    if (a.unread_only) q.unreadOnly = true;
    if (a.cursor) q.cursor = a.cursor;
    else q.offset = a.page * a.limit;
    const page = await ctx.deps.repository.listChats(q);
    const chats = page.items.map((c) => chatToOut(c, a.include_last_message));
    const n = chats.length;
    const headline = n === 0
      ? (a.unread_only ? "No unread chats match." : "No chats match.")
      : `${n} chat${n === 1 ? "" : "s"} (${a.sort_by === "name" ? "by name" : "most recently active first"})` +
        (page.nextCursor ? `; more: call again with cursor=${JSON.stringify(page.nextCursor)}.` : ".");
    return readResult(ctx, { chats, page: a.page, limit: a.limit, next_cursor: page.nextCursor }, headline, chats.flatMap(chatLines));
  },
});
