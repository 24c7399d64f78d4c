/**
 * How text becomes searchable, shared by both backends so they find the same messages:
 * folding (case and accents, for every script) and tokenizing. Both the indexed text and
 * the user's query go through `tokenize`, so SQLite FTS4 (fed the tokens joined by spaces)
 * and PostgreSQL (fed a tsvector literal built from them) index exactly the same terms.
 *
 * Scripts written without spaces between words (Chinese, Japanese, Thai, Lao, Khmer,
 * Myanmar) and Hangul (whose words carry attached particles) are split into one token per
 * character, and a query word in them becomes a phrase of characters: a substring search.
 * Pure: no I/O.
 */
/** Longest token kept (longer ones, e.g. base64 blobs, are cut; queries are cut the same way). */
export const MAX_TOKEN_LENGTH = 100;

// Combining marks that are diacritics (Latin/Greek/Cyrillic accents, Arabic harakat,
// Hebrew niqqud), plus the Arabic tatweel. Other marks (Indic vowel signs) are letters' parts.
const DIACRITICS =
  /[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8\u06ea-\u06ed\u0591-\u05bd\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7\u0640]/g;

// Letters that carry a stroke instead of a combining accent (no Unicode decomposition).
const STROKES: Record<string, string> = { "ø": "o", "đ": "d", "ł": "l", "ħ": "h", "ŧ": "t", "ı": "i", "ð": "d" };
const STROKE_RE = /[øđłħŧıð]/g;

const NOSPACE = "\\p{scx=Han}\\p{scx=Hiragana}\\p{scx=Katakana}\\p{scx=Hangul}\\p{scx=Thai}\\p{scx=Lao}\\p{scx=Khmer}\\p{scx=Myanmar}";
// One character of a no-space script (with its marks), or a run of other letters/digits/marks.
const TOKEN_RE = new RegExp(
  `(?=[\\p{L}\\p{N}])[${NOSPACE}]\\p{M}*|(?:(?![${NOSPACE}])[\\p{L}\\p{N}\\p{M}])+`,
  "gu",
);

/** Lowercases and removes accents (NFKD, diacritic marks dropped, NFC): `Crème Brûlée` → `creme brulee`. */
export function foldForSearch(text: string): string {
  return text
    .normalize("NFKD")
    .replace(DIACRITICS, "")
    .normalize("NFC")
    .toLowerCase()
    .replace(STROKE_RE, (c) => STROKES[c]!);
}

/** A text of ASCII characters only (its tokens are the runs of `[a-z0-9]` of its lowercase). */
// eslint-disable-next-line no-control-regex
export const ASCII_ONLY = /^[\u0000-\u007f]*$/;
/** A token every tokenizer here keeps as it is (ours, the index's unicode61): lowercase ASCII letters and digits. */
export const PLAIN_TOKEN = /^[a-z0-9]+$/;
const ASCII_TOKEN = /[a-z0-9]+/g;

/** The tokens of an ASCII-only text (same result as `tokenizeText`, without Unicode normalization). */
function asciiTokens(text: string, out: string[]): void {
  const found = text.toLowerCase().match(ASCII_TOKEN);
  if (found === null) return;
  for (const tok of found) out.push(tok.length > MAX_TOKEN_LENGTH ? tok.slice(0, MAX_TOKEN_LENGTH) : tok);
}

/** The search tokens of a text, in order: the reference algorithm (`tokenize` gives the same, faster). */
export function tokenizeText(text: string): string[] {
  if (ASCII_ONLY.test(text)) {
    const out: string[] = [];
    asciiTokens(text, out);
    return out;
  }
  const folded = foldForSearch(text);
  const out: string[] = [];
  for (const m of folded.matchAll(TOKEN_RE)) {
    const tok = m[0];
    // A lone mark is no word (e.g. a stray combining sign).
    if (!/[\p{L}\p{N}]/u.test(tok)) continue;
    out.push(tok.length > MAX_TOKEN_LENGTH ? tok.slice(0, MAX_TOKEN_LENGTH) : tok);
  }
  return out;
}

/**
 * Whether a word is one token as it stands: lowercase ASCII letters and digits only, not longer
 * than a token (most words of a text that also holds non-ASCII words; no regex for them).
 */
function plainWord(word: string): boolean {
  if (word.length > MAX_TOKEN_LENGTH) return false;
  for (let i = 0; i < word.length; i++) {
    const c = word.charCodeAt(i);
    if (!((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39))) return false;
  }
  return true;
}

// Tokens of non-ASCII words, by word: messages repeat words, and folding one costs microseconds.
const wordTokens = new Map<string, readonly string[]>();
const WORD_CACHE_MAX = 50_000;
/** ASCII whitespace, which no token spans (see `tokenize`): a text's tokens are its words' tokens. */
export const ASCII_SPACE = /[ \t\n\r\f\v]+/;

/**
 * The search tokens of a text, in order. Tokens never span ASCII whitespace, and folding works
 * within a run of non-space characters (no Unicode decomposition or composition crosses a space,
 * and the final-sigma rule of lowercasing stops at one), so each such word is tokenized alone:
 * ASCII words directly, the others once each through a cache.
 */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  if (ASCII_ONLY.test(text)) {
    asciiTokens(text, out);
    return out;
  }
  for (const word of text.split(ASCII_SPACE)) {
    if (word === "") continue;
    if (plainWord(word)) {
      out.push(word);
      continue;
    }
    if (ASCII_ONLY.test(word)) {
      asciiTokens(word, out);
      continue;
    }
    let toks = wordTokens.get(word);
    if (toks === undefined) {
      if (wordTokens.size >= WORD_CACHE_MAX) wordTokens.clear();
      toks = tokenizeText(word);
      wordTokens.set(word, toks);
    }
    for (const t of toks) out.push(t);
  }
  return out;
}

/**
 * The indexed words of a message, as tokens joined by single spaces, in two fields kept apart so
 * that a phrase never runs from one into the other: `text`, its current text (the edit if
 * edited), and `file`, the document's file name (empty when it repeats the text). Revoked
 * messages index nothing.
 */
export interface SearchFields {
  text: string;
  file: string;
}

/** A message's search fields as their tokens, in order (`SearchFields` before the joining). */
export interface SearchTokens {
  text: readonly string[];
  file: readonly string[];
}

const NO_TOKENS: SearchTokens = { text: [], file: [] };

/** The search tokens of a message, field by field (see `SearchFields`). */
export function searchTokens(
  text: string | null,
  editedText: string | null,
  fileName: string | null,
  revoked: boolean | number | null,
): SearchTokens {
  if (revoked) return NO_TOKENS;
  const current = editedText ?? text;
  return {
    text: current ? tokenize(current) : [],
    file: fileName && fileName !== current ? tokenize(fileName) : [],
  };
}

/** The search fields of a message (see `SearchFields`). */
export function searchFields(
  text: string | null,
  editedText: string | null,
  fileName: string | null,
  revoked: boolean | number | null,
): SearchFields {
  const t = searchTokens(text, editedText, fileName, revoked);
  return { text: t.text.join(" "), file: t.file.join(" ") };
}

/**
 * All indexed words of a message in one string (text, then file name): empty exactly when
 * the message has nothing searchable.
 */
export function searchBody(
  text: string | null,
  editedText: string | null,
  fileName: string | null,
  revoked: boolean | number | null,
): string {
  return allWords(searchFields(text, editedText, fileName, revoked));
}

/** A message's search fields as one string of words (text, then file name). */
export function allWords(f: SearchFields): string {
  return f.file === "" ? f.text : f.text === "" ? f.file : `${f.text} ${f.file}`;
}

/**
 * A PostgreSQL tsvector literal for a message's search fields (tokens with 1-based positions),
 * so PostgreSQL indexes our tokens, not its own parser's. The file name's positions start one
 * past the text's end plus one: a gap, so no phrase (`<->`) matches across the two. Positions
 * beyond 16383 share the last position (PostgreSQL's limit).
 */
export function tsvectorLiteral(fields: SearchFields): string {
  const parts: string[] = [];
  for (const [tok, pos] of tsvectorPositions(fields)) parts.push(`${quoteLexeme(tok)}:${pos.join(",")}`);
  return parts.join(" ");
}

/** Each token of a message's search fields with its positions, ascending (see `tsvectorLiteral`). */
export function tsvectorPositions(fields: SearchFields): Map<string, number[]> {
  return tokenPositions({ text: fields.text ? fields.text.split(" ") : [], file: fields.file ? fields.file.split(" ") : [] });
}

/**
 * `tsvectorPositions` from the tokens themselves (`searchTokens`): the same map, without joining
 * the tokens into fields and splitting them again (the bulk writer's binary COPY, per message).
 */
export function tokenPositions(tokens: SearchTokens): Map<string, number[]> {
  const positions = new Map<string, number[]>();
  let at = 0;
  const add = (toks: readonly string[]) => {
    for (const tok of toks) {
      const pos = Math.min(++at, 16383);
      const list = positions.get(tok);
      if (!list) positions.set(tok, [pos]);
      else if (list.length < 256 && list[list.length - 1] !== pos) list.push(pos);
    }
  };
  add(tokens.text);
  if (tokens.text.length > 0 && tokens.file.length > 0) at++; // the gap
  add(tokens.file);
  return positions;
}

/** Quotes a lexeme for tsvector/tsquery input syntax. */
export function quoteLexeme(tok: string): string {
  return `'${tok.replace(/\\/g, "\\\\").replace(/'/g, "''")}'`;
}

/**
 * The scope tokens of a message in the SQLite index: `_c<chat key>` and `_s<sender key>`, the
 * `jids` keys in base 36 (short: every message carries them; a key never changes its JID, and a
 * message moved to another key is re-indexed by the schema's triggers). They contain `_`, which
 * `tokenize` never emits, so no user query can match them.
 */
export function scopeTokens(chatKey: number, senderKey: number | null): string {
  return senderKey === null ? chatScopeToken(chatKey) : `${chatScopeToken(chatKey)} ${senderScopeToken(senderKey)}`;
}

/** The scope token selecting one chat (by its `jids` key). */
export function chatScopeToken(chatKey: number): string {
  return `_c${chatKey.toString(36)}`;
}

/** The scope token selecting one sender (by its `jids` key). */
export function senderScopeToken(senderKey: number): string {
  return `_s${senderKey.toString(36)}`;
}

/**
 * The scope tokens of the index before migration 0014: `_c<hash of chat JID>`, `_s<hash of
 * sender JID>` (a 48-bit FNV-1a hash in base 36). The schema's view computed them until 0014,
 * so a store opened before its migrations (its index checked against that view) still needs them.
 */
export function legacyScopeTokens(chatJid: string, senderId: string | null): string {
  const chat = `_c${shortHash(chatJid)}`;
  return senderId ? `${chat} _s${shortHash(senderId)}` : chat;
}

function shortHash(text: string): string {
  // Two 32-bit FNV-1a lanes with different offsets, combined.
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c, 0x01000193 + 2) >>> 0;
  }
  return (a * 0x10000 + (b & 0xffff)).toString(36);
}
