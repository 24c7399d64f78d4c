/**
 * list_messages: the original's parameters (dates, sender, chat, query, paging, context) plus
 * type / media filters, relevance order and cursors. Dates are compared as instants.
 */
import { z } from "zod";
import type { ListMessagesQuery, MessageView } from "../../store/types.ts";
import { DATE_FORMAT_HINT, parseIsoInstant } from "../dates.ts";
import { chatJidField, cursorField, instantField, limitField, pageField } from "../inputs.ts";
import { parseJid } from "../../ids/parse.ts";
import { readResult } from "../read_result.ts";
import { messageLines } from "../render.ts";
import { resolveChatJid } from "../resolve.ts";
import { ToolInputError } from "../results.ts";
import { MESSAGE_TYPES, messageWithContextOut, noticeField, pagingFields } from "../schemas.ts";
import { defineTool, READ_ANNOTATIONS } from "../tool.ts";
import { messageToOut } from "../views.ts";
import { pollSummaries, withPoll } from "../poll_view.ts";

const contextField = (def: number) =>
  z.number({ error: "expected a whole number from 0 to 20" }).int().min(0, { error: "expected 0 to 20" })
    .max(20, { error: "expected 0 to 20" }).default(def);

/** The tool. */
export const listMessages = defineTool({
  name: "list_messages",
  title: "List or search messages",
  description: "List WhatsApp messages from the local copy, newest first, filtered by time, chat, sender, text " +
    "search, type or media; each hit can come with the messages around it. Use query for full-text search " +
    `(words, "phrases", prefix*, AND/OR/NOT) and order="relevance" to rank by match. Dates: ${DATE_FORMAT_HINT}.`,
  access: "read",
  inputSchema: {
    after: instantField("Only messages after this instant"),
    before: instantField("Only messages before this instant"),
    sender_phone_number: z.string().max(200).optional()
      .describe("Only messages sent by this person: phone number with country code, phone JID or LID"),
    chat_jid: chatJidField("Only messages in this chat").optional(),
    query: z.string().max(500).optional().describe('Full-text search: words, "exact phrases", prefix*, AND/OR/NOT'),
    limit: limitField(20, 200),
    page: pageField,
    include_context: z.boolean().default(true).describe("Add the messages just before and after each hit"),
    context_before: contextField(1).describe("How many earlier messages to add per hit (0-20, default 1)"),
    context_after: contextField(1).describe("How many later messages to add per hit (0-20, default 1)"),
    types: z.array(z.enum(MESSAGE_TYPES)).min(1).max(MESSAGE_TYPES.length).optional()
      .describe("Only these message types"),
    has_media: z.boolean().optional().describe("true: only messages with media; false: only without"),
    order: z.enum(["newest", "relevance"]).default("newest")
      .describe('"newest" (default) or "relevance" (needs query)'),
    cursor: cursorField,
  },
  outputSchema: { messages: z.array(messageWithContextOut), ...pagingFields, notice: noticeField },
  annotations: { ...READ_ANNOTATIONS, title: "List or search messages" },
  async run(a, ctx) {
    const repo = ctx.deps.repository;
    if (a.order === "relevance" && !a.query?.trim()) {
      throw new ToolInputError('order: "relevance" ranks search hits and needs a query');
    }
    const q: ListMessagesQuery = { limit: a.limit, order: a.order };
    if (a.after !== undefined) q.after = parseIsoInstant(a.after, "after");
    if (a.before !== undefined) q.before = parseIsoInstant(a.before, "before");
    if (q.after !== undefined && q.before !== undefined && q.after >= q.before) {
      throw new ToolInputError("after must be earlier than before");
    }
    if (a.chat_jid !== undefined) q.chatJid = await resolveChatJid(repo, a.chat_jid);
    if (a.sender_phone_number !== undefined) {
      const parsed = parseJid(a.sender_phone_number, "sender_phone_number");
      if (parsed.kind !== "phone" && parsed.kind !== "lid") {
        throw new ToolInputError("sender_phone_number must name a person (phone number, phone JID or LID), not a group");
      }
      q.senderId = (await repo.resolvePerson(parsed.jid))?.id ?? parsed.jid;
    }
    if (a.query?.trim()) q.query = a.query.trim();
    if (a.types) q.types = a.types;
    if (a.has_media !== undefined) q.hasMedia = a.has_media;
    if (a.cursor) q.cursor = a.cursor;
    else q.offset = a.page * a.limit;

    const page = await repo.listMessages(q);
    const withContext = a.include_context && (a.context_before > 0 || a.context_after > 0);
    // Every hit's neighbours in one store round trip (the hits themselves are in the page).
    const contexts = withContext && page.items.length > 0
      ? await repo.getMessageNeighbours(page.items.map((m) => ({ chatJid: m.chatJid, id: m.id })), a.context_before, a.context_after)
      : [];
    // Every poll's counts in one more round trip (only when the page shows polls).
    const shown = [...page.items, ...contexts.flatMap((c) => [...c.before, ...c.after])];
    const polls = await pollSummaries(repo, shown);
    const toOut = (m: MessageView) => withPoll(messageToOut(m), polls);
    const messages = [];
    const lines: string[] = [];
    for (const [i, m] of page.items.entries()) {
      const out: z.infer<typeof messageWithContextOut> = toOut(m);
      if (withContext) {
        const c = contexts[i]!;
        out.context_before = c.before.map(toOut);
        out.context_after = c.after.map(toOut);
        lines.push(`--- hit ${i + 1} ---`);
        for (const b of out.context_before) lines.push(...messageLines(b, "  (before) "));
        lines.push(...messageLines(out, ">> "));
        for (const b of out.context_after) lines.push(...messageLines(b, "  (after) "));
      } else {
        lines.push(...messageLines(out));
      }
      messages.push(out);
    }
    const n = messages.length;
    const sort = q.order === "relevance" ? "best match first" : "newest first";
    const headline = n === 0
      ? "No messages match."
      : `${n} message${n === 1 ? "" : "s"} (${sort})` +
        (page.nextCursor ? `; more: call again with cursor=${JSON.stringify(page.nextCursor)}.` : ".");
    const result = await readResult(
      ctx,
      { messages, page: a.page, limit: a.limit, next_cursor: page.nextCursor },
      headline,
      lines,
    );
    // Each hit's media as a resource link: clients that read resources fetch the bytes by URI.
    // Keys in the SDK schema's order: the answer is sent as built (src/mcp/lean_calls.ts).
    for (const m of messages) {
      if (m.media) result.content.push({ name: "message media", uri: m.media.resource_uri, type: "resource_link" });
    }
    return result;
  },
});
