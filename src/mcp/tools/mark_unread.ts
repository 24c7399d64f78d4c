/** mark_unread: mark a chat as unread (the green dot), or clear that mark. Sends no receipt to anyone. */
import { z } from "zod";
import { changeChatState } from "../chat_state.ts";
import { chatJidField } from "../inputs.ts";
import { actionOut } from "../action_result.ts";
import { defineTool } from "../tool.ts";
import { STATE_ANNOTATIONS } from "./pin_chat.ts";

/** The tool. */
export const markUnread = defineTool({
  name: "mark_unread",
  title: "Mark a chat as unread",
  description: "Mark a WhatsApp chat as unread, as a reminder to come back to it (unread=false clears the mark). " +
    "Only the user's own devices see it; to send read receipts use mark_read.",
  access: "write",
  kind: "account_state",
  toolset: "admin",
  inputSchema: { chat_jid: chatJidField("The chat"), unread: z.boolean().default(true).describe("true marks unread (default), false clears the mark") },
  outputSchema: actionOut({ chat_jid: z.string(), unread: z.boolean() }),
  annotations: { ...STATE_ANNOTATIONS, title: "Mark a chat as unread" },
  async run(a, ctx) {
    return await changeChatState(ctx, "mark_unread", a.chat_jid, { kind: "unread", value: a.unread }, a.unread ? "Mark this chat as unread" : "Clear this chat's unread mark", (jid) => ({
      structured: { chat_jid: jid, unread: a.unread },
      text: `${a.unread ? "Marked" : "Cleared the unread mark of"} ${jid}${a.unread ? " as unread" : ""}.`,
    }));
  },
});
