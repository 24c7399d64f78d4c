import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { prng } from "../../src/bench/store.ts";
import { tokenize, tokenizeText } from "../../src/store/search/text.ts";

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
