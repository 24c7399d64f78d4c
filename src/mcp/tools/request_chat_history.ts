/**
 * request_chat_history: asks WhatsApp (through the phone) for older messages of a chat. They
 * arrive later and land in the local copy; list_messages then shows them.
 */
import { z } from "zod";
import { chatJidField } from "../inputs.ts";
import { linkProblem, readLinkStatus } from "../link.ts";
import { resolveChatJid } from "../resolve.ts";
import { errorResult, okResult, ToolInputError } from "../results.ts";
import { defineTool } from "../tool.ts";

/** The tool. */
export const requestChatHistory = defineTool({
  name: "request_chat_history",
  title: "Fetch older messages",
  description: "Ask WhatsApp for older messages of a chat than the local copy has. The phone must be online; " +
    "messages arrive after a few seconds, then list_messages shows them.",
  access: "read",
  inputSchema: {
    chat_jid: chatJidField("The chat"),
    count: z.number({ error: "expected a whole number from 1 to 500" }).int().min(1, { error: "expected 1 to 500" })
      .max(500, { error: "expected 1 to 500" }).default(50).describe("How many older messages to ask for (1-500, default 50)"),
  },
  outputSchema: { chat_jid: z.string(), request_id: z.string(), requested: z.number().int() },
  annotations: { readOnlyHint: true, openWorldHint: true, idempotentHint: false, title: "Fetch older messages" },
  async run(a, ctx) {
    const jid = await resolveChatJid(ctx.deps.repository, a.chat_jid);
    const chat = await ctx.deps.repository.getChat(jid, false);
    if (!chat) throw new ToolInputError(`No chat ${jid} in the local copy.`);
    const problem = linkProblem(await readLinkStatus(ctx.deps), ctx.deps.config.statusUrl);
    if (problem) return errorResult(problem);
    const reply: { requestId?: unknown } | null = await ctx.deps.whatsapp.ask({ type: "fetchHistory", chatJid: chat.jid, count: a.count });
    const requestId = typeof reply?.requestId === "string" ? reply.requestId : "";
    return okResult(
      { chat_jid: chat.jid, request_id: requestId, requested: a.count },
      `Asked WhatsApp for up to ${a.count} older messages of ${chat.jid}. They arrive in the background; ` +
        "call list_messages for this chat again in a few seconds.",
    );
  },
});
