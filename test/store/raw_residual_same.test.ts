import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { fullRaw, isResidual, type RawColumns, residualRaw, versionOneResidual } from "../../src/store/raw_residual.ts";
import { rawColumnsOf } from "../../src/store/rows.ts";
import type { MessageRow, MessageType } from "../../src/store/types.ts";
import { messageProtoOf } from "../../src/bench/message_proto.ts";
import { prng } from "../../src/bench/store.ts";

/**
 * sha256 of every cut below (residual or raw as returned), as the cut before its allocation-free
 * rewrite (slab views, index tables, ASCII fast path) wrote them: the cut's output is stored, so
 * it must stay the same byte for byte, on wrong columns and malformed bytes too.
 */
const CUTS_DIGEST = "0b44c41e45a1fb51510ed7637979f01595a6a6758a908b1745c1e6779f0fda26";
const COUNT = 4000;

const TYPES: MessageType[] = ["text", "text", "text", "image", "video", "document", "voice", "audio", "sticker"];
const WORDS = ["hi", "see", "you", "tomorrow", "Grüße", "привет", "你好", "👍🏽", "ok", "the", "meeting", "a\u0000b", "\uD800x"];

/** Bench-like protos (src/bench/message_proto.ts) with their columns: some columns wrong, some bytes broken. */
function* cases(): Generator<{ raw: Uint8Array; cols: RawColumns; intact: boolean }> {
  const rnd = prng(2026);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(rnd() * 256));
  const hex = (n: number) => Array.from({ length: n }, () => "0123456789ABCDEF"[Math.floor(rnd() * 16)]).join("");
  // Lengths around 127/128 and 16383/16384 make a cut body's length varint shrink by a byte.
  const text = () => rnd() < 0.05 ? "x".repeat(100 + Math.floor(rnd() * 60)) : Array.from({ length: 1 + Math.floor(rnd() * 10) }, () => pick(WORDS)).join(" ");
  for (let i = 0; i < COUNT; i++) {
    const type = pick(TYPES);
    const group = rnd() < 0.4;
    const fromMe = rnd() < 0.4;
    const person = rnd() < 0.25 ? `${100000000000000 + i}@lid` : `4917${hex(8).replace(/\D/g, "1")}@s.whatsapp.net`;
    const chatJid = group ? `120363${i}@g.us` : person;
    const ts = (1736935200 + i * 13) * 1000 + (rnd() < 0.05 ? 17 : 0);
    const withMedia = type !== "text";
    const media: MessageRow["media"] = withMedia
      ? {
        mimetype: pick(["image/jpeg", "video/mp4", "application/pdf", "audio/ogg; codecs=opus"]),
        fileName: type === "document" ? `Report ${text()}.pdf` : null,
        fileLength: rnd() < 0.1 ? 5 : 1000 + Math.floor(rnd() * 5_000_000),
        durationSec: type === "voice" || type === "video" ? Math.floor(rnd() * 300) : null,
        directPath: `/v/t62.7118-24/${hex(24)}`,
        url: rnd() < 0.9 ? `https://mmg.whatsapp.net/v/${hex(40)}` : null,
        mediaKey: rnd() < 0.95 ? bytes(32) : new Uint8Array(0),
        fileSha256: bytes(32),
        fileEncSha256: bytes(32),
        mediaKeyTimestamp: rnd() < 0.9 ? ts - (ts % 1000) : null,
      }
      : null;
    const m: MessageRow = {
      chatJid, id: `3EB0${hex(16 + Math.floor(rnd() * 8))}`, senderId: fromMe ? "491700000001@s.whatsapp.net" : person, fromMe, ts, type,
      text: type === "text" || rnd() < 0.5 ? text() : null, quotedId: rnd() < 0.2 ? `3EB0${hex(16)}` : null,
      editedText: null, editedAt: null, revoked: false, viewOnce: false, status: fromMe ? 4 : null, media, raw: null,
    };
    let raw = messageProtoOf(m, {
      pushName: rnd() < 0.5 ? pick(["Anna", "Élodie", "Zoë"]) : null,
      secret: rnd() < 0.4 ? bytes(32) : null,
      deviceHash: rnd() < 0.4 ? bytes(10) : null,
      thumbnail: type === "image" ? bytes(Math.floor(rnd() * 20_000)) : null,
    });
    let cols = rawColumnsOf(m.chatJid, m.senderId, m, m.ts);
    const r = rnd();
    if (r < 0.1) cols = { ...cols, id: cols.id + "x", text: cols.text === null ? null : cols.text + "!" };
    else if (r < 0.15) cols = { ...cols, senderId: null, media: null, quotedId: cols.id };
    let intact = true;
    if (r > 0.95) {
      // Malformed: truncated, or one byte changed (the cut must keep the raw as it is, as before).
      raw = rnd() < 0.5 ? raw.slice(0, Math.floor(rnd() * raw.length)) : raw.map((x, k) => (k === Math.floor(raw.length / 3) ? x ^ 0xff : x));
      intact = false;
    }
    yield { raw, cols, intact };
  }
}

describe("raw residual cut: the same bytes as before its rewrite for speed", () => {
  test(`${COUNT} generated protos cut as before (a digest pinned), and every intact one rebuilds byte for byte`, () => {
    const h = createHash("sha256");
    let cut = 0;
    const kept: Uint8Array[] = [];
    for (const { raw, cols, intact } of cases()) {
      const residual = residualRaw(raw, cols);
      h.update(versionOneResidual(residual)); // a short form (version 2) as the version 1 bytes it stands for
      h.update(new Uint8Array([0xff])); // a separator, so a byte moved between two cuts changes the digest
      if (!intact) continue;
      if (isResidual(residual)) cut++;
      assert.deepEqual(fullRaw(residual, cols), raw);
      kept.push(residual);
    }
    assert.equal(h.digest("hex"), CUTS_DIGEST);
    assert.ok(cut > COUNT * 0.8, `${cut} cut`);
    // Residuals handed out earlier are views of a shared slab: later cuts must not have written over them.
    const again = createHash("sha256");
    const first = createHash("sha256");
    let k = 0;
    for (const { raw, cols, intact } of cases()) {
      if (!intact) continue;
      first.update(kept[k++]!);
      again.update(residualRaw(raw, cols));
    }
    assert.equal(first.digest("hex"), again.digest("hex"));
  });
});
