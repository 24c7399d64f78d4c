/**
 * The chat-state tools' common step: resolve the chat, then send the app-state change through the
 * send path as an account_state write (no allow-list or confirmation; scoped, rate-limited, audited).
 * The store follows through the change's own echo (Baileys emits it as a chat update).
 */
import type { ChatStateChange } from "../whatsapp/protocol.ts";
import { type ActionReport, guardedAction } from "./action_result.ts";
import { resolveRecipient } from "./resolve.ts";
import { ToolInputError } from "./results.ts";
import type { CallToolResult } from "./sdk.ts";
import type { ToolContext } from "./tool.ts";

/** Applies `change` to the chat named by `chatInput`; `report` gets the canonical chat JID. */
export async function changeChatState(
  ctx: ToolContext,
  tool: string,
  chatInput: string,
  change: ChatStateChange,
  action: string,
  report: (chatJid: string) => ActionReport,
): Promise<CallToolResult> {
  const r = await resolveRecipient(ctx.deps.repository, chatInput, "chat_jid");
  if (!r.chat) throw new ToolInputError(`No chat ${r.jid} in the local copy.`);
  const chatJid = r.chat.jid;
  return await guardedAction(ctx, {
    tool,
    kind: "account_state",
    action,
    recipient: r,
    op: { type: "request", request: { type: "chatModify", jid: chatJid, change } },
  }, () => report(chatJid));
}
