/**
 * The index's tokenizer run in JS per character (fts_unicode61.ts) splits and folds every token
 * as the tokenizer itself does (`messages_fts_tokens`, asked), for characters of many scripts,
 * marks, folds and separators, alone and in random tokens.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import initSqlJs from "sql.js";
import { prng } from "../../src/bench/store.ts";
import { tokenize } from "../../src/store/search/text.ts";
import { askedSplit, indexTokensOf } from "../../src/store/sqljs/fts_tokens.ts";
import { unicode61 } from "../../src/store/sqljs/fts_unicode61.ts";
import { statementsOf } from "../../src/store/sqljs/statements.ts";
import { WORDS } from "./search_fixtures.ts";

/** Code points of many blocks: Latin and its accents, combining marks, Greek, Cyrillic, Hebrew, Arabic, Indic, Thai, kana, Hangul, fullwidth, symbols, emoji. */
function codePoints(): number[] {
  const out: number[] = [];
  const range = (from: number, to: number, step = 1) => {
    for (let c = from; c <= to; c += step) out.push(c);
  };
  range(0x21, 0x7e);
  range(0x80, 0x52f);
  range(0x590, 0x6ff);
  range(0x900, 0x97f);
  range(0xe00, 0xe7f);
  range(0x1ab0, 0x1aff);
  range(0x1dc0, 0x1fff);
  range(0x2000, 0x2bff, 3);
  range(0x3000, 0x30ff);
  range(0xac00, 0xd7a3, 61);
  range(0xfb00, 0xfb4f);
  range(0xfe00, 0xfe2f);
  range(0xff00, 0xffef);
  range(0x1d400, 0x1d4ff, 5);
  range(0x1f300, 0x1faff, 7);
  return out;
}

describe("unicode61 per character (fts_unicode61.ts)", () => {
  test("splits and folds as the tokenizer does: every character alone and beside others, random tokens, our tokens of the test words", async () => {
    const SQL = await initSqlJs();
    const db = new SQL.Database();
    db.run('CREATE VIRTUAL TABLE messages_fts_tokens USING fts3tokenize (unicode61, "remove_diacritics=2", "tokenchars=_")');
    const s = statementsOf(db);
    const emulated = unicode61((input) => {
      const out: Array<{ token: string; start: number }> = [];
      s.each('SELECT token, start FROM messages_fts_tokens WHERE input = ? ORDER BY position', [input], (r) => {
        out.push({ token: String(r[0]), start: Number(r[1]) });
      });
      return out;
    });
    const cps = codePoints();
    const rnd = prng(5);
    const inputs: string[] = [];
    for (const cp of cps) {
      const ch = String.fromCodePoint(cp);
      inputs.push(ch, `${ch}x`, `x${ch}`, `${ch}${ch}`, `x${ch}y`);
    }
    for (let i = 0; i < 20_000; i++) {
      inputs.push(Array.from({ length: 1 + Math.floor(rnd() * 6) }, () => String.fromCodePoint(cps[Math.floor(rnd() * cps.length)]!)).join(""));
    }
    for (const w of WORDS) inputs.push(...tokenize(w));
    let run = 0;
    for (const input of inputs) {
      const split = emulated(input);
      if (split === null) continue;
      run++;
      assert.deepEqual(split, askedSplit(db, input), `${JSON.stringify(input)} (${[...input].map((c) => c.codePointAt(0)!.toString(16)).join(" ")})`);
    }
    assert.ok(run > inputs.length * 0.95, `most inputs emulated (${run} of ${inputs.length})`);
    // The store's view: emulated where it can be, asked where not, the same answer.
    const view = indexTokensOf(db);
    for (const input of inputs.slice(0, 5000)) assert.deepEqual(view(input), askedSplit(db, input), JSON.stringify(input));
    s.free();
    db.close();
  });
});
