/**
 * What both backends do around their SQL: limits, the filter shape and parameters of a
 * message list, contact-search patterns, and turning fetched rows into pages. Pure.
 */
import { encodeCursor } from "./cursor.ts";
import { containsPattern, type PkRange, searchNeedle } from "./keys.ts";
import { messageKey, messageViewFromRow, type Row } from "./rows.ts";
import type { ListMessagesQuery, MessageView, Page } from "./types.ts";

/** Largest page a list returns. */
export const MAX_PAGE = 1000;

/** Which optional filters a message list uses (selects the SQL variant). */
export interface MessageFilterShape {
  chat: boolean;
  sender: boolean;
  after: boolean;
  before: boolean;
  types: boolean;
  hasMedia: boolean;
}

/** How a chat page is ordered. */
export type ChatOrder = "last_active" | "name";

/** A page size within 1..MAX_PAGE (20 if not a number). */
export function clampLimit(limit: number): number {
  return Math.max(1, Math.min(MAX_PAGE, Math.trunc(Number.isFinite(limit) ? limit : 20)));
}

/**
 * The filter shape and named parameters of a message list (chat and sender already resolved
 * to canonical ids by the caller), date bounds as pk bounds in the store's scheme `pks`.
 * Fetches `limit + 1` rows so the page knows if there is more.
 */
export function messageFilters(
  q: ListMessagesQuery,
  resolved: { chat?: string; sender?: string },
  pks: PkRange,
): { shape: MessageFilterShape; params: Record<string, unknown>; limit: number } {
  const limit = clampLimit(q.limit);
  const params: Record<string, unknown> = { limit: limit + 1 };
  const shape: MessageFilterShape = {
    chat: resolved.chat !== undefined,
    sender: resolved.sender !== undefined,
    after: q.after !== undefined,
    before: q.before !== undefined,
    types: !!q.types?.length,
    hasMedia: q.hasMedia !== undefined,
  };
  if (resolved.chat !== undefined) params.chat = resolved.chat;
  if (resolved.sender !== undefined) params.sender = resolved.sender;
  if (q.after !== undefined) {
    // after is inclusive, before exclusive; fractional bounds round to the same integer sets.
    params.after = Math.ceil(q.after);
    params.afterPk = pks.from(Math.ceil(q.after));
  }
  if (q.before !== undefined) {
    params.before = Math.ceil(q.before);
    params.beforePk = pks.until(Math.ceil(q.before));
  }
  if (q.types?.length) params.types = q.types;
  if (q.hasMedia !== undefined) params.hasMedia = q.hasMedia;
  return { shape, params, limit };
}

/** How many messages a context query takes on each side (:nb before, :na after): whole numbers >= 0. */
export function contextCounts(before: number, after: number): { nb: number; na: number } {
  const n = (x: number) => (Number.isFinite(x) ? Math.max(0, Math.trunc(x)) : 0);
  return { nb: n(before), na: n(after) };
}

/**
 * What a contact search looks for: the folded text in names (people's and their chats'), the
 * trimmed lowercase text in JIDs and LIDs, and, for phone-like input ("+49 171-23"), its
 * digits in the stored phone ("" turns that test off).
 */
export function contactNeedles(query: string): { folded: string; raw: string; digits: string } {
  const digits = /^[\d\s()+.\-]+$/.test(query.trim()) ? query.replace(/\D/g, "") : "";
  return { folded: searchNeedle(query), raw: searchNeedle(query, false), digits: digits.length >= 3 ? digits : "" };
}

/** Parameters of the contact search (SEARCH_CONTACTS: LIKE patterns of the needles). */
export function contactParams(query: string, limit: number): Record<string, unknown> {
  const { digits } = contactNeedles(query);
  return {
    pat: containsPattern(query),
    raw: containsPattern(query, false),
    digits: digits ? `%${digits}%` : "",
    limit: clampLimit(limit),
  };
}

/** Parameters of the list_chats name filter. */
export function chatQueryParams(text: string): Record<string, unknown> {
  return { pat: containsPattern(text), raw: containsPattern(text, false) };
}

/** A time-ordered page from rows fetched with limit + 1; the cursor is the last item's pk ("m" newest first, "a" oldest first). */
export function keysetPage(rows: Row[], limit: number, kind: "m" | "a" = "m"): Page<MessageView> {
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  const last = page[page.length - 1];
  return {
    items: page.map((r) => messageViewFromRow(r)),
    nextCursor: more && last ? encodeCursor({ k: kind, ...messageKey(last) }) : null,
  };
}

/** An offset page from items fetched with limit + 1. */
export function offsetPage<T>(items: T[], limit: number, offset: number): Page<T> {
  const more = items.length > limit;
  return { items: more ? items.slice(0, limit) : items, nextCursor: more ? encodeCursor({ k: "o", n: offset + limit }) : null };
}
