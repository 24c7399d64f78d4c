/**
 * The data-flow memory's table against what it replaces: a `Map` whose entries move to the newest
 * end by delete-then-set and leave from the oldest end. Same keys, values and order after every
 * step of long random runs (colliding home slots, wrap-around, growth, reuse after deletes).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { PrintTable } from "../../src/mcp/policy/print_table.ts";

function same(t: PrintTable<string>, m: Map<number, string>, step: string): void {
  assert.equal(t.size, m.size, `${step}: size`);
  assert.deepEqual([...t.keys()], [...m.keys()], `${step}: order`);
  for (const [k, v] of m) assert.equal(t.get(k), v, `${step}: value of ${k}`);
}

describe("PrintTable: a Map with move-to-newest and drop-oldest, in typed arrays", () => {
  test("long random runs of touch, delete and drop-oldest end exactly as the Map does", () => {
    let seed = 11; // Park-Miller: exact in doubles
    const rnd = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    for (const spread of [40, 3000, 2 ** 53 - 1, -1]) {
      const t = new PrintTable<string>();
      const m = new Map<number, string>();
      // Keys from a small pool (many repeats, probes over occupied slots) or the whole 53-bit range.
      // spread -1: the same low 32 bits, only the high bits differ.
      const pool = Array.from({ length: 500 }, (_, i) => (spread < 0 ? i * 2 ** 32 + 7 : spread < 2 ** 32 ? i * 65536 : Math.floor(rnd() * spread)));
      for (let i = 0; i < 20_000; i++) {
        const key = spread === 40 ? pool[Math.floor(rnd() * 40)]! : pool[Math.floor(rnd() * pool.length)]!;
        const r = rnd();
        if (r < 0.6) {
          const v = `v${i}`;
          m.delete(key);
          m.set(key, v);
          t.touch(key, v);
        } else if (r < 0.8) {
          assert.equal(t.delete(key), m.delete(key), `delete ${key}`);
        } else if (r < 0.95) {
          const oldest = m.keys().next();
          if (!oldest.done) m.delete(oldest.value);
          t.dropOldest();
        } else {
          assert.equal(t.get(key), m.get(key));
          assert.equal(t.has(key), m.has(key));
        }
        if (i % 97 === 0) same(t, m, `spread ${spread} step ${i}`);
        if (i === 10_000) {
          t.clear();
          m.clear();
        }
      }
      same(t, m, `spread ${spread} end`);
    }
  });

  test("grows from empty to 100,000 fingerprints and back, in order", () => {
    const t = new PrintTable<string>();
    const m = new Map<number, string>();
    for (let i = 0; i < 100_000; i++) {
      const k = (i * 2654435761) % 2 ** 53;
      t.touch(k, "c");
      m.set(k, "c");
    }
    same(t, m, "full");
    for (let i = 0; i < 60_000; i++) {
      t.dropOldest();
      m.delete(m.keys().next().value!);
    }
    same(t, m, "after dropping the oldest 60,000");
  });
});
