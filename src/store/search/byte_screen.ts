/**
 * A cheap test that a queued message cannot match a search, on its texts' UTF-8 bytes as the store
 * holds them (sqljs/fts_backlog.ts and fts_relevance.ts read them so: most texts a walk of the
 * queue reads are never decoded into strings, which cost more than the test).
 *
 * Each character is looked at alone: ASCII as itself lowercased; a character whose fold
 * (`foldForSearch`) holds no ASCII letter or digit and that no tokenizer drops or folds to ASCII
 * ("inert": an emoji, Cyrillic, CJK, a curly quote) as a separator; a letter that folds alone to
 * plain ASCII ("é" → "e", "Ａ" → "a", "ﬁ" → "fi") as its fold. Such a fold does not depend on
 * the characters around it (NFKD decomposes one character at a time, the diacritics it drops are
 * gone before NFC could compose anything with them, lowercasing an ASCII result has no context),
 * so every plain token either tokenizer gives the text is a substring of what the characters
 * become; a text lacking a needed token there is ruled out. A text with any other character (a
 * combining mark, a format character, a letter folding to something else, a malformed sequence)
 * is left to the matcher.
 * Pure (per-character memos).
 */
import type { TokenNeed } from "./match.ts";
import { foldForSearch, PLAIN_TOKEN } from "./text.ts";

/** What a character becomes for the test: a separator, its fold, or unknown (the matcher decides). */
const SEPARATOR = 0x20;

// Characters left to the matcher: marks and format characters (dropped inside a word by a
// tokenizer), the Arabic tatweel (dropped by `foldForSearch`).
const DROPPABLE = /[\p{M}\p{Cf}\u0640]/u;
// Latin letters not folding to plain ASCII alone may still fold to ASCII in the index's tokenizer.
const LATIN = /\p{Script=Latin}/u;

/** The fold of a non-ASCII character for the test: "" for a separator, its plain ASCII fold, or null (unknown). */
function foldNow(ch: string): string | null {
  if (DROPPABLE.test(ch)) return null;
  const folded = foldForSearch(ch);
  if (PLAIN_TOKEN.test(folded)) return folded;
  if (LATIN.test(ch) || folded === "" || /[a-z0-9]/.test(folded)) return null;
  return "";
}

// What `foldNow` found, remembered per BMP code unit (read for every non-ASCII character of every
// text a walk reads), in a map for the others: the kind, and the fold's bytes.
const UNASKED = 0;
const SEPARATOR_KIND = 1;
const FOLD_KIND = 2;
const UNKNOWN_KIND = 3;
const bmpKinds = new Uint8Array(0x10000);
const bmpFolds: Array<Uint8Array | undefined> = [];
const astral = new Map<number, Uint8Array | null>();
const EMPTY = new Uint8Array(0);

function ascii(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

/** The kind of a BMP code unit (asked once). */
function bmpKind(cp: number): number {
  let k = bmpKinds[cp]!;
  if (k === UNASKED) {
    const f = cp >= 0xd800 && cp <= 0xdfff ? null : foldNow(String.fromCharCode(cp));
    k = f === null ? UNKNOWN_KIND : f === "" ? SEPARATOR_KIND : FOLD_KIND;
    if (k === FOLD_KIND) bmpFolds[cp] = ascii(f!);
    bmpKinds[cp] = k;
  }
  return k;
}

/** A character's bytes for the test (EMPTY: a separator), or null when unknown. */
function foldOf(cp: number): Uint8Array | null {
  if (cp < 0x10000) {
    const k = bmpKind(cp);
    return k === SEPARATOR_KIND ? EMPTY : k === FOLD_KIND ? bmpFolds[cp]! : null;
  }
  let f = astral.get(cp);
  if (f === undefined) {
    const s = foldNow(String.fromCodePoint(cp));
    f = s === null ? null : s === "" ? EMPTY : ascii(s);
    if (astral.size < 65_536) astral.set(cp, f);
  }
  return f;
}

/** Reused for every text: what its characters become. */
let buf = new Uint8Array(1024);
let len = 0;

/** Room for `more` bytes past `len`. */
function room(more: number): void {
  if (len + more <= buf.length) return;
  const grown = new Uint8Array(Math.max(buf.length * 2, len + more));
  grown.set(buf.subarray(0, len));
  buf = grown;
}

/** Appends what the characters of `bytes` (UTF-8) become; false when one is unknown (or the bytes are no well-formed UTF-8). */
function append(bytes: Uint8Array): boolean {
  const n = bytes.length;
  room(n); // a character's fold is longer than its bytes only rarely: `room` again then
  let i = 0;
  while (i < n) {
    const b = bytes[i]!;
    if (b < 0x80) {
      buf[len++] = b >= 0x41 && b <= 0x5a ? b + 0x20 : b;
      i++;
      continue;
    }
    // A lead byte: the sequence's length, its bits, and the least code point it may encode (no overlong forms).
    const size = b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (size === 0 || i + size > n) return false;
    let cp = b & (0x7f >> size);
    for (let k = 1; k < size; k++) {
      const c = bytes[i + k]!;
      if ((c & 0xc0) !== 0x80) return false;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < (size === 2 ? 0x80 : size === 3 ? 0x800 : 0x10000) || cp > 0x10ffff) return false;
    i += size;
    const k = cp < 0x10000 ? bmpKinds[cp]! : UNASKED;
    if (k === SEPARATOR_KIND) {
      buf[len++] = SEPARATOR;
      continue;
    }
    if (k === UNKNOWN_KIND) return false;
    const f = k === FOLD_KIND ? bmpFolds[cp]! : foldOf(cp); // not asked yet, or astral (surrogates: unknown)
    if (f === null) return false;
    if (f.length === 0) buf[len++] = SEPARATOR;
    else {
      if (f.length > size) room(f.length + n - i);
      for (let j = 0; j < f.length; j++) buf[len++] = f[j]!;
    }
  }
  return true;
}

/** A need compiled: whether the buffer holds it. */
type Held = () => boolean;

function compile(need: TokenNeed): Held {
  if (need.t === "token") {
    const t = ascii(need.token);
    return () => includes(t);
  }
  const parts = need.parts.map(compile);
  return need.t === "all" ? () => parts.every((p) => p()) : () => parts.some((p) => p());
}

/** Whether the buffer holds `t` (plain ASCII) from some position. */
function includes(t: Uint8Array): boolean {
  const m = t.length;
  const first = t[0]!;
  for (let i = 0; i + m <= len; i++) {
    if (buf[i] !== first) continue;
    let k = 1;
    while (k < m && buf[i + k] === t[k]) k++;
    if (k === m) return true;
  }
  return false;
}

/** Whether a message with this text and file name (UTF-8 bytes, null: none) cannot match: see `byteScreen`. */
export type ByteScreen = (text: Uint8Array | null, file: Uint8Array | null) => boolean;

/**
 * The test for `need` (match.ts `requiredTokens`, plain tokens): a message is ruled out when every
 * character of its text and file name is known and a needed token is missing from what they
 * become. False means the matcher must look.
 */
export function byteScreen(need: TokenNeed): ByteScreen {
  const held = compile(need);
  return (text, file) => {
    len = 0;
    if (text !== null && !append(text)) return false;
    if (file !== null) {
      room(1);
      buf[len++] = SEPARATOR;
      if (!append(file)) return false;
    }
    return !held();
  };
}
