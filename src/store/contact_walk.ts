/**
 * The walk both in-memory contact lists share (sql.js `sqljs/contact_index.ts`, PostgreSQL
 * `postgres/contact_list.ts`): people already in search_contacts' order, each with the keys its
 * LIKE tests compare, matched as "contains" (the patterns are `%needle%` with the needle's own
 * wildcards escaped). Each backend hands over keys and needles cased as its LIKE compares them. Pure.
 */
import type { PersonRow } from "./types.ts";

/** One person of a contact list. */
export interface ContactEntry {
  person: PersonRow;
  /** people.search_key, chats.search_key, id and lid (cased as the backend's LIKE compares them); null when NULL. */
  personKey: string | null;
  chatKey: string | null;
  id: string;
  lid: string | null;
}

/** The needles of one search (see `contactNeedles`): names, JIDs, and phone digits ("" when none). */
export interface ContactNeedles {
  folded: string;
  raw: string;
  digits: string;
}

/** The first `limit` entries matching, in list order. */
export function walkContacts(entries: readonly ContactEntry[], n: ContactNeedles, limit: number): PersonRow[] {
  const out: PersonRow[] = [];
  for (const e of entries) {
    if (out.length >= limit) break;
    if (
      e.personKey?.includes(n.folded) || e.chatKey?.includes(n.folded) || e.id.includes(n.raw) || e.lid?.includes(n.raw) ||
      (n.digits !== "" && e.personKey?.includes(n.digits))
    ) out.push(e.person);
  }
  return out;
}
