/**
 * The full-text index's own tokenizer (unicode61, `messages_fts_tokens`) applied to our tokens
 * (search/text.ts `tokenize`): it re-splits a few of them (a mark it deems a separator, e.g.
 * U+0483) and folds a few differently (a final sigma), for indexed text and queries alike. What
 * counts a row's length for the relevance order (fts_length.ts) and what matches queued messages
 * (fts_backlog.ts) both see our tokens as it does.
 */
import type { Database } from "sql.js";
import type { IndexTokens } from "../search/match.ts";
import { ASCII_ONLY, ASCII_SPACE, PLAIN_TOKEN, tokenize } from "../search/text.ts";
import { unicode61 } from "./fts_unicode61.ts";
import { statementsOf } from "./statements.ts";

const INDEX_TOKENS_CACHE_MAX = 50_000;
const caches = new WeakMap<Database, (token: string) => IndexTokens>();
const utf8 = new TextEncoder();

/**
 * How the index's tokenizer splits one of our tokens: a plain ASCII token is itself; another is
 * run through its per-character emulation (fts_unicode61.ts), or asked when a character is not
 * emulated (remembered per connection, up to 50,000 tokens).
 */
export function indexTokensOf(db: Database): (token: string) => IndexTokens {
  let fn = caches.get(db);
  if (fn) return fn;
  const known = new Map<string, IndexTokens>();
  const emulated = unicode61((input) => {
    const out: Array<{ token: string; start: number }> = [];
    statementsOf(db).each(TOKENS_SQL, [input], (r) => {
      out.push({ token: String(r[0]), start: Number(r[2]) });
    });
    return out;
  });
  fn = (token: string): IndexTokens => {
    if (PLAIN_TOKEN.test(token)) return { tokens: [token], endsAtEnd: true };
    let split = known.get(token);
    if (split === undefined) {
      if (known.size >= INDEX_TOKENS_CACHE_MAX) known.clear();
      split = emulated(token) ?? askedSplit(db, token);
      known.set(token, split);
    }
    return split;
  };
  caches.set(db, fn);
  return fn;
}

const TOKENS_SQL = 'SELECT token, "end", start FROM messages_fts_tokens WHERE input = ? ORDER BY position';

/** The index's tokenizer's split of `input`, asked (`messages_fts_tokens`). */
export function askedSplit(db: Database, input: string): IndexTokens {
  const tokens: string[] = [];
  let end = 0;
  statementsOf(db).each(TOKENS_SQL, [input], (r) => {
    tokens.push(String(r[0]));
    end = Number(r[1]);
  });
  return { tokens, endsAtEnd: end === utf8.encode(input).length };
}

/** A non-ASCII word as the index holds it: its tokens (ours re-split and re-folded), and how many tokens of ours it has. */
interface WordTokens {
  tokens: readonly string[];
  ours: number;
}

/** What the index holds for a text of a word column (our tokens as its tokenizer sees them), computed as `indexQueued` indexes it. */
export interface IndexedText {
  /** The text's tokens in the index, in order. */
  tokens(text: string): readonly string[];
  /** How many tokens FTS4 counts for the text (0 for null or empty). */
  length(text: string | null): number;
  /** Whether the text has tokens of ours (the index's tokenizer may drop all of them: a lone mark it deems a separator). */
  hasOurWords(text: string | null): boolean;
}

const WORD_CACHE_MAX = 50_000;
const textViews = new WeakMap<Database, IndexedText>();

/**
 * The index's view of texts on a connection (see IndexedText). No token spans ASCII whitespace and
 * both tokenizers go token by token, so a text's tokens are its words': an ASCII word's are its
 * own (counted without building them), another's are remembered per word (messages repeat words;
 * folding one costs microseconds), once per connection for the searches over a long queue and the
 * relevance totals alike (the totals kept a cache per count step: each step folded the words again).
 */
export function indexedTextOf(db: Database): IndexedText {
  let view = textViews.get(db);
  if (view) return view;
  const indexTokens = indexTokensOf(db);
  const words = new Map<string, WordTokens>();
  const ofWord = (word: string): WordTokens => {
    let w = words.get(word);
    if (w === undefined) {
      if (words.size >= WORD_CACHE_MAX) words.clear();
      const ours = tokenize(word);
      w = { tokens: refold(ours, indexTokens), ours: ours.length };
      words.set(word, w);
    }
    return w;
  };
  view = {
    tokens(text) {
      if (ASCII_ONLY.test(text)) return tokenize(text);
      const out: string[] = [];
      for (const word of text.split(ASCII_SPACE)) {
        if (word === "") continue;
        const toks = ASCII_ONLY.test(word) ? tokenize(word) : ofWord(word).tokens;
        for (let i = 0; i < toks.length; i++) out.push(toks[i]!);
      }
      return out;
    },
    length(text) {
      if (!text) return 0;
      // One pass (it runs for every message queued): an ASCII word's tokens counted here, another's remembered.
      let n = 0;
      let ascii = 0; // tokens of the word so far, while it is ASCII
      let plain = true; // the word is ASCII so far
      let inToken = false;
      let start = 0;
      for (let i = 0; i <= text.length; i++) {
        const c = i < text.length ? text.charCodeAt(i) : 0x20;
        if (c === 0x20 || (c >= 0x09 && c <= 0x0d)) {
          if (i > start) n += plain ? ascii : ofWord(text.slice(start, i)).tokens.length;
          start = i + 1;
          ascii = 0;
          plain = true;
          inToken = false;
        } else if (c >= 0x80) {
          plain = false;
        } else if (plain) {
          const word = (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39);
          if (word && !inToken) ascii++;
          inToken = word;
        }
      }
      return n;
    },
    hasOurWords(text) {
      if (!text) return false;
      if (ASCII_ONLY.test(text)) return asciiTokenCount(text) > 0;
      return text.split(ASCII_SPACE).some((word) => ASCII_ONLY.test(word) ? asciiTokenCount(word) > 0 : ofWord(word).ours > 0);
    },
  };
  textViews.set(db, view);
  return view;
}

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

/** Our tokens as the index's tokenizer holds them (a plain token is its own). */
function refold(tokens: readonly string[], indexTokens: (token: string) => IndexTokens): readonly string[] {
  let out: string[] | null = null;
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i]!;
    if (PLAIN_TOKEN.test(tok)) {
      out?.push(tok);
      continue;
    }
    out ??= tokens.slice(0, i);
    out.push(...indexTokens(tok).tokens);
  }
  return out ?? tokens;
}
