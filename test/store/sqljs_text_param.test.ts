/**
 * The multi-row INSERTs' text parameters as views of a shared slab (statements.ts textParamInSlab):
 * each keeps its bytes while many more texts are encoded after it, and binds to the same text as
 * textParam's own array.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import initSqlJs from "sql.js";
import { textParam, textParamInSlab } from "../../src/store/sqljs/statements.ts";

const decoder = new TextDecoder();

describe("sql.js text parameters in a slab", () => {
  test("each view keeps its text's bytes while texts past several slabs are encoded, and equals textParam's", () => {
    // Short and long texts, non-ASCII and a lone surrogate (both encoders make it U+FFFD), more than a few slabs' worth.
    const texts = Array.from({ length: 3000 }, (_, i) =>
      i % 500 === 7 ? "long ".repeat(20_000) : i % 3 === 0 ? `crème brûlée ${i} 👋` : i % 101 === 0 ? `lone \uD800 ${i}` : `text ${i}`);
    const views = texts.map((t) => textParamInSlab(t));
    views.forEach((v, i) => {
      assert.ok(v instanceof Uint8Array, `text ${i} as bytes`);
      assert.deepEqual(v, textParam(texts[i]!), `text ${i}'s bytes`);
      assert.equal(decoder.decode(v), decoder.decode(textParam(texts[i]!) as Uint8Array), `text ${i} decodes the same`);
    });
    assert.equal(textParamInSlab(""), "", "the empty string stays a string");
    assert.equal(textParamInSlab(null), null);
    assert.equal(textParamInSlab(7), 7);
  });

  test("views bound in one multi-row statement store the same texts as strings would", async () => {
    const SQL = await initSqlJs();
    const db = new SQL.Database();
    try {
      db.run("CREATE TABLE t (n INTEGER, v TEXT)");
      const texts = Array.from({ length: 64 }, (_, i) => (i % 2 ? `é ${i} ` : `ascii ${i}`).repeat(1 + (i % 5) * 300));
      const params = texts.flatMap((t, i) => [i, textParamInSlab(t)]);
      db.run(`INSERT INTO t (n, v) VALUES ${texts.map(() => "(?, CAST(? AS TEXT))").join(", ")}`, params);
      const back = db.exec("SELECT v, typeof(v) FROM t ORDER BY n")[0]!.values;
      assert.deepEqual(back.map((r) => r[0]), texts);
      assert.ok(back.every((r) => r[1] === "text"));
    } finally {
      db.close();
    }
  });
});
