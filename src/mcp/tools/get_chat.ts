/** get_chat: one chat by JID (the original's parameters; include_last_message=false works here). */
import { z } from "zod";
import { chatJidField } from "../inputs.ts";
import { readResult } from "../read_result.ts";
import { chatLines } from "../render.ts";
import { resolveChatJid } from "../resolve.ts";
import { ToolInputError } from "../results.ts";
import { chatOut, noticeField } from "../schemas.ts";
import { defineTool, READ_ANNOTATIONS } from "../tool.ts";
import { chatToOut } from "../views.ts";

/** The tool. */
export const getChat = defineTool({
  name: "get_chat",
  title: "Get a chat",
  description: "Get one WhatsApp chat by its JID: name, kind, activity, unread count and (by default) its last message.",
  access: "read",
  inputSchema: {
    chat_jid: chatJidField("The chat"),
    include_last_message: z.boolean().default(true).describe("Include the chat's last message (default true)"),
  },
  outputSchema: { chat: chatOut, notice: noticeField },
  annotations: { ...READ_ANNOTATIONS, title: "Get a chat" },
  async run(a, ctx) {
    const jid = await resolveChatJid(ctx.deps.repository, a.chat_jid);
    const chat = await ctx.deps.repository.getChat(jid, a.include_last_message);
    if (!chat) throw new ToolInputError(`No chat ${jid} in the local copy; list_chats or search_contacts find JIDs.`);
    const out = chatToOut(chat, a.include_last_message);
    return readResult(ctx, { chat: out }, "The chat:", chatLines(out));
  },
});
