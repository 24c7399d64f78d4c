import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { decodeOps, encodeOps } from "../../src/store/codec.ts";
import { decodeJournalPayload, decodeOpsBinary, encodeOpsBinary, encodeOpsBinaryCopy, isBinaryPayload } from "../../src/store/codec_binary.ts";

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

  test("the copy built while encoding equals the decoded payload, value for value and type for type", () => {
    const when = new Date(Date.UTC(2025, 0, 15));
    const odd = { "lone \uD800 key": "lone \uDC00 value", pair: "👋 \uD83D\uDC4B", z: -0, big: 2 ** 53, bytes: Buffer.from([1, 2]) };
    // Strings again (refs in the journal's version 2): a lone surrogate, a pair, a long one, empty.
    const again = { ...odd, more: ["lone \uDC00 value", "👋 \uD83D\uDC4B", "y".repeat(65), "y".repeat(65), "", "", "lone \uDC00 value"] };
    const inputs: unknown[][] = [sample(), [{ a: 1, b: undefined, c: [undefined, 2], d: when }], [odd], [odd, again, sample(), sample()], []];
    for (const ops of inputs) {
      const { payload, ops: copy } = encodeOpsBinaryCopy(ops);
      assert.equal(payload[1], 2, "the journal's version (string refs)");
      assert.deepEqual(decodeOpsBinary(payload), decodeOpsBinary(encodeOpsBinary(ops)), "what encodeOpsBinary's payload decodes as");
      const decoded = decodeOpsBinary(payload);
      assert.deepEqual(copy, decoded);
      // deepEqual treats a Buffer and a Uint8Array alike, and +0 and -0 differ only by Object.is: check both.
      const kind = (x: object): string => {
        const p: unknown = Object.getPrototypeOf(x);
        if (p === Object.prototype) return "object";
        if (p === Array.prototype) return "array";
        if (p === Uint8Array.prototype) return "bytes";
        return `other ${JSON.stringify(p)}`;
      };
      const walk = (a: unknown, b: unknown, at: string): void => {
        if (typeof a === "number") assert.ok(Object.is(a, b), `number at ${at}`);
        if (a === null || typeof a !== "object") return assert.equal(a, b, `value at ${at}`);
        assert.equal(kind(a), kind(b as object), `prototype at ${at}`);
        if (a instanceof Uint8Array) {
          assert.notEqual(a.buffer, payload.buffer, `bytes at ${at} are a copy`);
          return;
        }
        assert.deepEqual(Object.keys(a), Object.keys(b as object), `keys at ${at}`);
        for (const k of Object.keys(a)) walk((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${at}.${k}`);
      };
      walk(copy, decoded, "ops");
    }
  });

  test("the copy's bytes keep their values while the encoder's buffer grows and is written on, and share nothing with the payload", () => {
    // Many raws, a few big ones: the writer's buffer grows several times after the first views were taken.
    const raws = Array.from({ length: 200 }, (_, i) => Uint8Array.from({ length: i % 50 === 49 ? 40_000 : 300 + i }, (_, k) => (i * 31 + k) & 0xff));
    const ops = raws.map((raw, i) => ({ op: "upsertMessage", message: { id: `ID${i}`, raw } }));
    const { payload, ops: copy } = encodeOpsBinaryCopy(ops);
    const before = payload.slice();
    copy.forEach((op, i) => assert.deepEqual(op.message.raw, raws[i], `raw ${i}`));
    for (const op of copy) op.message.raw.fill(0); // what apply might do to them
    assert.deepEqual(payload, before, "the payload (what the journal gets) is untouched");
    assert.deepEqual(decodeOpsBinary(payload), ops);
  });

  test("version 2 writes a short string met before in the payload as a ref, and reads both versions", () => {
    const chats = ["491520000001@s.whatsapp.net", "491520000002@s.whatsapp.net", "120363000000000001@g.us"];
    const ops = Array.from({ length: 300 }, (_, i) => ({
      op: "upsertMessage",
      message: { chatJid: chats[i % 3], senderId: chats[(i + 1) % 3], id: `ID${i}`, type: "text", text: i % 7 === 0 ? "same text" : `text ${i} é`, long: "z".repeat(100) },
    }));
    const v2 = encodeOpsBinaryCopy(ops).payload;
    const v1 = encodeOpsBinary(ops);
    assert.equal(v1[1], 1);
    assert.ok(v2.length < v1.length - 300 * 50, `refs make it smaller (${v2.length} vs ${v1.length})`);
    assert.deepEqual(decodeOpsBinary(v2), ops);
    assert.deepEqual(decodeOpsBinary(v1), ops);
    // [ "a", "a" ] in version 2: string "a", then a ref to string 1.
    assert.deepEqual(decodeOpsBinary(new Uint8Array([0xb1, 0x02, 7, 2, 5, 1, 0x61, 9, 1])), ["a", "a"]);
    assert.throws(() => decodeOpsBinary(new Uint8Array([0xb1, 0x02, 7, 2, 5, 1, 0x61, 9, 2])), /unknown string ref/);
    assert.throws(() => decodeOpsBinary(new Uint8Array([0xb1, 0x02, 7, 2, 5, 1, 0x61, 9, 0])), /unknown string ref/);
    assert.throws(() => decodeOpsBinary(new Uint8Array([0xb1, 0x01, 7, 2, 5, 1, 0x61, 9, 1])), /unknown tag 9/);
  });

  test("values JSON would change, drop or cannot hold are refused", () => {
    for (const bad of [NaN, Infinity, 1n, () => 1, Symbol("s")]) {
      assert.throws(() => encodeOpsBinary([{ x: bad }]), TypeError, String(bad));
      assert.throws(() => encodeOpsBinaryCopy([{ x: bad }]), TypeError, String(bad));
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

  test("short strings decode to their own text, also after many others of the same length shared their cache slots", () => {
    // 20,000 strings of 1-12 ASCII characters: far more than the recent-strings cache has slots,
    // so most slots are met by several strings of one length (a comparison must tell them apart).
    const strings: string[] = [];
    let x = 12345;
    for (let i = 0; i < 20_000; i++) {
      let s = "";
      for (let len = 1 + (i % 12); s.length < len; ) {
        x = (Math.imul(x, 1103515245) + 12345) >>> 0;
        s += String.fromCharCode(0x20 + ((x >>> 16) % 95));
      }
      strings.push(s);
    }
    const ops = [{ strings, again: [...strings].reverse(), keyed: Object.fromEntries(strings.slice(0, 500).map((s, i) => [`k${i}`, s])) }];
    const payload = encodeOpsBinary(ops);
    for (let round = 0; round < 2; round++) assert.deepEqual(decodeOpsBinary(payload), ops, `round ${round}`);
  });

  test("bytes decoded as views into the payload equal the copies, and the plain decode copies", () => {
    const ops = sample();
    const payload = encodeOpsBinary(ops);
    const viewed = decodeJournalPayload<Record<string, unknown>>(payload, { viewBytes: true });
    assert.deepEqual(viewed, decodeOpsBinary(payload));
    const raw = (viewed[0]!.message as Record<string, unknown>).raw as Uint8Array;
    assert.equal(raw.buffer, payload.buffer, "a view shares the payload's buffer");
    const copied = (decodeOpsBinary<Record<string, unknown>>(payload)[0]!.message as Record<string, unknown>).raw as Uint8Array;
    assert.notEqual(copied.buffer, payload.buffer, "a copy has its own");
  });

  test("objects decode with the keys, order, values and prototype that assigning key by key gives, whatever their shapes", () => {
    // The reference: each key assigned in turn to a fresh object, as the decoder did before object makers.
    const assigned = (pairs: Array<[string, unknown]>): Record<string, unknown> => {
      const o: Record<string, unknown> = {};
      for (const [k, v] of pairs) o[k] = v;
      return o;
    };
    const nested = { op: "upsertMessage", message: { chatJid: "a@s.whatsapp.net", id: "X", media: { url: "u", fileLength: 3 }, raw: null } };
    const reordered = { message: { raw: null, id: "Y", chatJid: "b@s.whatsapp.net", media: null }, op: "upsertMessage" };
    const numeric = { "2": "two", b: 1, "1": "one", a: [{ z: 1, y: 2 }, { y: 3, z: 4 }] };
    const wide = Object.fromEntries(Array.from({ length: 70 }, (_, i) => [`w${69 - i}`, i])); // past the makers' key limit
    const ops: unknown[] = [nested, reordered, numeric, wide, nested, reordered, {}, { empty: {} }];
    // More key sequences than the makers kept (past it, key by key), each twice.
    for (let i = 0; i < 1200; i++) ops.push({ [`s${i}`]: i, t: "x" }, { [`s${i}`]: i + 1, t: "y" });
    const copied = encodeOpsBinaryCopy(ops);
    for (const back of [decodeOpsBinary<Record<string, unknown>>(encodeOpsBinary(ops)), decodeOpsBinary<Record<string, unknown>>(copied.payload), copied.ops]) {
      assert.equal(JSON.stringify(back), JSON.stringify(ops), "same keys in the same order, same values");
      assert.deepEqual(back, ops);
    }
    // "__proto__" as a key: assigned (the setter: the value becomes the prototype), in a maker's object too; the copy alike.
    const proto = { marker: 1 };
    const odd = [Object.defineProperty({ a: 1 }, "__proto__", { value: proto, enumerable: true }), { a: 2 }];
    const expected = assigned([["a", 1], ["__proto__", { marker: 1 }]]);
    for (const back of [decodeOpsBinary<Record<string, unknown>>(encodeOpsBinary(odd)), encodeOpsBinaryCopy(odd).ops as Array<Record<string, unknown>>]) {
      assert.deepEqual(Object.getPrototypeOf(back[0]), Object.getPrototypeOf(expected));
      assert.deepEqual(Object.keys(back[0]!), Object.keys(expected));
      assert.deepEqual(back[1], { a: 2 });
    }
  });

  test("the copy's objects of one shape nested in each other, or met again at the same depth, keep their own values", () => {
    // The copy builds objects through per-depth value lists: a nested object must not overwrite its parent's.
    const ops = Array.from({ length: 50 }, (_, i) => ({ a: i, b: { a: i + 1, b: { a: i + 2, b: null } }, c: [{ a: -i, b: [] }, { a: i, b: { a: 0, b: 1 } }] }));
    const { payload, ops: copy } = encodeOpsBinaryCopy(ops);
    assert.deepEqual(copy, ops);
    assert.deepEqual(copy, decodeOpsBinary(payload));
  });
});
