/**
 * The one normalisation for everything that reaches the model from WhatsApp (texts, captions,
 * file names, push names, chat names, group subjects), in text blocks and in structuredContent.
 *
 * - Hidden characters are made visible or dropped, never passed on silently: controls (NUL...),
 *   default-ignorable and format characters (soft hyphen U+00AD, CGJ U+034F, invisible
 *   separator U+2063, bidi overrides U+202E...) show as `<U+XXXX>`; a run of more than a few,
 *   or any Unicode TAG character (invisible in WhatsApp, readable by a model: a hidden message),
 *   is replaced by `[N invisible characters removed]`. Emoji keep their joiners, variation
 *   selectors and the tag sequences of subdivision flags.
 * - Line breaks of every kind become "\n" in texts; names (`cleanName`) are flattened to one line
 *   (no newline, tab or control), so a name cannot start a forged header line.
 * - `markerSkeleton` is the view the untrusted-content markers are detected in: NFKD with marks
 *   removed, case folded, hidden characters dropped, TAG characters read as the ASCII they
 *   mirror, and look-alikes (fullwidth ＜, Cyrillic а...) mapped to ASCII. Pure.
 */
import { codeUnitMemo } from "../code_unit_memo.ts";

/** More hidden characters in a row than this are summarised instead of listed. */
const MAX_LISTED = 3;

/** Longest name kept (characters); longer ones are cut with an ellipsis. */
const MAX_NAME = 200;

const LINE_BREAKS = /\r\n|[\r\u000b\u000c\u0085\u2028\u2029]/g;

// Default-ignorable code points (Unicode DerivedCoreProperties) and format characters (Cf),
// controls (Cc) except tab and newline, and the private-use-like specials U+FFF9-FFFB.
const HIDDEN =
  /[\u0000-\u0008\u000e-\u001f\u007f-\u009f\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb\p{Cf}\u{1bca0}-\u{1bca3}\u{1d173}-\u{1d17a}\u{e0000}-\u{e0fff}]/u;

const TAG_FIRST = 0xe0000;
const TAG_LAST = 0xe007f;

/** A subdivision flag: black flag, tag letters/digits, cancel tag (e.g. England's flag). */
const FLAG_TAGS = /\u{1f3f4}[\u{e0030}-\u{e0039}\u{e0061}-\u{e007a}]{1,10}\u{e007f}/gu;

/** Emoji joiners and variation selectors are kept when they follow an emoji (or a keycap base). */
// An alternation, not one character class: Deno 2.9's regexp engine misses \p{Extended_Pictographic}
// inside a class with other members.
const EMOJI_BEFORE = /(?:\p{Extended_Pictographic}|\p{Emoji_Modifier}|\p{Regional_Indicator}|[#*0-9\u20e3])$/u;

/**
 * `HIDDEN` of each BMP code unit: a text is scanned a code unit at a time instead of by the
 * Unicode-mode regexp (measured on Node 20: 100 µs for a 10 KB page of messages).
 */
const hiddenUnit = codeUnitMemo(isHiddenChar);

/** Whether one character (a code point) is hidden: shown as `<U+XXXX>` or removed by `cleanText`. */
export function isHiddenChar(ch: string): boolean {
  return HIDDEN.test(ch);
}

/** Exactly `HIDDEN.test(s)`, fast on the common text (printable ASCII with a few other letters). */
export function hasHidden(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 0x20 && c <= 0x7e) || (c >= 0x09 && c <= 0x0d)) continue;
    if (c >= 0xd800 && c <= 0xdbff) {
      // A surrogate pair is one code point (astral: emoji, TAG characters); a lone one is itself.
      const cp = s.codePointAt(i)!;
      if (isHiddenChar(String.fromCodePoint(cp))) return true;
      if (cp > 0xffff) i++;
      continue;
    }
    if (hiddenUnit(c)) return true;
  }
  return false;
}

/** A text (message body, caption, description) with hidden characters shown and line breaks unified. */
export function cleanText(text: string): string {
  const s = text.replace(LINE_BREAKS, "\n");
  if (!hasHidden(s)) return s;
  // Subdivision flags are kept whole: swap them out, clean, swap back.
  const flags: string[] = [];
  const guarded = s.replace(FLAG_TAGS, (f) => `\u{f0000}${flags.push(f) - 1}\u{f0001}`);
  let out = "";
  let run: number[] = [];
  const flush = () => {
    if (run.length === 0) return;
    const tags = run.some((c) => c >= TAG_FIRST && c <= TAG_LAST);
    out += tags || run.length > MAX_LISTED
      ? `[${run.length} invisible character${run.length === 1 ? "" : "s"} removed]`
      : run.map(visible).join("");
    run = [];
  };
  for (const ch of guarded) {
    const cp = ch.codePointAt(0)!;
    if (HIDDEN.test(ch) && !(isEmojiGlue(cp) && EMOJI_BEFORE.test(out))) {
      run.push(cp);
      continue;
    }
    flush();
    out += ch;
  }
  flush();
  return flags.length === 0 ? out : out.replace(/\u{f0000}(\d+)\u{f0001}/gu, (_m, i: string) => flags[Number(i)] ?? "");
}

/** A name, subject or file name: cleaned like a text, then flattened to one trimmed line. */
export function cleanName(name: string): string {
  const flat = cleanText(name).replace(/[\n\t]+/g, " ").replace(/\s{2,}/g, " ").trim();
  return flat.length > MAX_NAME ? `${flat.slice(0, MAX_NAME - 1)}…` : flat;
}

/** `cleanText` for a nullable field. */
export function cleanTextOrNull(s: string | null | undefined): string | null {
  return s === null || s === undefined ? null : cleanText(s);
}

/** `cleanName` for a nullable field (an empty result is null). */
export function cleanNameOrNull(s: string | null | undefined): string | null {
  if (s === null || s === undefined) return null;
  const c = cleanName(s);
  return c === "" ? null : c;
}

function visible(cp: number): string {
  return `<U+${cp.toString(16).toUpperCase().padStart(4, "0")}>`;
}

/** ZWJ and variation selectors: part of emoji sequences. */
function isEmojiGlue(cp: number): boolean {
  return cp === 0x200d || (cp >= 0xfe00 && cp <= 0xfe0f);
}

/** What cleanText writes in place of hidden characters. */
const STAND_IN = /<U\+[0-9A-F]{4,6}>|\[\d+ invisible characters? removed\]/g;

/** Look-alikes of the characters in the markers, mapped to ASCII (after NFKD, lower case). */
const LOOKALIKE: Record<string, string> = {
  // "<" and ">"
  "\u2039": "<", "\u2329": "<", "\u3008": "<", "\u27e8": "<", "\u276e": "<", "\u02c2": "<", "\u1438": "<", "\u2264": "<",
  "\u203a": ">", "\u232a": ">", "\u3009": ">", "\u27e9": ">", "\u276f": ">", "\u02c3": ">", "\u1433": ">",
  // "/"
  "\u2215": "/", "\u2044": "/", "\u29f8": "/", "\u3033": "/", "\u2571": "/",
  // "-" and "_"
  "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2043": "-",
  // Cyrillic, Greek, Armenian and small-capital letters that look like Latin ones
  "\u0430": "a", "\u03b1": "a", "\u0251": "a",
  "\u0441": "c", "\u03f2": "c", "\u1d04": "c",
  "\u0501": "d",
  "\u0435": "e", "\u04bd": "e",
  "\u04bb": "h",
  "\u0456": "i", "\u03b9": "i",
  "\u0578": "n",
  "\u043e": "o", "\u03bf": "o", "\u0585": "o", "\u1d0f": "o",
  "\u0440": "p", "\u03c1": "p",
  "\u0433": "r", "\u1d26": "r",
  "\u0455": "s", "\ua731": "s",
  "\u0442": "t", "\u03c4": "t",
  "\u03c5": "u", "\u057d": "u", "\u1d1c": "u",
  "\u051d": "w", "\u0461": "w", "\u03c9": "w", "\u1d21": "w",
};

/**
 * Whether `text`'s skeleton (markerSkeleton) holds a "<", which every marker starts with: a cheap
 * pass without the skeleton's offsets. A false answer means no marker can be found.
 */
export function skeletonHasOpening(text: string): boolean {
  // By code unit (a string iterator costs ~10x more); a surrogate pair is read as one character.
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) {
      if (c === 0x3c) return true;
      continue;
    }
    // Not a pair's first half, or a lone one: one BMP character.
    const cp = c >= 0xd800 && c <= 0xdbff ? text.codePointAt(i)! : c;
    if (cp <= 0xffff) {
      if (opensUnit(c)) return true;
      continue;
    }
    i++;
    if (cp === 0xe003c) return true;
    if (cp >= 0xe0020 && cp <= 0xe007e) continue;
    if (foldChar(String.fromCodePoint(cp)).includes("<")) return true;
  }
  return false;
}

/**
 * Whether a BMP code unit (a lone surrogate included) folds to something holding "<", remembered
 * per unit: a page of messages in a non-Latin script asked `foldChar`'s map once per character
 * (a one-character string and a lookup each, ~40 µs a page at 1M over stdio, Node 20).
 */
const opensUnit = codeUnitMemo((ch) => foldChar(ch).includes("<"));

/** A character's view in the skeleton: "" if hidden, else NFKD without marks, lower case, look-alikes as ASCII. */
function foldChar(ch: string): string {
  const cp = ch.charCodeAt(0);
  // Printable ASCII, tab and line breaks fold to their lower case (the common case, kept fast).
  if ((cp >= 0x20 && cp <= 0x7e) || cp === 0x09 || cp === 0x0a || cp === 0x0d) return ch.toLowerCase();
  let folded = foldedChars.get(ch);
  if (folded !== undefined) return folded;
  folded = "";
  if (!HIDDEN.test(ch)) {
    for (const c of ch.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase()) folded += LOOKALIKE[c] ?? c;
  }
  if (foldedChars.size >= 10_000) foldedChars.clear(); // bounded: texts may hold any character
  foldedChars.set(ch, folded);
  return folded;
}

/** Characters folded so far (foldChar is a pure function of the character). */
const foldedChars = new Map<string, string>();

/**
 * The marker-detection view of `text`: one entry per kept character, with the index (in UTF-16
 * units) of the original character it came from, so a match maps back to the original span.
 */
export function markerSkeleton(text: string): { skeleton: string; from: number[]; to: number[] } {
  let skeleton = "";
  const from: number[] = [];
  const to: number[] = [];
  // The visible stand-ins cleanText writes for hidden characters are hidden here too, so a marker
  // split by them (`</untrusted<U+200B>-whatsapp-content>`) is still found.
  const skip: Array<[number, number]> = [];
  for (const m of text.matchAll(STAND_IN)) skip.push([m.index, m.index + m[0].length]);
  let k = 0;
  let i = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    while (k < skip.length && skip[k]![1] <= i) k++;
    const skipped = k < skip.length && skip[k]![0] <= i;
    let folded: string;
    if (skipped) folded = "";
    else if (cp >= 0xe0020 && cp <= 0xe007e) folded = String.fromCharCode(cp - TAG_FIRST).toLowerCase();
    else folded = foldChar(ch);
    for (const c of folded) {
      skeleton += c;
      from.push(i);
      to.push(i + ch.length);
    }
    i += ch.length;
  }
  return { skeleton, from, to };
}
