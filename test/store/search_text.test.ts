import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { prng } from "../../src/bench/store.ts";
import { type SearchFields, searchFields, searchTokens, tokenize, tokenizeText, tokenPositions, tsvectorPositions } from "../../src/store/search/text.ts";

// Pieces chosen to stress the word-at-a-time shortcut: accents precomposed and combining,
// combining marks right after a space, compatibility characters that decompose to spaces
// (´ → space + accent, ﬁ ligature, full-width letters), Greek final sigma, no-space scripts,
// Arabic harakat, strokes, tabs and newlines, NBSP (not ASCII space), digits and punctuation.
const PIECES = [
  "café", "cafe\u0301", "\u0301", "\u00b4", "´x", "ﬁne", "ＡＢＣ", "ΟΔΟΣ", "Σ", "ς", "'Σ", "Σ'", "σοφός", "東京", "タワー", "한국어",
  "ภาษาไทย", "مَرْحَبًا", "ـ", "Łódź", "straße", "İstanbul", "\u093e", "क्षि", "a", "Z9", "x".repeat(120), "é".repeat(120), "-", "'", "!",
  "😀", "\u00a0", "\u2009", " ", "  ", "\t", "\n", "\r\n", "\f", "\v",
];

describe("tokenize", () => {
  test("word by word (with its cache) gives exactly the tokens of the whole text", () => {
    const rnd = prng(42);
    for (let i = 0; i < 3000; i++) {
      const n = 1 + Math.floor(rnd() * 12);
      let text = "";
      for (let k = 0; k < n; k++) text += PIECES[Math.floor(rnd() * PIECES.length)]!;
      assert.deepEqual(tokenize(text), tokenizeText(text), JSON.stringify(text));
      assert.deepEqual(tokenize(text), tokenizeText(text), `${JSON.stringify(text)} (cached)`);
    }
  });

  test("folds case and accents the same whether a word is ASCII or not", () => {
    assert.deepEqual(tokenize("Crème BRÛLÉE and ΟΔΟΣ\tΣοφός"), ["creme", "brulee", "and", "οδος", "σοφος"]);
    assert.deepEqual(tokenize("東京タワー ok"), ["東", "京", "タ", "ワ", "ー", "ok"]);
  });
});

/** Each word's positions in the fields' words counted as one list with a gap between text and file name. */
function referencePositions(f: SearchFields): Array<[string, number[]]> {
  const words = [...(f.text ? f.text.split(" ") : []), ...(f.text && f.file ? [null] : []), ...(f.file ? f.file.split(" ") : [])];
  const out = new Map<string, number[]>();
  words.forEach((w, i) => {
    if (w === null) return;
    const pos = Math.min(i + 1, 16383);
    const list = out.get(w) ?? [];
    if (list.length < 256 && list.at(-1) !== pos) list.push(pos);
    out.set(w, list);
  });
  return [...out];
}

describe("tokenPositions", () => {
  test("gives each word of the joined fields its positions (text, file name, the gap, edits, revoked)", () => {
    const rnd = prng(7);
    const text = () => {
      if (rnd() < 0.15) return null;
      const n = Math.floor(rnd() * 10);
      let t = "";
      for (let k = 0; k < n; k++) t += PIECES[Math.floor(rnd() * PIECES.length)]! + (rnd() < 0.5 ? " " : "");
      return t;
    };
    for (let i = 0; i < 3000; i++) {
      const body = text();
      const edited = rnd() < 0.2 ? text() : null;
      const file = rnd() < 0.3 ? (rnd() < 0.3 ? body : text()) : null;
      const revoked = rnd() < 0.05;
      const args = [body, edited, file, revoked] as const;
      const want = referencePositions(searchFields(...args));
      assert.deepEqual([...tokenPositions(searchTokens(...args))], want, JSON.stringify(args));
      assert.deepEqual([...tsvectorPositions(searchFields(...args))], want, JSON.stringify(args));
    }
    assert.deepEqual([...tokenPositions(searchTokens("a b a", null, "b c", false))], [["a", [1, 3]], ["b", [2, 5]], ["c", [6]]]);
    assert.deepEqual([...tokenPositions(searchTokens("a b", null, "c", false))], [["a", [1]], ["b", [2]], ["c", [4]]]);
  });
});

