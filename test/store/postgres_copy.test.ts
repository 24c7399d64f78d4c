/**
 * The bulk writer's pure parts for COPY: the binary COPY encoding (checked byte by byte against
 * the format) and the slot tops read from one span of stored pks.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { copyHeader, copyRows, copyTrailer } from "../../src/store/postgres/copy_binary.ts";
import { slotTops } from "../../src/store/postgres/bulk_rows.ts";

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

describe("binary COPY rows", () => {
  test("header and trailer are PostgreSQL's signature, flags, extension length and -1", () => {
    assert.equal(hex(copyHeader()), "5047434f50590aff0d0a00" + "00000000" + "00000000");
    assert.equal(hex(copyTrailer()), "ffff");
  });

  test("each field is a length and bytes: text as UTF-8, integers big-endian, NULL as -1", () => {
    const row = copyRows(["text", "bigint", "int", "boolean", "bytea", "text", "bigint"], [["é", 1_700_000_000_123 * 1024 + 5, -2, true, new Uint8Array([0, 255]), null, -1]]);
    const view = new DataView(row.buffer, row.byteOffset, row.byteLength);
    let at = 0;
    assert.equal(view.getInt16(at), 7); at += 2;
    assert.equal(view.getInt32(at), 2); at += 4;
    assert.equal(hex(row.subarray(at, at + 2)), "c3a9"); at += 2;
    assert.equal(view.getInt32(at), 8); at += 4;
    assert.equal(view.getBigInt64(at), BigInt(1_700_000_000_123 * 1024 + 5)); at += 8;
    assert.equal(view.getInt32(at), 4); at += 4;
    assert.equal(view.getInt32(at), -2); at += 4;
    assert.equal(view.getInt32(at), 1); at += 4;
    assert.equal(row[at], 1); at += 1;
    assert.equal(view.getInt32(at), 2); at += 4;
    assert.equal(hex(row.subarray(at, at + 2)), "00ff"); at += 2;
    assert.equal(view.getInt32(at), -1); at += 4;
    assert.equal(view.getInt32(at), 8); at += 4;
    assert.equal(view.getBigInt64(at), -1n); at += 8;
    assert.equal(at, row.length);
  });

  test("text is the UTF-8 TextEncoder gives, ASCII or not, short or long, lone surrogates as U+FFFD", () => {
    const texts = ["", "abc@s.whatsapp.net", "abcdé", "é" + "a".repeat(80), "a".repeat(64), "a".repeat(65) + "ж", "x\ud83dy", "😀", "a".repeat(63) + "é"];
    const row = copyRows(texts.map(() => "text"), [texts]);
    const utf8 = new TextEncoder();
    const view = new DataView(row.buffer, row.byteOffset, row.byteLength);
    let at = 2;
    for (const t of texts) {
      const want = utf8.encode(t);
      assert.equal(view.getInt32(at), want.length, JSON.stringify(t)); at += 4;
      assert.equal(hex(row.subarray(at, at + want.length)), hex(want), JSON.stringify(t)); at += want.length;
    }
    assert.equal(at, row.length);
  });

  test("a tsvector is its lexeme count, each lexeme NUL-terminated with its positions", () => {
    const row = copyRows(["tsvector"], [[new Map([["ab", [1, 3]], ["ü", [2]]])]]);
    assert.equal(hex(row), "0001" + "00000014" + "00000002" + "616200" + "0002" + "0001" + "0003" + "c3bc00" + "0001" + "0002");
  });

  test("a fraction in an integer column is refused, as the server's text input refuses it", () => {
    assert.throws(() => copyRows(["bigint"], [[1.5]]), /whole number/);
  });
});

describe("slotTops()", () => {
  test("gives each millisecond's highest stored pk, or null where none is stored", () => {
    const S = 1024;
    const bases = [10 * S, 11 * S, 12 * S, 20 * S];
    const pks = [10 * S + 0, 10 * S + 3, 12 * S + 1023, 13 * S, 19 * S + 7];
    assert.deepEqual([...slotTops(bases, pks, S)], [[10 * S, 10 * S + 3], [11 * S, null], [12 * S, 12 * S + 1023], [20 * S, null]]);
    assert.deepEqual([...slotTops([5 * S], [], S)], [[5 * S, null]]);
  });
});
