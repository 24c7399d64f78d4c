import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { crc32, crc32Js, encodeFrames, FRAME_HEADER, findRecordAfter, parseFrame } from "../../src/store/sqljs/journal_format.ts";

import { nativeCrc32 } from "../../src/runtime/crc32.ts";

const enc = (s: string) => new TextEncoder().encode(s);

describe("journal framing", () => {
  test("crc32 gives the IEEE check value and is incremental", () => {
    const data = enc("123456789");
    assert.equal(crc32(data), 0xcbf43926);
    assert.equal(crc32(data, crc32(data, 0, 0, 4), 4), 0xcbf43926);
    const big = new Uint8Array(1000).map((_, i) => (i * 7) & 0xff);
    // slicing-by-8 and the byte loop must agree at every split
    for (const split of [0, 1, 7, 8, 9, 500, 999]) assert.equal(crc32(big, crc32(big, 0, 0, split), split), crc32(big));
  });

  test("the runtime's CRC (used from 64 bytes on) and the one in JS agree, continued at any split and over views", () => {
    assert.ok(nativeCrc32 !== null, "Node 20.15+ and Deno 2 have zlib.crc32");
    let x = 12345;
    const big = new Uint8Array(5000).map(() => (x = (x * 1103515245 + 12345) >>> 0) >>> 24);
    assert.equal(crc32Js(enc("123456789")), 0xcbf43926);
    assert.equal(crc32(big), crc32Js(big));
    for (const [start, end] of [[0, 63], [0, 64], [3, 65], [100, 4999], [1, 5000], [4000, 4100]] as const) {
      assert.equal(crc32(big, 0, start, end), crc32Js(big, 0, start, end), `[${start}, ${end})`);
      for (const split of [start, start + 1, start + 63, end - 1]) {
        if (split > end) continue;
        assert.equal(crc32(big, crc32(big, 0, start, split), split, end), crc32Js(big, 0, start, end), `[${start}, ${end}) split at ${split}`);
      }
    }
    const view = big.subarray(17, 3000);
    assert.equal(crc32(view, 0, 5, 2000), crc32Js(big, 0, 22, 2017));
  });

  test("frames parse back with their seq and payload", () => {
    const buf = encodeFrames([{ seq: 1, payload: enc("[1]") }, { seq: 2 ** 40 + 3, payload: enc("[\"two\"]") }]);
    const a = parseFrame(buf, 0);
    assert.equal(a.kind, "record");
    if (a.kind !== "record") return;
    assert.equal(a.seq, 1);
    assert.equal(new TextDecoder().decode(a.payload), "[1]");
    const b = parseFrame(buf, a.end);
    assert.equal(b.kind, "record");
    if (b.kind !== "record") return;
    assert.equal(b.seq, 2 ** 40 + 3);
    assert.equal(b.end, buf.length);
  });

  test("a short record asks for more bytes; a flipped bit anywhere is caught", () => {
    const buf = encodeFrames([{ seq: 7, payload: enc("[\"payload\"]") }]);
    assert.deepEqual(parseFrame(buf.subarray(0, 10), 0), { kind: "need", bytes: FRAME_HEADER });
    assert.deepEqual(parseFrame(buf.subarray(0, buf.length - 1), 0), { kind: "need", bytes: buf.length });
    for (const pos of [0, 4, 8, 12, FRAME_HEADER + 2]) {
      const bad = buf.slice();
      bad[pos]! ^= 0x01;
      const f = parseFrame(bad, 0);
      assert.notEqual(f.kind, "record", `flip at ${pos}`);
    }
  });

  test("zero padding (a file extended by a crash) is a bad frame, not a record", () => {
    assert.equal(parseFrame(new Uint8Array(64), 0).kind, "bad");
  });

  test("findRecordAfter finds the next valid record behind garbage, and nothing in garbage", () => {
    const one = encodeFrames([{ seq: 1, payload: enc("[1]") }]);
    const two = encodeFrames([{ seq: 2, payload: enc("[2]") }]);
    const buf = new Uint8Array(one.length + 13 + two.length);
    buf.set(one.map((x) => x ^ 0x55), 0);
    buf.fill(0xee, one.length, one.length + 13);
    buf.set(two, one.length + 13);
    assert.equal(findRecordAfter(buf, 1, 0), one.length + 13);
    assert.equal(findRecordAfter(buf, 1, 5), null, "seq 2 is not after seq 5");
    assert.equal(findRecordAfter(new Uint8Array(4096).map((_, i) => (i * 131) & 0xff), 0, 0), null);
  });

  test("encodeFrames refuses empty payloads and bad seqs", () => {
    assert.throws(() => encodeFrames([{ seq: 1, payload: new Uint8Array(0) }]), RangeError);
    assert.throws(() => encodeFrames([{ seq: 0, payload: enc("[]") }]), RangeError);
  });
});
