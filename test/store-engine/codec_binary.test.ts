import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { decodeOps, encodeOps } from "../../src/store/codec.ts";
import { decodeJournalPayload, decodeOpsBinary, encodeOpsBinary, isBinaryPayload } from "../../src/store/codec_binary.ts";

const sample = () => [
  {
    op: "upsertMessage",
    message: {
      chatJid: "120363000000000001@g.us",
      id: "3EB0ABC",
      text: "héllo 👋 — ünïcödé, 東京, مرحبا",
      long: "x".repeat(70_000) + "é",
      raw: new Uint8Array([0, 1, 2, 250, 255]),
      empty: new Uint8Array(0),
      media: { mediaKey: Buffer.from([9, 8, 7]), fileLength: 2 ** 40, durationSec: -3, ratio: 1.5, nothing: null },
      ts: 1_736_935_200_123,
      flags: [true, false, null, 0, -0.5, 2147483647, -2147483648, 2147483648],
      fromMe: false,
    },
  },
  { op: "setMeta", key: "k", value: null },
  { op: "setMeta", key: "k2", value: "" },
];

describe("binary batch codec", () => {
  test("round-trips exactly what the JSON form round-trips (bytes as Uint8Array, Buffers included)", () => {
    const ops = sample();
    const bin = encodeOpsBinary(ops);
    assert.ok(isBinaryPayload(bin));
    const back = decodeOpsBinary<Record<string, unknown>>(bin);
    assert.deepEqual(back, decodeOps(encodeOps(ops)));
    const m = back[0]!.message as Record<string, unknown>;
    assert.ok(m.raw instanceof Uint8Array && (m.media as Record<string, unknown>).mediaKey instanceof Uint8Array);
    assert.equal(Object.getPrototypeOf((m.media as Record<string, unknown>).mediaKey), Uint8Array.prototype, "a Buffer comes back as a plain Uint8Array");
    assert.ok(bin.length < new TextEncoder().encode(encodeOps(ops)).length, "smaller than the JSON form");
  });

  test("undefined fields are dropped, undefined array items become null, toJSON is used (as JSON does)", () => {
    const when = new Date(Date.UTC(2025, 0, 15));
    const back = decodeOpsBinary(encodeOpsBinary([{ a: 1, b: undefined, c: [undefined, 2], d: when }]));
    assert.deepEqual(back, [{ a: 1, c: [null, 2], d: when.toJSON() }]);
    assert.deepEqual(back, decodeOps(encodeOps([{ a: 1, b: undefined, c: [undefined, 2], d: when }])));
  });

  test("values JSON would change, drop or cannot hold are refused", () => {
    for (const bad of [NaN, Infinity, 1n, () => 1, Symbol("s")]) {
      assert.throws(() => encodeOpsBinary([{ x: bad }]), TypeError, String(bad));
    }
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    assert.throws(() => encodeOpsBinary([loop]), /circular/);
  });

  test("malformed payloads are refused, never half-read", () => {
    const bin = encodeOpsBinary(sample());
    for (const cut of [2, 3, 10, bin.length - 1]) assert.throws(() => decodeOpsBinary(bin.subarray(0, cut)), TypeError, `cut at ${cut}`);
    const extra = new Uint8Array(bin.length + 1);
    extra.set(bin);
    assert.throws(() => decodeOpsBinary(extra), /trailing bytes/);
    const badTag = bin.slice();
    badTag[2] = 0x7f;
    assert.throws(() => decodeOpsBinary(badTag), /unknown tag/);
    assert.throws(() => decodeOpsBinary(new Uint8Array([0xb1, 0x09, 0x00])), /version 9/);
    assert.throws(() => decodeOpsBinary(new Uint8Array([0xb1, 0x01, 0x00])), /expected an array/);
  });

  test("journal payloads in the older JSON form are still read", () => {
    const ops = sample();
    const json = new TextEncoder().encode(encodeOps(ops));
    assert.equal(isBinaryPayload(json), false);
    assert.deepEqual(decodeJournalPayload(json), decodeOps(encodeOps(ops)));
    assert.deepEqual(decodeJournalPayload(encodeOpsBinary(ops)), decodeOps(encodeOps(ops)));
  });
});
