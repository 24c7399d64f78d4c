/**
 * get_message_context: a message with the messages around it. Ids are unique only per chat, so
 * chat_jid (new here) selects the chat; without it, an id found in several chats is an error
 * listing them. Neighbours are ordered by (time, id), so equal timestamps are not skipped.
 */
import { z } from "zod";
import type { MirrorQueries } from "../../store/ports.ts";
import { chatJidField, messageIdField } from "../inputs.ts";
import { readResult } from "../read_result.ts";
import { messageLines } from "../render.ts";
import { resolveChatJid } from "../resolve.ts";
import { ToolInputError } from "../results.ts";
import { messageOut, noticeField } from "../schemas.ts";
import { defineTool, READ_ANNOTATIONS } from "../tool.ts";
import { messageToOut } from "../views.ts";

const around = (def: number, what: string) =>
  z.number({ error: "expected a whole number from 0 to 50" }).int().min(0, { error: "expected 0 to 50" })
    .max(50, { error: "expected 0 to 50" }).default(def).describe(`How many ${what} messages (0-50, default ${def})`);

/** Most chats scanned for an id when the store has no id index (`findMessageChats`). */
const MAX_SCAN_CHATS = 5000;

/** Chats holding message `id`: the store's index when it has one, else a scan of every chat. */
async function chatsWithMessage(repo: Pick<MirrorQueries, "findMessageChats" | "listChats" | "getMessage">, id: string): Promise<string[]> {
  if (repo.findMessageChats) {
    try {
      return await repo.findMessageChats(id, 10);
    } catch {
      // A store without the method behind the actor proxy rejects: fall back to the scan.
    }
  }
  const found: string[] = [];
  let cursor: string | undefined;
  let scanned = 0;
  do {
    const page = await repo.listChats({ sortBy: "last_active", includeLastMessage: false, limit: 200, cursor });
    for (const c of page.items) if (await repo.getMessage(c.jid, id)) found.push(c.jid);
    scanned += page.items.length;
    cursor = page.nextCursor ?? undefined;
  } while (cursor && scanned < MAX_SCAN_CHATS && found.length < 10);
  if (cursor && found.length === 0) {
    throw new ToolInputError(`chat_jid is required: message id ${JSON.stringify(id)} was not found in the ${scanned} most recent chats`);
  }
  return found;
}

/** Finds the chat of a message id when the caller did not name it. */
async function chatOfMessage(repo: Pick<MirrorQueries, "findMessageChats" | "listChats" | "getMessage">, id: string): Promise<string> {
  const chats = await chatsWithMessage(repo, id);
  if (chats.length === 0) throw new ToolInputError(`No message with id ${JSON.stringify(id)} in the local copy.`);
  if (chats.length > 1) {
    throw new ToolInputError(
      `Message id ${JSON.stringify(id)} exists in ${chats.length} chats; pass chat_jid to choose one of: ${chats.join(", ")}`,
    );
  }
  return chats[0];
}

/** The tool. */
export const getMessageContext = defineTool({
  name: "get_message_context",
  title: "Message with context",
  description: "Get one WhatsApp message with the messages just before and after it in its chat. Pass chat_jid " +
    "(message ids are unique only within a chat); without it the id must be unambiguous.",
  access: "read",
  inputSchema: {
    message_id: messageIdField,
    before: around(5, "earlier"),
    after: around(5, "later"),
    chat_jid: chatJidField("The chat holding the message (recommended)").optional(),
  },
  outputSchema: {
    message: messageOut,
    before: z.array(messageOut),
    after: z.array(messageOut),
    notice: noticeField,
  },
  annotations: { ...READ_ANNOTATIONS, title: "Message with context" },
  async run(a, ctx) {
    const repo = ctx.deps.repository;
    const chatJid = a.chat_jid !== undefined ? await resolveChatJid(repo, a.chat_jid) : await chatOfMessage(repo, a.message_id);
    const c = await repo.getMessageContext(chatJid, a.message_id, a.before, a.after);
    if (!c) throw new ToolInputError(`No message with id ${JSON.stringify(a.message_id)} in chat ${chatJid}.`);
    const out = { message: messageToOut(c.message), before: c.before.map(messageToOut), after: c.after.map(messageToOut) };
    const lines = [
      ...out.before.flatMap((m) => messageLines(m, "  (before) ")),
      ...messageLines(out.message, ">> "),
      ...out.after.flatMap((m) => messageLines(m, "  (after) ")),
    ];
    return readResult(ctx, out, `The message (marked >>) with ${out.before.length} before and ${out.after.length} after:`, lines);
  },
});
