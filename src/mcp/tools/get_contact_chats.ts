/** get_contact_chats: the chats a person takes part in (1:1 and groups). */
import { z } from "zod";
import { limitField, pageField, personField } from "../inputs.ts";
import { parseJid } from "../../ids/parse.ts";
import { readResult } from "../read_result.ts";
import { chatLines } from "../render.ts";
import { ToolInputError } from "../results.ts";
import { chatOut, noticeField } from "../schemas.ts";
import { defineTool, READ_ANNOTATIONS } from "../tool.ts";
import { chatToOut } from "../views.ts";

/** The tool. */
export const getContactChats = defineTool({
  name: "get_contact_chats",
  title: "Chats of a contact",
  description: "List the WhatsApp chats a person takes part in: the 1:1 chat and groups where they wrote or are a member.",
  access: "read",
  inputSchema: { jid: personField("The person"), limit: limitField(20, 200), page: pageField },
  outputSchema: { chats: z.array(chatOut), page: z.number().int(), limit: z.number().int(), notice: noticeField },
  annotations: { ...READ_ANNOTATIONS, title: "Chats of a contact" },
  async run(a, ctx) {
    const parsed = parseJid(a.jid, "jid");
    if (parsed.kind !== "phone" && parsed.kind !== "lid") throw new ToolInputError("jid must name a person, not a group");
    const rows = await ctx.deps.repository.getContactChats(parsed.jid, a.limit, a.page * a.limit);
    const chats = rows.map((c) => chatToOut(c, true));
    const headline = chats.length === 0 ? "No chats with this person." : `${chats.length} chat${chats.length === 1 ? "" : "s"}.`;
    return readResult(ctx, { chats, page: a.page, limit: a.limit }, headline, chats.flatMap(chatLines));
  },
});
