/**
 * SQL functions the SQLite schema relies on (the full-text view and triggers call them), so
 * they must be registered on every connection before the first statement touches messages.
 */
import type { Database } from "sql.js";
import { bm25FromMatchinfo } from "../search/bm25.ts";
import { allWords, legacyScopeTokens, scopeTokens, type SearchFields, searchFields, tokenize } from "../search/text.ts";

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

const ASCII_TOKEN = /^[a-z0-9]+$/;
// eslint-disable-next-line no-control-regex
const ASCII_ONLY = /^[\u0000-\u007f]*$/;
const ASCII_SPACE = /[ \t\n\r\f\v]+/;
const TOKEN_COUNT_CACHE_MAX = 50_000;

/** How many tokens an ASCII text has (runs of letters and digits: `tokenize` without building them). */
function asciiTokenCount(text: string): number {
  let n = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const word = (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39);
    if (word && !inWord) n++;
    inWord = word;
  }
  return n;
}

/**
 * How many tokens FTS4 counts in a row's word columns (matchinfo's `l`, which the index no longer
 * stores), for its current text and file name: our tokens joined by spaces, as its unicode61
 * tokenizer splits them. An ASCII token is one (counted without building the tokens: the
 * relevance order counts up to 10,000 rows); a few marks our tokenizer keeps in a word are
 * separators to unicode61 (e.g. U+0483), so another token is counted by the index's own
 * tokenizer (`messages_fts_tokens`), once per token.
 */
export function indexedLength(db: Database): (current: string | null, fileName: string | null) => number {
  const counts = new Map<string, number>();
  const count = (tok: string): number => {
    if (ASCII_TOKEN.test(tok)) return 1;
    let n = counts.get(tok);
    if (n === undefined) {
      if (counts.size >= TOKEN_COUNT_CACHE_MAX) counts.clear();
      const st = db.prepare("SELECT count(*) FROM messages_fts_tokens WHERE input = ?");
      try {
        st.bind([tok]);
        n = st.step() ? Number(st.get()[0]) : 1;
      } finally {
        st.free();
      }
      counts.set(tok, n);
    }
    return n;
  };
  // Tokens never span ASCII whitespace (see `tokenize`): a text's count is its words' counts, and
  // a non-ASCII word's count is remembered (messages repeat words; folding one costs microseconds).
  const words = new Map<string, number>();
  const wordLength = (word: string): number => {
    let n = words.get(word);
    if (n === undefined) {
      if (words.size >= TOKEN_COUNT_CACHE_MAX) words.clear();
      n = 0;
      for (const tok of tokenize(word)) n += count(tok);
      words.set(word, n);
    }
    return n;
  };
  const textLength = (text: string | null): number => {
    if (!text) return 0;
    if (ASCII_ONLY.test(text)) return asciiTokenCount(text);
    let n = 0;
    for (const word of text.split(ASCII_SPACE)) n += word === "" ? 0 : ASCII_ONLY.test(word) ? asciiTokenCount(word) : wordLength(word);
    return n;
  };
  // As searchFields: the file name is indexed unless it repeats the text.
  return (current, fileName) => textLength(current) + (fileName && fileName !== current ? textLength(fileName) : 0);
}

function str(v: SqlValue): string | null {
  return v === null || v === undefined ? null : typeof v === "string" ? v : String(v);
}
