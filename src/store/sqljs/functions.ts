/**
 * SQL functions the SQLite schema relies on (the full-text view and triggers call them), so
 * they must be registered on every connection before the first statement touches messages.
 */
import type { Database } from "sql.js";
import { bm25FromMatchinfo } from "../search/bm25.ts";
import { allWords, legacyScopeTokens, scopeTokens, type SearchFields, searchFields } from "../search/text.ts";
import { indexedLength } from "./fts_length.ts";

const registered = new WeakSet<Database>();
const contactVersions = new WeakMap<Database, { n: number }>();

/**
 * A counter the schema's triggers advance whenever a row search_contacts reads changes (a
 * person, a chat's name key or JID): the contact index compares it to the version it was built at.
 */
export function contactsVersion(db: Database): number {
  return contactVersions.get(db)?.n ?? 0;
}

/** A value as SQLite hands it to a function. */
export type SqlValue = string | number | null | Uint8Array;

/**
 * Registers the search functions of the schema's view and triggers: `wa_search_text(text,
 * edited_text, revoked)` and `wa_search_file(text, edited_text, file_name, revoked)` (the
 * index's two word columns), `wa_search_body(text, edited_text, file_name, revoked)` (all words:
 * empty exactly when a message has none), `wa_search_scope(chat, sender, text, edited_text,
 * file_name, revoked)` (chat and sender as `jids` keys); `wa_bm25(matchinfo 'pcnax', current
 * text, file_name)` and `wa_contacts_changed()`, on `db` (once per connection).
 */
export function registerSqlFunctions(db: Database): void {
  if (registered.has(db)) return;
  // Triggers call these several times per row (WHEN clause, then each value): remember the last row.
  let lastArgs: SqlValue[] = [];
  let last: SearchFields = { text: "", file: "" };
  const fields = (text: SqlValue, edited: SqlValue, fileName: SqlValue, revoked: SqlValue): SearchFields => {
    if (lastArgs[0] === text && lastArgs[1] === edited && lastArgs[2] === fileName && lastArgs[3] === revoked) return last;
    lastArgs = [text, edited, fileName, revoked];
    last = rowSearchFields(text, edited, fileName, revoked);
    return last;
  };
  db.create_function("wa_search_body", (text: SqlValue, edited: SqlValue, fileName: SqlValue, revoked: SqlValue) =>
    allWords(fields(text, edited, fileName, revoked)));
  // The text column does not depend on the file name: the last row's fields serve when its other values match.
  db.create_function("wa_search_text", (text: SqlValue, edited: SqlValue, revoked: SqlValue) =>
    lastArgs[0] === text && lastArgs[1] === edited && lastArgs[3] === revoked ? last.text : rowSearchFields(text, edited, null, revoked).text);
  db.create_function("wa_search_file", (text: SqlValue, edited: SqlValue, fileName: SqlValue, revoked: SqlValue) =>
    fields(text, edited, fileName, revoked).file);
  // Empty for a message with no searchable text: such messages have no index row at all.
  db.create_function(
    "wa_search_scope",
    (chat: SqlValue, sender: SqlValue, text: SqlValue, edited: SqlValue, fileName: SqlValue, revoked: SqlValue) =>
      rowSearchScope(chat, sender, fields(text, edited, fileName, revoked)),
  );
  const length = indexedLength(db);
  // An indexed row is never revoked, and its current text is the edit when there is one.
  db.create_function("wa_bm25", (blob: SqlValue, current: SqlValue, fileName: SqlValue) =>
    blob instanceof Uint8Array ? bm25FromMatchinfo(blob, length(str(current), str(fileName))) : 0);
  const contacts = { n: 0 };
  contactVersions.set(db, contacts);
  db.create_function("wa_contacts_changed", () => {
    contacts.n++;
    return null;
  });
  registered.add(db);
}

/** What the search functions compute for a messages row's values (text, edited_text, media_file_name, revoked). */
export function rowSearchFields(text: SqlValue, edited: SqlValue, fileName: SqlValue, revoked: SqlValue): SearchFields {
  return searchFields(str(text), str(edited), str(fileName), revoked === 1);
}

/**
 * What `wa_search_scope` computes for a row (chat and sender `jids` keys) whose search fields are
 * `f`. Before migration 0014 the view passed the JIDs (text): their tokens are the old ones.
 */
export function rowSearchScope(chat: SqlValue, sender: SqlValue, f: SearchFields): string {
  if (f.text === "" && f.file === "") return "";
  if (typeof chat === "string") return legacyScopeTokens(chat, str(sender));
  return scopeTokens(Number(chat), sender === null ? null : Number(sender));
}

function str(v: SqlValue): string | null {
  return v === null || v === undefined ? null : typeof v === "string" ? v : String(v);
}
