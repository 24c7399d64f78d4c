/**
 * A search tree (query.ts `searchTree`) evaluated on one message's words, exactly as the sql.js
 * store's FTS4 index answers its MATCH text: the store matches the messages still queued for the
 * index with it, so a search need not wait for a large queue (sqljs/fts_backlog.ts).
 *
 * FTS4 semantics reproduced: a term is a phrase of tokens that must follow each other within one
 * column (the text, or the file name: never across them), its last token a prefix with `*`; AND,
 * OR and NOT are per message. The index's tokenizer (unicode61) re-splits and re-folds our
 * tokens in a few cases (a mark it deems a separator, a fold it does differently), for the
 * indexed text and the query's phrases alike: both sides go through `indexTokens`, the caller's
 * view of that tokenizer. A phrase left with no token matches nothing (as FTS4's empty phrase).
 * Pure: no I/O.
 */
import type { QueryNode } from "./query.ts";
import { PLAIN_TOKEN } from "./text.ts";

/** How the index's tokenizer splits one of our tokens, and whether its last token ends where the input does. */
export interface IndexTokens {
  tokens: readonly string[];
  /** A `*` right after the input makes the last token a prefix only when nothing it drops comes between. */
  endsAtEnd: boolean;
}

/** A message's words as the index holds them: its two word columns' tokens, in order. */
export interface IndexedWords {
  text: readonly string[];
  file: readonly string[];
}

/** A compiled search: does a message with these indexed words match? */
export type WordsMatcher = (words: IndexedWords) => boolean;

/** Compiles a positive search tree (query.ts `searchTree`'s `node`) over `indexTokens`. */
export function compileMatcher(node: QueryNode, indexTokens: (token: string) => IndexTokens): WordsMatcher {
  switch (node.t) {
    case "term":
      return phraseMatcher(node.tokens, node.prefix, indexTokens);
    case "or": {
      const alts = node.children.map((c) => compileMatcher(c, indexTokens));
      return (w) => alts.some((m) => m(w));
    }
    case "and": {
      const parts = node.children.map((c) =>
        c.t === "not" ? negate(compileMatcher(c.child, indexTokens)) : compileMatcher(c, indexTokens)
      );
      return (w) => parts.every((m) => m(w));
    }
    case "not":
      return negate(compileMatcher(node.child, indexTokens));
  }
}

function negate(m: WordsMatcher): WordsMatcher {
  return (w) => !m(w);
}

/** A term's phrase as the index holds it: its tokens, the last a prefix when `prefix`. */
export interface IndexPhrase {
  tokens: readonly string[];
  prefix: boolean;
}

/** A term (our tokens, `*` or not) as the index's phrase; null when no token is left (it matches nothing). */
export function indexPhrase(ours: readonly string[], prefix: boolean, indexTokens: (token: string) => IndexTokens): IndexPhrase | null {
  const phrase: string[] = [];
  let lastEndsAtEnd = false;
  for (const tok of ours) {
    const split = indexTokens(tok);
    phrase.push(...split.tokens);
    lastEndsAtEnd = split.tokens.length > 0 && split.endsAtEnd;
  }
  return phrase.length === 0 ? null : { tokens: phrase, prefix: prefix && lastEndsAtEnd };
}

function phraseMatcher(ours: readonly string[], prefix: boolean, indexTokens: (token: string) => IndexTokens): WordsMatcher {
  const p = indexPhrase(ours, prefix, indexTokens);
  if (p === null) return () => false;
  return (w) => hasPhrase(w.text, p.tokens, p.prefix) || hasPhrase(w.file, p.tokens, p.prefix);
}

/**
 * How many times `column` holds `phrase` (matchinfo's hits in a row's column: every position the
 * phrase starts at, overlapping ones too).
 */
export function phraseHits(column: readonly string[], phrase: IndexPhrase): number {
  const toks = phrase.tokens;
  const n = toks.length;
  const last = toks[n - 1]!;
  let hits = 0;
  for (let i = 0; i + n <= column.length; i++) {
    let j = 0;
    while (j < n - 1 && column[i + j] === toks[j]) j++;
    if (j < n - 1) continue;
    const tok = column[i + j]!;
    if (phrase.prefix ? tok.startsWith(last) : tok === last) hits++;
  }
  return hits;
}

/** Whether `column` holds `phrase` at consecutive positions (its last token as a prefix when `prefix`). */
export function hasPhrase(column: readonly string[], phrase: readonly string[], prefix: boolean): boolean {
  const n = phrase.length;
  const last = phrase[n - 1]!;
  for (let i = 0; i + n <= column.length; i++) {
    let j = 0;
    while (j < n - 1 && column[i + j] === phrase[j]) j++;
    if (j < n - 1) continue;
    const tok = column[i + j]!;
    if (prefix ? tok.startsWith(last) : tok === last) return true;
  }
  return false;
}

/** Plain tokens a match must hold (see `requiredTokens`): one token, all of some, or one of some. */
export type TokenNeed = { t: "token"; token: string } | { t: "all" | "any"; parts: TokenNeed[] };

/**
 * A necessary condition of `node` on a message whose text and file name are ASCII only (their
 * indexed tokens are then the runs of `[a-z0-9]` of the lowercased text, so each token of a match
 * is a substring of it): the plain tokens its terms need, the longest of each term's phrase.
 * Null when the tree has none (a NOT alone, a term of non-ASCII tokens only). The sql.js store
 * rules out queued messages with it before reading them (fts_backlog.ts).
 */
export function requiredTokens(node: QueryNode, indexTokens: (token: string) => IndexTokens): TokenNeed | null {
  switch (node.t) {
    case "term": {
      let longest = "";
      for (const tok of node.tokens) {
        for (const t of indexTokens(tok).tokens) if (PLAIN_TOKEN.test(t) && t.length > longest.length) longest = t;
      }
      return longest === "" ? null : { t: "token", token: longest };
    }
    case "or": {
      const parts = node.children.map((c) => requiredTokens(c, indexTokens));
      return parts.some((p) => p === null) ? null : { t: "any", parts: parts as TokenNeed[] };
    }
    case "and": {
      const parts = node.children.filter((c) => c.t !== "not").map((c) => requiredTokens(c, indexTokens))
        .filter((p): p is TokenNeed => p !== null);
      return parts.length === 0 ? null : { t: "all", parts };
    }
    case "not":
      return null;
  }
}
