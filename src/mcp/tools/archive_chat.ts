/** archive_chat: archive or unarchive a chat (on the phone and every linked device too). */
import { z } from "zod";
import { changeChatState } from "../chat_state.ts";
import { chatJidField } from "../inputs.ts";
import { actionOut } from "../action_result.ts";
import { defineTool } from "../tool.ts";
import { STATE_ANNOTATIONS } from "./pin_chat.ts";

/** The tool. */
export const archiveChat = defineTool({
  name: "archive_chat",
  title: "Archive a chat",
  description: "Archive a WhatsApp chat (archived=false unarchives it). The change applies on the phone and every " +
    "linked device; nobody else sees it.",
  access: "write",
  kind: "account_state",
  toolset: "admin",
  inputSchema: { chat_jid: chatJidField("The chat"), archived: z.boolean().default(true).describe("true archives (default), false unarchives") },
  outputSchema: actionOut({ chat_jid: z.string(), archived: z.boolean() }),
  annotations: { ...STATE_ANNOTATIONS, title: "Archive a chat" },
  async run(a, ctx) {
    return await changeChatState(ctx, "archive_chat", a.chat_jid, { kind: "archive", value: a.archived }, a.archived ? "Archive this chat" : "Unarchive this chat", (jid) => ({
      structured: { chat_jid: jid, archived: a.archived },
      text: `${a.archived ? "Archived" : "Unarchived"} ${jid}.`,
    }));
  },
});
