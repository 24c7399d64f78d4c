/**
 * The index's tokenizer (unicode61, "remove_diacritics=2", "tokenchars=_") run in JS, character
 * by character, from what it does with each character alone. SQLite's unicodeNext decides per
 * code point: a token starts at a character it deems alphanumeric, goes on through alphanumeric
 * characters and diacritics, and each character adds its own fold (one code point, or none); any
 * other character ends it. So three facts per character (starts a token, goes on in one, its
 * fold) give every token, and they are learnt by asking the tokenizer twice per character
 * (`ab` plus the character around it), not once per token: a new word costs microseconds, not
 * the ~14 µs of a query (1M messages of other scripts: every distinct word read for the
 * relevance totals). A character whose answers do not fit this model is not emulated (null: the
 * caller asks the tokenizer about the whole token).
 */
import type { IndexTokens } from "../search/match.ts";

/** What the tokenizer does with one character: null when its answers fit no rule here. */
interface CharRule {
  /** Starts a token (alphanumeric to unicode61). */
  starts: boolean;
  /** Goes on in a token (alphanumeric, or a diacritic). */
  continues: boolean;
  /** What it adds to a token (its fold; empty when dropped). */
  fold: string;
}

/** The tokenizer's answer for an input: its tokens, each with its start byte. */
export type AskTokenizer = (input: string) => Array<{ token: string; start: number }>;

const utf8 = new TextEncoder();

/** The rule of a character from two answers (see the module's comment). */
function ruleOf(ch: string, ask: AskTokenizer): CharRule | null {
  const inner = ask(`a${ch}a`);
  const lead = ask(`${ch}a`);
  const width = utf8.encode(ch).length;
  if (inner.length === 2 && inner[0]!.token === "a" && inner[1]!.token === "a") {
    // Ends a token: then it starts none either (it is skipped before `a`).
    return lead.length === 1 && lead[0]!.token === "a" && lead[0]!.start === width ? { starts: false, continues: false, fold: "" } : null;
  }
  if (inner.length !== 1) return null;
  const t = inner[0]!.token;
  if (!t.startsWith("a") || !t.endsWith("a") || t.length < 2) return null;
  const fold = t.slice(1, -1);
  if ([...fold].length > 1) return null;
  if (lead.length !== 1) return null;
  if (lead[0]!.start === 0 && lead[0]!.token === `${fold}a`) return { starts: true, continues: true, fold };
  if (lead[0]!.start === width && lead[0]!.token === "a") return { starts: false, continues: true, fold }; // a diacritic
  return null;
}

/**
 * The tokenizer run per character over `ask`'s answers (remembered per code point): a token's
 * split as `messages_fts_tokens` gives it, or null when one of its characters is not emulated.
 */
export function unicode61(ask: AskTokenizer): (token: string) => IndexTokens | null {
  const rules = new Map<number, CharRule | null>();
  const rule = (cp: number): CharRule | null => {
    let r = rules.get(cp);
    if (r === undefined) {
      // Lone surrogates are not valid UTF-8: not emulated.
      r = cp >= 0xd800 && cp <= 0xdfff ? null : ruleOf(String.fromCodePoint(cp), ask);
      rules.set(cp, r);
    }
    return r;
  };
  return (token) => {
    const tokens: string[] = [];
    let current: string | null = null;
    let bytes = 0;
    let end = 0;
    for (const ch of token) {
      const cp = ch.codePointAt(0)!;
      const r = rule(cp);
      if (r === null) return null;
      bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
      if (current === null ? r.starts : r.continues) {
        current = (current ?? "") + r.fold;
        end = bytes;
      } else if (current !== null) {
        tokens.push(current);
        current = null;
      }
    }
    if (current !== null) tokens.push(current);
    return { tokens, endsAtEnd: tokens.length > 0 && end === bytes };
  };
}
