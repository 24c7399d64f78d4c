/**
 * The row builder made per statement (src/store/sqljs/row_maker.ts) builds the very object the
 * column-by-column assignment built: same own keys in the same order, same values, same prototype,
 * for any column names (duplicates, digits, quotes, non-ASCII, "__proto__").
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { assignRow, rowMaker } from "../../src/store/sqljs/row_maker.ts";

const CASES: string[][] = [
  [],
  ["pk", "chat_jid", "id", "sender_id", "text"],
  ["a", "b", "a"], // a later equal name: its value, the first one's place
  ["2", "1", "x", "10"], // integer-like keys come first, in numeric order, either way
  ['quote"d', "back\\slash", "new\nline", "\u2028", "ünï", "\ud800", "constructor", "toString"],
  ["x", "__proto__", "y"],
];

describe("sql.js row builder", () => {
  test("builds the object the assignment loop built, for any column names", () => {
    for (const names of CASES) {
      for (const values of [names.map((_, i) => i), names.map(() => null), names.map((_, i) => (i % 2 ? "t" : new Uint8Array([i])))]) {
        const made = rowMaker(names)(values);
        const assigned = assignRow(names, values);
        assert.deepEqual(Reflect.ownKeys(made), Reflect.ownKeys(assigned), JSON.stringify(names));
        assert.deepEqual(made, assigned, JSON.stringify(names));
        assert.equal(Object.getPrototypeOf(made), Object.getPrototypeOf(assigned), JSON.stringify(names));
        for (const k of Reflect.ownKeys(assigned)) assert.equal(made[k as string], assigned[k as string]);
      }
    }
  });

  test("a row's values are the statement's, each row a new object", () => {
    const make = rowMaker(["n", "s"]);
    const a = make([1, "x"]);
    const b = make([2, null]);
    assert.deepEqual([a, b], [{ n: 1, s: "x" }, { n: 2, s: null }]);
    assert.notEqual(a, b);
  });
});
