/** get_last_interaction: the most recent message with a person, in any chat. */
import { personField } from "../inputs.ts";
import { parseJid } from "../../ids/parse.ts";
import { readResult } from "../read_result.ts";
import { messageLines } from "../render.ts";
import { ToolInputError } from "../results.ts";
import { messageOut, noticeField } from "../schemas.ts";
import { defineTool, READ_ANNOTATIONS } from "../tool.ts";
import { messageToOut } from "../views.ts";

/** The tool. */
export const getLastInteraction = defineTool({
  name: "get_last_interaction",
  title: "Last interaction with a contact",
  description: "Get the most recent WhatsApp message exchanged with a person (sent by them or to them).",
  access: "read",
  inputSchema: { jid: personField("The person") },
  outputSchema: { message: messageOut.nullable(), notice: noticeField },
  annotations: { ...READ_ANNOTATIONS, title: "Last interaction with a contact" },
  async run(a, ctx) {
    const parsed = parseJid(a.jid, "jid");
    if (parsed.kind !== "phone" && parsed.kind !== "lid") throw new ToolInputError("jid must name a person, not a group");
    const m = await ctx.deps.repository.getLastInteraction(parsed.jid);
    const out = m ? messageToOut(m) : null;
    return readResult(ctx, { message: out }, out ? "The last message:" : "No messages with this person.", out ? messageLines(out) : []);
  },
});
