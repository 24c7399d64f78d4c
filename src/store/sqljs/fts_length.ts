/**
 * A row's length as the full-text index counts it (matchinfo's `l`), for the relevance order:
 * the index keeps no document sizes (migration 0014), so wa_bm25 counts the row's tokens from
 * its text, exactly as FTS4's tokenizer would.
 */
import type { Database } from "sql.js";
import { ASCII_ONLY, ASCII_SPACE, tokenize } from "../search/text.ts";
import { indexTokensOf } from "./fts_tokens.ts";

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
 * tokenizer (fts_tokens.ts).
 */
export function indexedLength(db: Database): (current: string | null, fileName: string | null) => number {
  const textLength = indexedColumnLength(db);
  // As searchFields: the file name is indexed unless it repeats the text.
  return (current, fileName) => textLength(current) + (fileName && fileName !== current ? textLength(fileName) : 0);
}

/** How many tokens FTS4 counts in one word column holding `text`'s words (see `indexedLength`). */
export function indexedColumnLength(db: Database): (text: string | null) => number {
  const indexTokens = indexTokensOf(db);
  const count = (tok: string): number => indexTokens(tok).tokens.length;
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
  return textLength;
}
