import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { base64ToBytes, bytesToBase64, decodeOps, encodeOps } from "../../src/store/codec.ts";

describe("store codec", () => {
  test("base64 matches the standard encoding for every tail length", () => {
    for (let n = 0; n < 40; n++) {
      const bytes = new Uint8Array(n).map((_, i) => (i * 37 + n) & 0xff);
      const expected = Buffer.from(bytes).toString("base64");
      assert.equal(bytesToBase64(bytes), expected);
      assert.deepEqual(base64ToBytes(expected), bytes);
    }
  });

  test("base64ToBytes refuses characters outside the alphabet", () => {
    assert.throws(() => base64ToBytes("ab$d"), TypeError);
  });

  test("encodeOps/decodeOps round-trip nested Uint8Array (and Buffer) as Uint8Array", () => {
    const raw = new Uint8Array([0, 1, 2, 250, 255]);
    const ops = [
      { op: "upsertMessage", message: { id: "x", raw, media: { mediaKey: Buffer.from([9, 8, 7]) }, text: "héllo 👋", n: 1.5 } },
      { op: "setMeta", key: "k", value: null },
    ];
    const json = encodeOps(ops);
    assert.match(json, /"\$b64":"AAEC\+v8="/);
    const back = decodeOps<typeof ops[number]>(json) as unknown as Array<Record<string, any>>;
    assert.ok(back[0]!.message.raw instanceof Uint8Array);
    assert.deepEqual([...back[0]!.message.raw], [...raw]);
    assert.deepEqual([...back[0]!.message.media.mediaKey], [9, 8, 7]);
    assert.equal(back[0]!.message.text, "héllo 👋");
    assert.deepEqual(back[1], { op: "setMeta", key: "k", value: null });
  });

  test("undefined fields are dropped, like a missing field", () => {
    const back = decodeOps<Record<string, unknown>>(encodeOps([{ a: 1, b: undefined }]));
    assert.deepEqual(back, [{ a: 1 }]);
  });

  test("values JSON would change or cannot hold are refused", () => {
    assert.throws(() => encodeOps([{ x: NaN }]), TypeError);
    assert.throws(() => encodeOps([{ x: Infinity }]), TypeError);
    assert.throws(() => encodeOps([{ x: 1n }]), TypeError);
    assert.throws(() => encodeOps([{ x: { $b64: "AA==" } }]), /would decode as bytes/);
  });

  test("decodeOps refuses a non-array", () => {
    assert.throws(() => decodeOps("{}"), TypeError);
    assert.throws(() => decodeOps("[1,"), SyntaxError);
  });
});
