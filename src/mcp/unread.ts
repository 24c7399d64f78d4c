/**
 * Unread triage: which message of a chat is the first unread one, and how long it has waited.
 * WhatsApp keeps a count per chat, not a per-message flag: the first unread message is the
 * count-th newest incoming message (system notices and our own messages do not count, as in
 * WhatsApp's own counter).
 */
import { z } from "zod";
import type { ChatSummary, MessageView } from "../store/types.ts";
import type { MirrorQueries } from "../store/ports.ts";
import { isoUtc } from "./dates.ts";
import { chatOut, messageOut } from "./schemas.ts";
import { chatToOut, messageToOut } from "./views.ts";

/** How many recent messages are looked at to find the first unread one. */
export const FIRST_UNREAD_SCAN = 200;

/** Messages that count as unread when they arrive: incoming, not a system notice. */
export function countsAsUnread(m: Pick<MessageView, "fromMe" | "type">): boolean {
  return !m.fromMe && m.type !== "system";
}

/**
 * Picks the first unread message from a chat's newest messages (newest first): the `count`-th
 * newest incoming one, or the oldest seen when fewer are known; for a chat only marked as unread
 * (count 0), its newest incoming message. Pure.
 */
export function pickFirstUnread(newestFirst: readonly MessageView[], count: number): MessageView | null {
  const incoming = newestFirst.filter(countsAsUnread);
  if (incoming.length === 0) return null;
  return incoming[Math.min(Math.max(count, 1), incoming.length) - 1]!;
}

/** Reads the chat's newest messages and picks its first unread message. */
export async function firstUnread(repo: Pick<MirrorQueries, "listMessages">, chat: ChatSummary): Promise<MessageView | null> {
  const count = Math.max(chat.unreadCount ?? 0, 0);
  const limit = Math.min(Math.max(count * 2, 10), FIRST_UNREAD_SCAN);
  const page = await repo.listMessages({ chatJid: chat.jid, limit });
  return pickFirstUnread(page.items, count);
}

/** A waiting time in words ("45 s", "12 min", "3 h 5 min", "2 d 4 h"). Pure. */
export function waitedText(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 24) return min % 60 ? `${h} h ${min % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

/** One chat of the unread triage. */
export const unreadChatOut = z.object({
  chat: chatOut,
  first_unread: messageOut.nullable().describe("The oldest unread message (null when not in the local copy)"),
  waiting_since: z.string().nullable().describe("When the first unread message arrived (ISO-8601 UTC)"),
  waited_seconds: z.number().int().nullable().describe("How long it has waited for an answer"),
});

/** Output type of one triage entry. */
export type UnreadChatOut = z.infer<typeof unreadChatOut>;

/** Triage filters. */
export interface UnreadQuery {
  limit: number;
  cursor?: string;
  includeMuted: boolean;
  includeArchived: boolean;
}

/** Unread chats, newest activity first, each with its first unread message and its wait (list_unread, whatsapp://unread). */
export async function unreadTriage(
  repo: Pick<MirrorQueries, "listChats" | "listMessages">,
  now: number,
  q: UnreadQuery,
): Promise<{ chats: UnreadChatOut[]; nextCursor: string | null }> {
  const page = await repo.listChats({
    sortBy: "last_active",
    includeLastMessage: false,
    unreadOnly: true,
    limit: q.limit,
    ...(q.cursor ? { cursor: q.cursor } : { offset: 0 }),
  });
  const chats: UnreadChatOut[] = [];
  for (const c of page.items) {
    if (!q.includeMuted && (c.mutedUntil ?? 0) > now) continue;
    if (!q.includeArchived && c.archived) continue;
    const first = await firstUnread(repo, c);
    chats.push({
      chat: chatToOut(c, false),
      first_unread: first ? messageToOut(first) : null,
      waiting_since: first ? isoUtc(first.ts) : null,
      waited_seconds: first ? Math.floor(Math.max(0, now - first.ts) / 1000) : null,
    });
  }
  return { chats, nextCursor: page.nextCursor };
}
