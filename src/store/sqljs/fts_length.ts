/**
 * A row's length as the full-text index counts it (matchinfo's `l`), for the relevance order:
 * the index keeps no document sizes (migration 0014), so wa_bm25 counts the row's tokens from
 * its text, exactly as FTS4's tokenizer would.
 */
import type { Database } from "sql.js";
import { indexedTextOf } from "./fts_tokens.ts";

/**
 * How many tokens FTS4 counts in a row's word columns (matchinfo's `l`, which the index no longer
 * stores), for its current text and file name: our tokens joined by spaces, as its unicode61
 * tokenizer splits them (fts_tokens.ts `indexedTextOf`: an ASCII token is one, counted without
 * building the tokens; a few marks our tokenizer keeps in a word are separators to unicode61,
 * e.g. U+0483).
 */
export function indexedLength(db: Database): (current: string | null, fileName: string | null) => number {
  const view = indexedTextOf(db);
  const textLength = (text: string | null) => view.length(text);
  // As searchFields: the file name is indexed unless it repeats the text.
  return (current, fileName) => textLength(current) + (fileName && fileName !== current ? textLength(fileName) : 0);
}
