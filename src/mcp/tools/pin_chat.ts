/** pin_chat: pin or unpin a chat at the top of the chat list. */
import { z } from "zod";
import { changeChatState } from "../chat_state.ts";
import { chatJidField } from "../inputs.ts";
import type { ToolAnnotations } from "../sdk.ts";
import { actionOut } from "../action_result.ts";
import { defineTool } from "../tool.ts";

/** Annotations of the chat-state tools: they change only the user's own view, repeatably. */
export const STATE_ANNOTATIONS: ToolAnnotations = { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true };

/** The tool. */
export const pinChat = defineTool({
  name: "pin_chat",
  title: "Pin a chat",
  description: "Pin a WhatsApp chat to the top of the chat list (pinned=false unpins it). WhatsApp allows three " +
    "pinned chats. Applies on the phone and every linked device.",
  access: "write",
  kind: "account_state",
  toolset: "admin",
  inputSchema: { chat_jid: chatJidField("The chat"), pinned: z.boolean().default(true).describe("true pins (default), false unpins") },
  outputSchema: actionOut({ chat_jid: z.string(), pinned: z.boolean() }),
  annotations: { ...STATE_ANNOTATIONS, title: "Pin a chat" },
  async run(a, ctx) {
    return await changeChatState(ctx, "pin_chat", a.chat_jid, { kind: "pin", value: a.pinned }, a.pinned ? "Pin this chat" : "Unpin this chat", (jid) => ({
      structured: { chat_jid: jid, pinned: a.pinned },
      text: `${a.pinned ? "Pinned" : "Unpinned"} ${jid}.`,
    }));
  },
});
