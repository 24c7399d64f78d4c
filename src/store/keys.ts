/**
 * Derived keys both backends store and compare the same way: the folded search keys of people
 * and chats, and LIKE patterns; and the time-ordered message pk of the PostgreSQL store (the
 * sql.js store's compact pk: `sqljs/pk.ts`). Pure.
 */
import { phoneOf } from "../ids/phone.ts";
import { foldForSearch } from "./search/text.ts";

/** Slots per millisecond in a PostgreSQL message pk (pk = ts * PK_SLOTS + slot). */
export const PK_SLOTS = 1024;
// 2^53 / 1024 ≈ 8.79e12 ms (year 2248): instants beyond are clamped so pks stay exact in JS.
const MAX_TS = 8_700_000_000_000;

/** The first pk of a message timestamp's slot range (PostgreSQL). */
export function pkBase(ts: number): number {
  const t = Math.trunc(Math.max(-MAX_TS, Math.min(MAX_TS, Number.isFinite(ts) ? ts : 0)));
  return t * PK_SLOTS;
}

/**
 * The pk range a date filter scans, in a store's pk scheme: every message at or after instant
 * `t` has pk >= from(t), every message before `t` has pk < until(t) (ts is then checked exactly).
 */
export interface PkRange {
  from(t: number): number;
  until(t: number): number;
}

/** The date-filter bounds of the per-millisecond pk (PostgreSQL). */
export const MS_PK_RANGE: PkRange = { from: pkBase, until: pkBase };

/** The folded text a chat's name is searched by, or null. */
export function chatSearchKey(name: string | null | undefined): string | null {
  return name ? foldForSearch(name) : null;
}

/** The names of a person, for the display name and search keys. */
export interface PersonNames {
  savedName?: string | null;
  pushName?: string | null;
  businessName?: string | null;
  pnJid?: string | null;
}

/** The name shown for a person: saved (address book) name, else push name, else business name. */
export function personDisplayName(p: PersonNames): string | null {
  return p.savedName || p.pushName || p.businessName || null;
}

/** Folded display name (sorting), or null. */
export function personNameKey(p: PersonNames): string | null {
  const n = personDisplayName(p);
  return n ? foldForSearch(n) : null;
}

/** Folded names plus phone digits (contact search). */
export function personSearchKey(p: PersonNames): string {
  const parts = [p.savedName, p.pushName, p.businessName].filter((x): x is string => !!x).map(foldForSearch);
  const phone = phoneOf(p.pnJid ?? null);
  if (phone) parts.push(phone);
  return parts.join(" | ");
}

/** What a contains-search looks for: `text` trimmed and folded (names), or trimmed and lowercased (JIDs). */
export function searchNeedle(text: string, fold = true): string {
  return fold ? foldForSearch(text.trim()) : text.trim().toLowerCase();
}

/** A LIKE pattern (ESCAPE '\') matching `text` anywhere, after folding. */
export function containsPattern(text: string, fold = true): string {
  return `%${searchNeedle(text, fold).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
