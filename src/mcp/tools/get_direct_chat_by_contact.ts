/** get_direct_chat_by_contact: the 1:1 chat with a person given in any form. */
import { personField } from "../inputs.ts";
import { parseJid } from "../../ids/parse.ts";
import { readResult } from "../read_result.ts";
import { chatLines } from "../render.ts";
import { ToolInputError } from "../results.ts";
import { chatOut, noticeField } from "../schemas.ts";
import { defineTool, READ_ANNOTATIONS } from "../tool.ts";
import { chatToOut } from "../views.ts";

/** The tool. */
export const getDirectChatByContact = defineTool({
  name: "get_direct_chat_by_contact",
  title: "Get the chat with a contact",
  description: "Find the 1:1 WhatsApp chat with a person, given their phone number (or JID / LID), with its last message.",
  access: "read",
  inputSchema: { sender_phone_number: personField("The person") },
  outputSchema: { chat: chatOut, notice: noticeField },
  annotations: { ...READ_ANNOTATIONS, title: "Get the chat with a contact" },
  async run(a, ctx) {
    const parsed = parseJid(a.sender_phone_number, "sender_phone_number");
    if (parsed.kind !== "phone" && parsed.kind !== "lid") {
      throw new ToolInputError("sender_phone_number must name a person, not a group; use get_chat for groups");
    }
    const chat = await ctx.deps.repository.getDirectChat(parsed.jid);
    if (!chat) throw new ToolInputError(`No 1:1 chat with ${parsed.jid} in the local copy.`);
    const out = chatToOut(chat, true);
    return readResult(ctx, { chat: out }, "The 1:1 chat:", chatLines(out));
  },
});
